/**
 * A simulated instrument that hands back what it is given, in every type the wire contract supports: for testing
 * clients in any language, and the generator's type mapping end to end.
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/dummy/echo-instrument.ts";
import { Instrument, rpcMethod, Signal, signal, type int32, type int64, type uint32, type uint64, type float32 } from "../../runtime/driver/driver-api.ts";

/** Waveform shapes, as a string-literal union. */
export type Waveform = "sine" | "square" | "triangle";

/** Trigger modes, as a TypeScript enum. */
export enum TriggerMode {
  Internal = "internal",
  External = "external",
}

/** A channel setting: nested messages, lists, maps, enums and optional fields together. */
export interface ChannelSetting {
  /** Channel number, from 1. */
  channel: uint32;
  /** Output shape. */
  waveform: Waveform;
  /** Amplitudes per harmonic. */
  harmonics: number[];
  /** Free-form labels. */
  labels: Record<string, string>;
  /** Time the setting was made. */
  madeAt: Date;
  /** Optional offset, volts. */
  offset?: number;
}

/** A recorded trace: typed arrays as message fields. */
export interface Trace {
  /** Seconds between samples. */
  interval: number;
  /** The samples, volts. */
  samples: Float64Array;
  /** Raw ADC counts, one per sample. */
  counts: Int16Array;
}

/** Echoes values back; every method requires the instrument to be open. */
export class EchoInstrument extends Instrument {
  /** Published by {@link EchoInstrument.publishTrace}: a typed-array signal payload. */
  @signal readonly traceTaken = new Signal<Trace>();

  /** @param value - any double */
  @rpcMethod async echoDouble(value: number): Promise<number> {
    return value;
  }

  /** @param value - a single-precision float */
  @rpcMethod async echoFloat(value: float32): Promise<float32> {
    return value;
  }

  /** @param value - a signed 32-bit integer */
  @rpcMethod async echoInt32(value: int32): Promise<int32> {
    return value;
  }

  /** @param value - an unsigned 32-bit integer */
  @rpcMethod async echoUint32(value: uint32): Promise<uint32> {
    return value;
  }

  /** @param value - a signed 64-bit integer within the safe range of numbers */
  @rpcMethod async echoInt64(value: int64): Promise<int64> {
    return value;
  }

  /** @param value - an unsigned 64-bit integer within the safe range of numbers */
  @rpcMethod async echoUint64(value: uint64): Promise<uint64> {
    return value;
  }

  /** @param value - any 64-bit integer */
  @rpcMethod async echoBigint(value: bigint): Promise<bigint> {
    return value;
  }

  /** @param value - any string */
  @rpcMethod async echoString(value: string): Promise<string> {
    return value;
  }

  /** @param value - true or false */
  @rpcMethod async echoBoolean(value: boolean): Promise<boolean> {
    return value;
  }

  /** @param value - raw bytes */
  @rpcMethod async echoBytes(value: Uint8Array): Promise<Uint8Array> {
    return value;
  }

  /** @param value - a point in time (millisecond resolution) */
  @rpcMethod async echoDate(value: Date): Promise<Date> {
    return value;
  }

  /** @param values - a list of doubles */
  @rpcMethod async echoList(values: number[]): Promise<number[]> {
    return values;
  }

  /** @param values - doubles as a typed array (`repeated double` on the wire, like `number[]`) */
  @rpcMethod async echoFloat64Array(values: Float64Array): Promise<Float64Array> {
    return values;
  }

  /** @param values - single-precision floats */
  @rpcMethod async echoFloat32Array(values: Float32Array): Promise<Float32Array> {
    return values;
  }

  /** @param values - signed 32-bit integers */
  @rpcMethod async echoInt32Array(values: Int32Array): Promise<Int32Array> {
    return values;
  }

  /** @param values - unsigned 32-bit integers */
  @rpcMethod async echoUint32Array(values: Uint32Array): Promise<Uint32Array> {
    return values;
  }

  /** @param values - signed 16-bit integers (`repeated int32` on the wire) */
  @rpcMethod async echoInt16Array(values: Int16Array): Promise<Int16Array> {
    return values;
  }

  /** @param values - unsigned 16-bit integers (`repeated uint32` on the wire) */
  @rpcMethod async echoUint16Array(values: Uint16Array): Promise<Uint16Array> {
    return values;
  }

  /** @param values - signed 8-bit integers (`repeated int32` on the wire) */
  @rpcMethod async echoInt8Array(values: Int8Array): Promise<Int8Array> {
    return values;
  }

  /** @param values - signed 64-bit integers */
  @rpcMethod async echoBigInt64Array(values: BigInt64Array): Promise<BigInt64Array> {
    return values;
  }

  /** @param values - unsigned 64-bit integers */
  @rpcMethod async echoBigUint64Array(values: BigUint64Array): Promise<BigUint64Array> {
    return values;
  }

  /** @param trace - a message with typed-array fields */
  @rpcMethod async echoTrace(trace: Trace): Promise<Trace> {
    return trace;
  }

  /**
   * Publishes `trace` on {@link EchoInstrument.traceTaken}.
   * @param trace - the trace to publish
   */
  @rpcMethod async publishTrace(trace: Trace): Promise<void> {
    this.traceTaken.publish(trace);
  }

  /** @param values - a record of doubles */
  @rpcMethod async echoRecord(values: Record<string, number>): Promise<Record<string, number>> {
    return values;
  }

  /** @param waveform - a waveform shape */
  @rpcMethod async echoWaveform(waveform: Waveform): Promise<Waveform> {
    return waveform;
  }

  /** @param mode - a trigger mode */
  @rpcMethod async echoTriggerMode(mode: TriggerMode): Promise<TriggerMode> {
    return mode;
  }

  /** @param setting - a nested setting */
  @rpcMethod async echoSetting(setting: ChannelSetting): Promise<ChannelSetting> {
    return setting;
  }

  /**
   * Sum of the arguments given; the optional ones count as 0 when left out.
   * @param a - first term
   * @param b - optional second term
   * @param c - optional third term
   */
  @rpcMethod async sum(a: number, b?: number, c?: int32): Promise<number> {
    return a + (b ?? 0) + (c ?? 0);
  }

  /**
   * Which flag was given: `"true"`, `"false"`, or `"omitted"` when it was left out.
   * @param flag - an optional boolean
   */
  @rpcMethod async flagGiven(flag?: boolean): Promise<string> {
    return flag === undefined ? "omitted" : String(flag);
  }

  /**
   * The label, or nothing when it is empty.
   * @param label - any string
   */
  @rpcMethod async nonEmpty(label: string): Promise<string | undefined> {
    return label === "" ? undefined : label;
  }
}

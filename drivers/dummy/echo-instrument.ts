/**
 * A simulated instrument that hands back what it is given, in every type the wire contract supports: for testing
 * clients in any language, and the generator's type mapping end to end.
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/dummy/echo-instrument.ts";
import { Instrument, rpcMethod, type int32, type int64, type uint32, type uint64, type float32 } from "../../runtime/driver/driver-api.ts";

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

/** Echoes values back; every method requires the instrument to be open. */
export class EchoInstrument extends Instrument {
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
   * The label, or nothing when it is empty.
   * @param label - any string
   */
  @rpcMethod async nonEmpty(label: string): Promise<string | undefined> {
    return label === "" ? undefined : label;
  }
}

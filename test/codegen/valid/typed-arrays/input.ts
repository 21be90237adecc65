import { Instrument, rpcMethod, Signal, signal } from "../../../../runtime/driver/driver-api.ts";

/** A scope trace: typed arrays as message fields. */
export interface ScopeTrace {
  /** Volts per sample. */
  volts: Float64Array;
  /** Raw counts. */
  raw: Int16Array;
  /** Trigger times, ns. */
  triggers: BigInt64Array;
}

/** Every typed array kind as a parameter, a result, a field and a signal payload. */
export class Digitizer extends Instrument {
  /** A trace as a signal payload. */
  @signal readonly traceAcquired = new Signal<ScopeTrace>();

  /** Floating-point kinds. */
  @rpcMethod async floats(a: Float64Array, b: Float32Array): Promise<Float64Array> {
    return new Float64Array(a.length + b.length);
  }

  /** Integer kinds, each on the narrowest protobuf type that holds it. */
  @rpcMethod async integers(a: Int32Array, b: Uint32Array, c: Int16Array, d: Uint16Array, e: Int8Array): Promise<Uint16Array> {
    return new Uint16Array(a.length + b.length + c.length + d.length + e.length);
  }

  /** 64-bit kinds. */
  @rpcMethod async wide(a: BigInt64Array, b: BigUint64Array): Promise<BigUint64Array> {
    return new BigUint64Array(a.length + b.length);
  }

  /** The last trace. */
  @rpcMethod async trace(): Promise<ScopeTrace> {
    return { volts: new Float64Array(0), raw: new Int16Array(0), triggers: new BigInt64Array(0) };
  }
}

import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** Arrays in every spelling. */
export class SampleBuffer extends Instrument {
  /** Samples as `T[]`. */
  @rpcMethod async samples(count: number): Promise<number[]> {
    return new Array<number>(count).fill(0);
  }

  /** Names as `readonly T[]`, `Array<T>` and `ReadonlyArray<T>`. */
  @rpcMethod async join(a: readonly string[], b: Array<string>, c: ReadonlyArray<string>): Promise<string> {
    return [...a, ...b, ...c].join(",");
  }

  /** Arrays of bytes and dates. */
  @rpcMethod async stamps(chunks: Uint8Array[]): Promise<Date[]> {
    return chunks.map(() => new Date());
  }
}

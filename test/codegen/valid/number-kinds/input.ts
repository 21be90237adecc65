import { Instrument, rpcMethod, type float32, type int32, type int64, type uint32, type uint64 } from "../../../../runtime/driver/driver-api.ts";

/** Every number kind of the runtime. */
export class NumberKinds extends Instrument {
  @rpcMethod async int32(value: int32): Promise<int32> {
    return value;
  }

  @rpcMethod async uint32(value: uint32): Promise<uint32> {
    return value;
  }

  @rpcMethod async int64(value: int64): Promise<int64> {
    return value;
  }

  @rpcMethod async uint64(value: uint64): Promise<uint64> {
    return value;
  }

  @rpcMethod async float(value: float32): Promise<float32> {
    return value;
  }
}

/**
 * What driver authors import: base classes, decorators, number kinds and errors, without the context machinery.
 * (`qmi-ts` itself re-exports all of it too.)
 *
 * @module
 */
export { rpcMethod, rpcConstant, signal, getRpcMetadata } from "./decorators.ts";
export type { RpcMethodOptions, RpcMetadata } from "./decorators.ts";
export { Instrument } from "./instrument.ts";
export { RpcObject } from "./rpc-object.ts";
export type { RpcObjectInit } from "./rpc-object.ts";
export { Signal } from "./signal.ts";
export type { SignalListener } from "./signal.ts";
export type { int32, uint32, int64, uint64, float32, NumberKind } from "./number-kinds.ts";
export * from "../protocol/errors.ts";
export type { InstrumentIdn } from "./instrument-idn.ts";
export { checkRange, checkInteger, checkOneOf } from "./argument-checks.ts";

/**
 * qmi-ts: control lab instruments locally and over the network.
 *
 * @module
 */
export * from "./driver-api.ts";
export type { CallOptions } from "./call-options.ts";
export { DEFAULT_CALL_TIMEOUT } from "./call-options.ts";
export { RpcProxy, invoke, proxyBinding } from "./proxy.ts";
export type { CallTarget, ProxyBinding } from "./proxy.ts";
export type * from "./service-descriptor.ts";

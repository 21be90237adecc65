/**
 * qmi-ts: control lab instruments locally and over the network.
 *
 * For scripts: {@link start}, {@link stop}, {@link context}, {@link makeInstrument}, {@link getInstrument},
 * {@link makeTask}, {@link startStop}, {@link openClose}, {@link withTask}, {@link help},
 * {@link showNetworkContexts}, {@link SignalReceiver}. For driver and task authors: `Instrument`, `Task`,
 * `LoopTask`, `TaskRunner`, `@rpcMethod`, `@rpcConstant`, `@signal`, `Signal`, the number kinds (`int32`...) and
 * the error classes. SCPI drivers extend `ScpiInstrument` from `qmi-ts/runtime/scpi-instrument` (kept out of this
 * entry point so that scripts do not load the transports' native modules).
 *
 * @module
 */
export { start, stop, context, isRunning, makeInstrument, makeTask, getInstrument, startStop, openClose } from "./context-singleton.ts";
export type { Openable } from "./context-singleton.ts";
export { Context } from "./context.ts";
export type { ContextOptions, GetInstrumentOptions, HostableClass } from "./context.ts";
export type { ConnectOptions } from "./peer-table.ts";
export type { CallPath } from "./channel-client.ts";
export { help, helpText } from "./help.ts";
export type { CallOptions } from "./call-options.ts";
export { DEFAULT_CALL_TIMEOUT } from "./call-options.ts";
export type {
  QmiConfig,
  ContextConfig,
  ConfigSource,
  LoggingConfig,
  DiscoveryConfig,
  ProcessManagementConfig,
  ProcessHostConfig,
} from "./config.ts";
export { showNetworkContexts } from "./show-network-contexts.ts";
export { formatContextsTable } from "./network-contexts-table.ts";
export type { NetworkContextRow } from "./network-contexts-table.ts";
export type { DiscoveredContext, DiscoverPeerOptions } from "./discovery/discover-contexts.ts";
export { QMI_VERSION } from "./version.ts";

export * from "./driver-api.ts";

export { RpcProxy, invoke, proxyBinding } from "./proxy.ts";
export type { CallTarget, LockOptions, UnlockOptions, ProxyBinding, Proxied, ProxyClass, UntypedProxy } from "./proxy.ts";
export type { LockOperation } from "./dispatcher.ts";
export { registerGeneratedModule, registerGeneratedServices } from "./generated-services.ts";
export type { GeneratedModuleRegistration } from "./generated-services.ts";
export { SignalReceiver, DEFAULT_MAX_QUEUE_LENGTH } from "./signal-receiver.ts";
export type { DiscardPolicy, ReceivedSignal, SignalReceiverOptions, SignalSink } from "./signal-receiver.ts";
export { Subscription } from "./signal-subscription.ts";
export { Task } from "./task.ts";
export type { TaskInit, SettingsOf, StatusOf } from "./task.ts";
export { LoopTask, LoopPolicy, realClock } from "./loop-task.ts";
export type { LoopClock, LoopTaskOptions } from "./loop-task.ts";
export { TaskRunner } from "./task-runner.ts";
export type { TaskClass } from "./task-runner.ts";
export { TaskRunnerProxy, withTask } from "./task-runner-proxy.ts";
export type { TaskProxy, WatchOptions } from "./task-runner-proxy.ts";
export type { MakeTaskOptions, TaskRunnerClass } from "./make-task-options.ts";
export type * from "./service-descriptor.ts";

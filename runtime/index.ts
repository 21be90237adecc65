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
export { start, stop, context, isRunning, makeInstrument, makeTask, getInstrument, startStop, openClose } from "./context/context-singleton.ts";
export type { Openable } from "./context/context-singleton.ts";
export { Context } from "./context/context.ts";
export type { ContextOptions, GetInstrumentOptions, HostableClass } from "./context/context.ts";
export type { PeerDescription, PeerObjectInfo } from "./context/peer-description.ts";
export type { ConnectOptions } from "./client/peer-table.ts";
export type { CallPath } from "./client/channel-client.ts";
export { help, helpText } from "./client/help.ts";
export type { CallOptions } from "./protocol/call-options.ts";
export { DEFAULT_CALL_TIMEOUT } from "./protocol/call-options.ts";
export type {
  QmiConfig,
  ContextConfig,
  ConfigSource,
  LoggingConfig,
  DiscoveryConfig,
  ProcessManagementConfig,
  ProcessHostConfig,
} from "./config/config.ts";
export { record, Recorder, DEFAULT_BUFFER_ROWS, DEFAULT_BUFFER_BYTES } from "./recording/recorder.ts";
export type { RecordOptions, RecordingCounters, RecordingSummary, SignalCounters } from "./recording/recorder.ts";
export { showNetworkContexts } from "./context/show-network-contexts.ts";
export { formatContextsTable } from "./context/network-contexts-table.ts";
export type { NetworkContextRow } from "./context/network-contexts-table.ts";
export type { DiscoveredContext, DiscoverPeerOptions } from "./discovery/discover-contexts.ts";
export { QMI_VERSION } from "./context/version.ts";

export * from "./driver/driver-api.ts";

export { RpcProxy, invoke, proxyBinding } from "./client/proxy.ts";
export type { CallTarget, LockOptions, UnlockOptions, ProxyBinding, Proxied, ProxyClass, UntypedProxy } from "./client/proxy.ts";
export type { LockOperation } from "./host/dispatcher.ts";
export { registerGeneratedModule, registerGeneratedServices } from "./protocol/generated-services.ts";
export type { GeneratedModuleRegistration } from "./protocol/generated-services.ts";
export { SignalReceiver, DEFAULT_MAX_QUEUE_LENGTH } from "./signals/signal-receiver.ts";
export type { DiscardPolicy, ReceivedSignal, SignalReceiverOptions, SignalSink } from "./signals/signal-receiver.ts";
export { Subscription } from "./signals/signal-subscription.ts";
export { Task } from "./tasks/task.ts";
export type { TaskInit, SettingsOf, StatusOf } from "./tasks/task.ts";
export { LoopTask, LoopPolicy, realClock } from "./tasks/loop-task.ts";
export type { LoopClock, LoopTaskOptions } from "./tasks/loop-task.ts";
export { TaskRunner } from "./tasks/task-runner.ts";
export type { TaskClass } from "./tasks/task-runner.ts";
export { TaskRunnerProxy, withTask } from "./client/task-runner-proxy.ts";
export type { TaskProxy, WatchOptions } from "./client/task-runner-proxy.ts";
export type { MakeTaskOptions, TaskRunnerClass } from "./tasks/make-task-options.ts";
export type * from "./protocol/service-descriptor.ts";

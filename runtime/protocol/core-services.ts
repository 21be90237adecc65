/**
 * The core services every context serves beside its hosted objects' generated services: their `.proto` files
 * (under `idl/qmi/core/`) and fully qualified names, declared once for the server that serves them, the clients
 * that call them and the tools that probe them.
 *
 * @module
 */

/** `qmi.core.Context`: Describe, Ping, Shutdown. */
export const CONTEXT_PROTO = "qmi/core/context.proto";
export const CONTEXT_SERVICE = "qmi.core.Context";

/** `qmi.core.Lock`: Lock, Unlock, ForceUnlock, IsLocked, Lease. */
export const LOCK_PROTO = "qmi/core/lock.proto";
export const LOCK_SERVICE = "qmi.core.Lock";

/** `qmi.core.Task`: control, status and settings of hosted tasks. */
export const TASK_PROTO = "qmi/core/task.proto";
export const TASK_SERVICE = "qmi.core.Task";

/** `qmi.core.Signals`: any hosted object's signals, by name. */
export const SIGNALS_PROTO = "qmi/core/signals.proto";
export const SIGNALS_SERVICE = "qmi.core.Signals";

/** `qmi.core.Channel`: many calls over one stream. */
export const CHANNEL_PROTO = "qmi/core/channel.proto";
export const CHANNEL_SERVICE = "qmi.core.Channel";

/** Every core service's `.proto` file. */
export const CORE_PROTOS: readonly string[] = [CONTEXT_PROTO, LOCK_PROTO, TASK_PROTO, SIGNALS_PROTO, CHANNEL_PROTO];

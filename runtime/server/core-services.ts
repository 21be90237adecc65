/**
 * The core services a context serves beside its objects' generated services, in one list: adding a core service
 * means adding it here (see runtime/README.md). The call channel (`qmi.core.Channel`) is served apart: it carries
 * the unary RPCs of these services and of every object service.
 *
 * @module
 */
import type { ServedService } from "./served-service.ts";
import { contextService, type ContextServiceHost } from "./context-service.ts";
import { lockService, type LockServiceHost } from "./lock-service.ts";
import { signalsService } from "./signals-service.ts";
import type { StreamTracker } from "./stream-tracker.ts";
import { taskService } from "./task-service.ts";

/** What the core services need from their context. */
export interface CoreServicesHost extends LockServiceHost, ContextServiceHost {}

/** Every core service of a context, served. */
export function coreServices(host: CoreServicesHost, streams: StreamTracker): readonly ServedService[] {
  return [contextService(host), lockService(host), taskService(host, streams), signalsService(host, streams)];
}

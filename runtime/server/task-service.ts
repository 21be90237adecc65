/**
 * gRPC handlers of the core `qmi.core.Task` service: task control through the context's one dispatcher, and the
 * `WatchStatus` stream (bounded like signal streams).
 *
 * Every wait is bounded. `Join` waits for the task's end until the call's deadline; a `Join` sent without one waits
 * {@link MAX_JOIN_WAIT} seconds at most, then fails with `DEADLINE_EXCEEDED` (`DeadlineError`) saying that the
 * task still runs: the client calls `Join` again. The other RPCs run in the task's call queue, bounded like any
 * call (by `DEFAULT_CALL_TIMEOUT` without a deadline).
 *
 * @module
 */
import type { ServerWritableStream } from "@grpc/grpc-js";
import { DEFAULT_CALL_TIMEOUT } from "../protocol/call-options.ts";
import type { WireMessage } from "../protocol/codec.ts";
import { DeadlineError } from "../protocol/errors.ts";
import type { CallHandler, IncomingCall } from "./incoming-call.ts";
import type { ServedService } from "./served-service.ts";
import { TASK_PROTO, TASK_SERVICE } from "../protocol/core-services.ts";
import { TASKS, resolveObject, type ObjectServiceHost } from "./object-address.ts";
import { streamSignal, type StreamFormat } from "./signal-stream.ts";
import type { StreamTracker } from "./stream-tracker.ts";
import { OBJECT_METADATA, firstString } from "../protocol/metadata-keys.ts";

/** The longest a `Join` sent without a deadline waits, seconds (as long as any call without a deadline may run). */
export const MAX_JOIN_WAIT = DEFAULT_CALL_TIMEOUT;


/** A unary task control RPC: `method` of the task runner through the dispatcher, its result made by `answer`. */
function unary(host: ObjectServiceHost, method: string, answer: (result: unknown) => WireMessage): CallHandler {
  return async (call) => answer(await dispatchTask(host, resolveObject(host, call.object, TASKS), method, call, call.deadline));
}

function dispatchTask(host: ObjectServiceHost, task: string, method: string, call: IncomingCall, deadline: number): Promise<unknown> {
  return host.dispatch({
    object: task,
    method,
    args: [],
    deadline,
    signal: call.signal,
    validateArgs: false,
    callerContext: call.callerContext,
    lockToken: call.lockToken,
  });
}

/** `Join`: waits until the call's deadline, or {@link MAX_JOIN_WAIT} seconds when it has none. */
function join(host: ObjectServiceHost): CallHandler {
  return async (call) => {
    const task = resolveObject(host, call.object, TASKS);
    const bounded = call.deadline === Infinity;
    try {
      await dispatchTask(host, task, "join", call, bounded ? Date.now() + MAX_JOIN_WAIT * 1000 : call.deadline);
    } catch (error) {
      if (!bounded || !(error instanceof DeadlineError)) throw error;
      throw new DeadlineError(
        `Task ${host.name}.${task} still runs after ${MAX_JOIN_WAIT} s, the longest a Join without a deadline waits; ` +
          `call Join again, or give the call a deadline`,
      );
    }
    return {};
  };
}

function watchStatus(host: ObjectServiceHost, streams: StreamTracker) {
  return (call: ServerWritableStream<WireMessage, WireMessage>) => {
    streamSignal(call, streams, () => {
      const object = resolveObject(host, firstString(call.metadata, OBJECT_METADATA), TASKS);
      const format: StreamFormat<string> = {
        key: "status-json",
        batch: 1,
        encode: (status) => JSON.stringify(status ?? {}),
        message: ([statusJson], sequence) => ({
          status_json: statusJson,
          publisher_context: host.name,
          publisher_name: object,
          sequence: String(sequence),
        }),
      };
      return { hosted: host.objects.getOrThrow(object), signalName: "statusUpdated", address: `${host.name}.${object}`, format };
    });
  };
}

/** `qmi.core.Task`: task control (on the call channel too) and the `WatchStatus` stream. */
export function taskService(host: ObjectServiceHost, streams: StreamTracker): ServedService {
  return {
    protoFile: TASK_PROTO,
    service: TASK_SERVICE,
    calls: {
      Start: unary(host, "start", () => ({})),
      Stop: unary(host, "stop", () => ({})),
      Join: join(host),
      IsRunning: unary(host, "isRunning", (running) => ({ value: running === true })),
      GetStatus: unary(host, "getStatus", (status) => ({ status_json: JSON.stringify(status ?? {}) })),
    },
    streams: { WatchStatus: watchStatus(host, streams) },
  };
}

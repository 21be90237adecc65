/**
 * gRPC handlers of the core `qmi.core.Task` service: task control through the context's one dispatcher, and the
 * `WatchStatus` stream (bounded like signal streams).
 *
 * @module
 */
import { Metadata, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation, type sendUnaryData } from "@grpc/grpc-js";
import type { WireMessage } from "./codec.ts";
import { UnknownNameError } from "./errors.ts";
import { CONTEXT_METADATA, LOCK_TOKEN_METADATA, OBJECT_METADATA, firstString, type ObjectServiceHost } from "./object-service.ts";
import { unaryCancellation } from "./incoming-call.ts";
import { streamSignal, type StreamFormat } from "./signal-stream.ts";
import { toStatus } from "./status-mapping.ts";
import type { StreamTracker } from "./stream-tracker.ts";

/** The task service's proto file and name. */
export const TASK_PROTO = "qmi/core/task.proto";
export const TASK_SERVICE = "qmi.core.Task";

/** `qmi-object`, or the context's only task. */
function targetTask(host: ObjectServiceHost, metadata: Metadata): string {
  const named = firstString(metadata, OBJECT_METADATA);
  if (named !== undefined) {
    const hosted = host.objects.getOrThrow(named);
    if (hosted.kind !== "task") throw new UnknownNameError(`${host.name}.${named} is not a task (it is a ${hosted.className})`);
    return named;
  }
  const tasks = host.objects.list().filter((o) => o.kind === "task");
  if (tasks.length === 1) return tasks[0]!.name;
  throw new UnknownNameError(`Context ${host.name} hosts ${tasks.length} tasks; name one in the ${OBJECT_METADATA} metadata`);
}

function unary(host: ObjectServiceHost, method: string, answer: (result: unknown) => WireMessage) {
  return (call: ServerUnaryCall<WireMessage, WireMessage>, callback: sendUnaryData<WireMessage>) => {
    const cancellation = unaryCancellation(call);
    new Promise<unknown>((resolve) => {
      const deadline = call.getDeadline();
      resolve(
        host.dispatch({
          object: targetTask(host, call.metadata),
          method,
          args: [],
          deadline: deadline instanceof Date ? deadline.getTime() : deadline,
          signal: cancellation.signal,
          validateArgs: false,
          callerContext: firstString(call.metadata, CONTEXT_METADATA),
          lockToken: firstString(call.metadata, LOCK_TOKEN_METADATA),
        }),
      );
    }).then(
      (result) => {
        cancellation.answered();
        callback(null, answer(result));
      },
      (error: unknown) => {
        cancellation.answered();
        callback(toStatus(error));
      },
    );
  };
}

function watchStatus(host: ObjectServiceHost, streams: StreamTracker) {
  return (call: ServerWritableStream<WireMessage, WireMessage>) => {
    streamSignal(call, streams, () => {
      const object = targetTask(host, call.metadata);
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

/** The handler table of `qmi.core.Task`. */
export function taskServiceImplementation(host: ObjectServiceHost, streams: StreamTracker): UntypedServiceImplementation {
  return {
    Start: unary(host, "start", () => ({})),
    Stop: unary(host, "stop", () => ({})),
    Join: unary(host, "join", () => ({})),
    IsRunning: unary(host, "isRunning", (running) => ({ value: running === true })),
    GetStatus: unary(host, "getStatus", (status) => ({ status_json: JSON.stringify(status ?? {}) })),
    WatchStatus: watchStatus(host, streams),
  };
}

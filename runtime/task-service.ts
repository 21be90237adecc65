/**
 * gRPC handlers of the core `qmi.core.Task` service: task control through the context's one dispatcher, and the
 * `WatchStatus` stream (bounded like signal streams).
 *
 * @module
 */
import { Metadata, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation, type sendUnaryData } from "@grpc/grpc-js";
import type { WireMessage } from "./codec.ts";
import { SubscriptionEndedError, UnknownNameError, type QmiError } from "./errors.ts";
import { CONTEXT_METADATA, LOCK_TOKEN_METADATA, OBJECT_METADATA, firstString, type ObjectServiceHost } from "./object-service.ts";
import { STREAM_BACKLOG } from "./signal-stream.ts";
import { listenToHosted } from "./signal-subscription.ts";
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
    const abort = new AbortController();
    call.on("cancelled", () => abort.abort());
    new Promise<unknown>((resolve) => {
      const deadline = call.getDeadline();
      resolve(
        host.dispatch({
          object: targetTask(host, call.metadata),
          method,
          args: [],
          deadline: deadline instanceof Date ? deadline.getTime() : deadline,
          signal: abort.signal,
          validateArgs: false,
          callerContext: firstString(call.metadata, CONTEXT_METADATA),
          lockToken: firstString(call.metadata, LOCK_TOKEN_METADATA),
        }),
      );
    }).then(
      (result) => callback(null, answer(result)),
      (error: unknown) => callback(toStatus(error)),
    );
  };
}

function watchStatus(host: ObjectServiceHost, streams: StreamTracker) {
  return (call: ServerWritableStream<WireMessage, WireMessage>) => {
    let stop: () => void = () => undefined;
    let untrack: () => void = () => undefined;
    let done = false;
    const end = (error: QmiError | undefined) => {
      if (done) return;
      done = true;
      stop();
      untrack();
      if (error) call.emit("error", toStatus(error));
      else call.end();
    };
    try {
      const object = targetTask(host, call.metadata);
      const address = `${host.name}.${object}`;
      let sequence = 0;
      let paused = false;
      const backlog: WireMessage[] = [];
      const write = (event: WireMessage) => {
        if (!call.write(event)) paused = true;
      };
      call.on("drain", () => {
        paused = false;
        while (backlog.length > 0 && !paused) write(backlog.shift()!);
      });
      stop = listenToHosted(
        host.objects.getOrThrow(object),
        "statusUpdated",
        address,
        (status) => {
          const event = { status_json: JSON.stringify(status ?? {}), publisher_context: host.name, publisher_name: object, sequence: String(++sequence) };
          if (!paused) return write(event);
          if (backlog.length >= STREAM_BACKLOG) backlog.shift();
          backlog.push(event);
        },
        () => end(new SubscriptionEndedError(`${address} was removed; its status stream ended`)),
      );
      untrack = streams.add(end);
      call.on("cancelled", () => end(undefined));
      call.sendMetadata(new Metadata());
    } catch (error) {
      end(error as QmiError);
    }
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

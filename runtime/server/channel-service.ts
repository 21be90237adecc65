/**
 * The server side of `qmi.core.Channel` (`idl/qmi/core/channel.proto`): many calls multiplexed on one
 * long-lived bidirectional stream per peer connection, each served by the same {@link CallHandler} as the
 * unary RPC it names, so it reaches the same `dispatch()` / `dispatchLock()` with the same checks and errors.
 *
 * Calls arrive in batches (`ChannelCalls`) and start in order; answers leave in batches too (`channel-batch.ts`).
 * The server enforces each call's deadline itself (from `timeout_ms`) and aborts a call on a `cancel` message
 * or when the stream ends. One bad message never ends the stream: an unknown path is answered `UNIMPLEMENTED`,
 * an undecodable request `INVALID_ARGUMENT`, and a batch that does not decode at all is dropped (logged; it has
 * no id to answer). What one client can make the server hold is bounded (`channel-limits.ts`): a batch of more
 * calls than {@link CHANNEL_MAX_BATCH_CALLS} ends the stream with `RESOURCE_EXHAUSTED` before it is decoded, calls
 * beyond the stream's or the context's limit in flight are answered `RESOURCE_EXHAUSTED` without running, and a
 * client that does not read its answers stops being read.
 *
 * @module
 */
import { Metadata, status as Status, type ServerDuplexStream, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { CallCancellation, type CancelSignal } from "../protocol/cancel-signal.ts";
import { Batcher, ENVELOPE_BYTES, MAX_MESSAGE_HEADER, announcedLimit, batchBytesFor } from "../protocol/channel-batch.ts";
import type { WireMessage } from "../protocol/codec.ts";
import { CLOCK_METADATA, CallerClock, clockValue } from "../protocol/caller-clock.ts";
import { EXCHANGE_PATH, bytesOf, decodeAnswers, decodeCalls, encodeAnswers, encodeCalls, type ChannelAnswer, type ChannelBatch, type ChannelCall } from "../protocol/channel-codec.ts";
import {
  CHANNEL_MAX_BATCH_CALLS,
  CHANNEL_MAX_CALLS_IN_FLIGHT,
  CHANNEL_MAX_UNSENT_ANSWER_BYTES,
  ChannelCallBudget,
  MAX_CALLS_HEADER,
  countBatchCalls,
} from "../protocol/channel-limits.ts";
import {
  ASSEMBLY_TIMEOUT_MS,
  CHANNEL_MAX_CALL_BYTES,
  MAX_CALL_HEADER,
  PartAssembler,
  announcedCallBytes,
  partBytesFor,
  sendInParts,
  splitParts,
} from "../protocol/channel-parts.ts";
import { ConnectionError, DeadlineError, InvalidArgumentError, QmiError } from "../protocol/errors.ts";
import { type CallHandler } from "./incoming-call.ts";
import { getLogger } from "../logging/log.ts";
import { errorToWire } from "../protocol/status-mapping.ts";
import { MESSAGE_BUFFER_MIN_BYTES, giveBackMessageBuffer } from "../protocol/message-buffers.ts";
import type { StreamTracker } from "./stream-tracker.ts";
import { CONTEXT_METADATA, firstString } from "../protocol/metadata-keys.ts";

const log = getLogger("qmi.core.channel");


/** One RPC reachable through the channel: how to read its request and write its response, and its handler. */
interface Route {
  readonly deserialize: (bytes: Buffer) => WireMessage;
  readonly serialize: (message: WireMessage) => Buffer;
  readonly handler: CallHandler;
}

/** The RPCs the channel can carry, by path (`/<service>/<rpc>`). */
export class ChannelRoutes {
  readonly #routes = new Map<string, Route>();

  /** Adds the RPCs of `definition` that have a handler in `handlers` (keyed by RPC name). */
  add(definition: ServiceDefinition, handlers: Record<string, CallHandler>): void {
    for (const [rpcName, handler] of Object.entries(handlers)) {
      const method = definition[rpcName];
      if (!method) continue;
      this.#routes.set(method.path, {
        deserialize: method.requestDeserialize as (bytes: Buffer) => WireMessage,
        serialize: method.responseSerialize as (message: WireMessage) => Buffer,
        handler,
      });
    }
  }

  get(path: string): Route | undefined {
    return this.#routes.get(path);
  }
}

/** What a batch the guard could not decode turns into (see {@link channelDefinition}); `tooLarge` when it held too many calls. */
export interface Undecodable {
  readonly undecodable: string;
  readonly tooLarge?: true;
}

/** The `qmi.core.Channel` definition (messages by `channel-codec.ts`), with a batch deserializer that never throws. */
export function channelDefinition(): ServiceDefinition {
  return {
    Exchange: {
      path: EXCHANGE_PATH,
      requestStream: true,
      responseStream: true,
      requestSerialize: encodeCalls,
      requestDeserialize: (bytes: Buffer): ChannelBatch | Undecodable => {
        if (countBatchCalls(bytes, CHANNEL_MAX_BATCH_CALLS) > CHANNEL_MAX_BATCH_CALLS) {
          return { undecodable: `a batch of more than ${CHANNEL_MAX_BATCH_CALLS} calls`, tooLarge: true };
        }
        try {
          return decodeCalls(bytes);
        } catch (error) {
          return { undecodable: error instanceof Error ? error.message : String(error) };
        }
      },
      responseSerialize: encodeAnswers,
      responseDeserialize: decodeAnswers,
    },
  } as ServiceDefinition;
}

/** A failure as a `ChannelAnswer`: the status and `qmi-error` class a unary call would end with. */
function failure(id: number, error: unknown): ChannelAnswer {
  const wire = errorToWire(error);
  return { id, code: wire.code, message: wire.message, error_class: wire.errorClass };
}

/**
 * One `Exchange` stream as the channel serves it: grpc-js's call (see {@link channelServiceImplementation}), or an
 * HTTP/2 stream served without grpc-js (`h2-exchange-stream.ts`).
 */
export interface ExchangeStream {
  /** The request's metadata. */
  readonly metadata: Metadata;
  /** The caller's address, for log lines. */
  getPeer(): string;
  /** Sends the response headers. */
  sendMetadata(headers: Metadata): void;
  /** Sends a batch of answers; `written` runs once the connection has taken it. */
  write(answers: readonly ChannelAnswer[], written: () => void): void;
  /** Ends the stream with status OK. */
  end(): void;
  /** Ends the stream with the status `code` and `details`. */
  fail(code: Status, details: string): void;
  /** Stops reading requests, until {@link resume}. */
  pause(): void;
  resume(): void;
  /**
   * A batch of calls; `release`, when given, says that nothing of the message it was decoded from is kept past the
   * listener's return, so that its memory may be reused (see `GrpcMessage.release`).
   */
  on(event: "data", listener: (batch: ChannelBatch | Undecodable, release?: () => void) => void): unknown;
  on(event: "end" | "cancelled" | "error", listener: () => void): unknown;
}

/** The handler table of `qmi.core.Channel` serving `serve` on grpc-js's calls. */
export function channelServiceImplementation(serve: (stream: ExchangeStream) => void): UntypedServiceImplementation {
  return {
    Exchange: (call: ServerDuplexStream<ChannelBatch | Undecodable, readonly ChannelAnswer[]>) =>
      serve({
        metadata: call.metadata,
        getPeer: () => call.getPeer(),
        sendMetadata: (headers) => call.sendMetadata(headers),
        write: (answers, written) => call.write(answers, written),
        end: () => call.end(),
        fail: (code, details) => call.emit("error", { code, details }),
        pause: () => call.pause(),
        resume: () => call.resume(),
        on: (event: string, listener: (batch: ChannelBatch | Undecodable) => void) => call.on(event, listener),
      }),
  };
}

/** Serves `qmi.core.Channel` streams carrying `routes`, on grpc-js or not (see {@link ExchangeStream}). */
export function exchangeServer(routes: ChannelRoutes, streams: StreamTracker, maxMessageBytes: number): (call: ExchangeStream) => void {
  /** The calls in flight on all of this server's streams. */
  const budget = new ChannelCallBudget();
  return (call: ExchangeStream) => {
    const callerContext = firstString(call.metadata, CONTEXT_METADATA);
    /** Relates the caller's `deadline_ms` to this server's clock (see `caller-clock.ts`). */
    const callerClock = new CallerClock();
    callerClock.observe(clockValue(firstString(call.metadata, CLOCK_METADATA)), Date.now());
    // What may go back: no more than the caller accepts, nor than this server sends (grpc.max_send_message_length).
    const clientMax = Math.min(announcedLimit(call.metadata.get(MAX_MESSAGE_HEADER)), maxMessageBytes);
    /** The largest answer the client assembles from parts (0: it takes none). */
    const clientMaxCall = announcedCallBytes(call.metadata.get(MAX_CALL_HEADER));
    const partBytes = partBytesFor(clientMax, ENVELOPE_BYTES);
    /** Requests arriving in parts, and when each is given up if its parts stop coming. */
    const requests = new PartAssembler<ChannelCall>(CHANNEL_MAX_CALL_BYTES);
    const assemblyTimers = new Map<number, NodeJS.Timeout>();
    const endAssembly = (id: number) => {
      clearTimeout(assemblyTimers.get(id));
      assemblyTimers.delete(id);
    };
    /** Answers being sent in parts; a cancelled call's id leaves, and its parts stop. */
    const answering = new Set<number>();
    /** Answer bytes handed to grpc-js and not yet written to the connection; past the limit, reading stops. */
    let unsent = 0;
    let paused = false;
    const outbox = new Batcher<ChannelAnswer>((answers, bytes, written) => {
      unsent += bytes;
      if (!paused && unsent > CHANNEL_MAX_UNSENT_ANSWER_BYTES) {
        paused = true;
        call.pause();
      }
      call.write(answers, () => {
        unsent -= bytes;
        if (paused && unsent <= CHANNEL_MAX_UNSENT_ANSWER_BYTES / 2) {
          paused = false;
          call.resume();
        }
        written?.();
      });
    }, batchBytesFor(clientMax));
    /** Sends a large answer in parts, between the other answers (see `sendInParts`). */
    const sendParts = (id: number, response: Buffer) => {
      answering.add(id);
      sendInParts(
        splitParts(response, partBytes),
        (part, first, more, written) => {
          if (!more) answering.delete(id);
          const envelope = first ? { id, response: part, more, total_bytes: response.length } : { id, response: part, more };
          // Once its last part is written, the answer's memory may hold the next one (message-buffers.ts).
          outbox.push(envelope, part.length + 24, written ?? (() => giveBackMessageBuffer(response)));
        },
        () => open && answering.has(id),
      );
    };
    const send = (answer: ChannelAnswer) => {
      let payload = answer.response?.length ?? 0;
      if (payload + ENVELOPE_BYTES > clientMax) {
        if (payload <= clientMaxCall) return sendParts(answer.id, bytesOf(answer.response));
        // Too large for the caller: this call fails alone, as a unary answer it could not receive would.
        const message =
          clientMaxCall > 0
            ? `The answer is ${payload} bytes, more than the caller assembles from parts (${clientMaxCall}; ${MAX_CALL_HEADER})`
            : `The answer is ${payload} bytes, more than the caller accepts (${clientMax}; security.max_message_bytes)`;
        answer = { id: answer.id, code: Status.RESOURCE_EXHAUSTED, message, error_class: "" };
        payload = 0;
      }
      // Its share of the batch: the response and the failure's strings, plus the fixed fields and framing.
      const bytes = payload + (answer.message?.length ?? 0) + (answer.error_class?.length ?? 0) + 24;
      const response = answer.response;
      outbox.push(answer, bytes, response && payload >= MESSAGE_BUFFER_MIN_BYTES ? () => giveBackMessageBuffer(response) : undefined);
    };
    /** Aborted when the stream ends: the signal of every call not marked cancellable. */
    const streamAbort = new CallCancellation();
    /** Calls in flight marked cancellable, by id (only these get a cancellation of their own). */
    const cancellable = new Map<number, CallCancellation>();
    let inFlight = 0;
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      outbox.clear();
      requests.clear();
      for (const timer of assemblyTimers.values()) clearTimeout(timer);
      assemblyTimers.clear();
      answering.clear();
      untrack();
      streamAbort.abort();
      for (const abort of cancellable.values()) abort.abort();
      cancellable.clear();
    };
    /** Set when the client half-closed or the server is stopping: new calls are refused, those in flight answered. */
    let draining = false;
    const drainThenEnd = () => {
      draining = true;
      const finish = () => {
        if (!open) return; // cancelled or failed meanwhile: nothing left to answer
        if (inFlight === 0) {
          outbox.flush();
          close();
          call.end();
        } else {
          setTimeout(finish, 10).unref();
        }
      };
      finish();
    };
    // The server is closing: let the calls in flight finish (the server's grace period bounds the wait).
    const untrack = streams.add(drainThenEnd);
    call.on("cancelled", close);
    call.on("error", close);
    call.on("end", drainThenEnd);
    call.on("data", (batch: ChannelBatch | Undecodable, release?: () => void) => {
      if ("undecodable" in batch) {
        const { undecodable, tooLarge } = batch;
        if (tooLarge) {
          log.warning(`Ended the qmi.core.Channel stream of ${call.getPeer()}: ${undecodable}`);
          call.fail(Status.RESOURCE_EXHAUSTED, `The call channel refuses ${undecodable} (at most ${CHANNEL_MAX_BATCH_CALLS})`);
          return;
        }
        log.warning(`Dropped an undecodable qmi.core.Channel message from ${call.getPeer()}: ${undecodable}`);
        return;
      }
      const now = Date.now();
      callerClock.observe(clockValue(batch.clock_ms), now);
      let keeps = false;
      for (const received of batch.calls) {
        const envelope = received.cancel === true ? received : assembled(received);
        if (envelope === undefined) continue; // a part of a request still arriving, or of one refused
        // A whole call's request is a view of the message, decoded when it runs; a part was copied into its whole.
        if (envelope === received && received.cancel !== true) keeps = true;
        serve(envelope, now);
      }
      if (!keeps) release?.();
    });
    /** Serves `envelope`: a cancellation, or a whole call (as it came, or assembled from its parts). */
    const serve = (envelope: ChannelCall, now: number) => {
      const id = envelope.id;
      if (draining && envelope.cancel !== true) {
        send(failure(id, new ConnectionError("The context is stopping; the call was not started")));
        return;
      }
      if (envelope.cancel === true) {
        requests.drop(id);
        endAssembly(id);
        answering.delete(id);
        cancellable.get(id)?.abort();
        return;
      }
      const path = envelope.path ?? "";
      const route = routes.get(path);
      if (!route) {
        send({ id, code: Status.UNIMPLEMENTED, message: `The channel does not carry ${path || "an empty path"}`, error_class: "" });
        return;
      }
      const timeout = envelope.timeout_ms ?? 0;
      let deadline = timeout > 0 ? now + timeout : Infinity;
      const callerDeadline = envelope.deadline_ms ?? 0;
      if (callerDeadline > 0) deadline = Math.min(deadline, callerClock.toLocal(callerDeadline));
      if (deadline <= now) {
        send(failure(id, new DeadlineError(`${path} expired before it started (its caller's deadline had passed when it arrived)`)));
        return;
      }
      if (inFlight >= CHANNEL_MAX_CALLS_IN_FLIGHT) {
        const message = `The call channel has ${inFlight} calls in flight, its limit (${MAX_CALLS_HEADER}); ${path} was not started`;
        send({ id, code: Status.RESOURCE_EXHAUSTED, message, error_class: "" });
        return;
      }
      let request: WireMessage;
      try {
        request = route.deserialize(bytesOf(envelope.request));
      } catch (error) {
        send(failure(id, new InvalidArgumentError(`Cannot decode the request of ${path}: ${(error as Error).message}`)));
        return;
      }
      if (!budget.take()) {
        const message = `The context has ${budget.used} channel calls in flight, its limit; ${path} was not started`;
        send({ id, code: Status.RESOURCE_EXHAUSTED, message, error_class: "" });
        return;
      }
      let signal: CancelSignal = streamAbort;
      if (envelope.cancellable === true) {
        const cancellation = new CallCancellation();
        cancellable.set(id, cancellation);
        signal = cancellation;
      }
      inFlight++;
      let outcome: Promise<WireMessage>;
      try {
        outcome = route.handler({
          request,
          object: envelope.object || undefined,
          callerContext,
          lockToken: envelope.lock_token || undefined,
          leaseId: envelope.lease_id || undefined,
          deadline,
          signal,
          via: call,
        });
      } catch (error) {
        outcome = Promise.reject(QmiError.from(error));
      }
      outcome
        .then(
          (response): ChannelAnswer => {
            try {
              return { id, response: route.serialize(response) };
            } catch (error) {
              return failure(id, new QmiError(`Cannot encode the answer of ${path}: ${(error as Error).message}`));
            }
          },
          (error: unknown) => failure(id, error),
        )
        .then((answer) => {
          inFlight--;
          budget.give();
          cancellable.delete(id);
          if (open) send(answer);
        })
        .catch((error: unknown) => log.warning(`Answering ${path} on the channel failed: ${String(error)}`));
    };
    /**
     * The call `received` is part of: itself when it is whole, the assembled call once its last part is in,
     * undefined while parts are missing (or after its parts were refused, which is answered at once).
     */
    const assembled = (received: ChannelCall): ChannelCall | undefined => {
      const id = received.id;
      const part = bytesOf(received.request);
      const more = received.more === true;
      let outcome;
      if (requests.has(id)) outcome = requests.add(id, part, more);
      else if (more) {
        const first = { ...received, request: undefined }; // its bytes are copied into the whole: nothing holds the message
        outcome = requests.start(id, first, received.total_bytes ?? 0, part);
        if (outcome === undefined) giveUpLater(first);
      } else return received;
      if (outcome === undefined) return undefined;
      endAssembly(id);
      if ("refused" in outcome) {
        const message = `The request of ${received.path || "a call in parts"} ${outcome.refused}`;
        send({ id, code: outcome.tooLarge ? Status.RESOURCE_EXHAUSTED : Status.INVALID_ARGUMENT, message, error_class: "" });
        return undefined;
      }
      return { ...outcome.first, request: outcome.done, more: false };
    };
    /** Gives up the request in parts `first` begins when it is not whole by its deadline (or a minute). */
    const giveUpLater = (first: ChannelCall) => {
      const id = first.id;
      const timeout = (first.timeout_ms ?? 0) > 0 ? Math.min(first.timeout_ms!, ASSEMBLY_TIMEOUT_MS) : ASSEMBLY_TIMEOUT_MS;
      const timer = setTimeout(() => {
        assemblyTimers.delete(id);
        requests.ignore(id); // its parts still to come are dropped
        const message = `${first.path || "A call in parts"}: its request was not whole within ${timeout} ms; it was not started`;
        send(failure(id, new DeadlineError(message)));
      }, timeout);
      timer.unref();
      assemblyTimers.set(id, timer);
    };
    const headers = new Metadata();
    headers.set(MAX_MESSAGE_HEADER, String(maxMessageBytes));
    headers.set(MAX_CALL_HEADER, String(CHANNEL_MAX_CALL_BYTES));
    headers.set(MAX_CALLS_HEADER, String(CHANNEL_MAX_CALLS_IN_FLIGHT));
    call.sendMetadata(headers);
  };
}

/**
 * The client side of `qmi.core.Channel`: one long-lived bidirectional stream per peer connection, opened on the
 * first call, carrying each call as a `ChannelCall` (those started in the same turn share one message, see
 * `channel-batch.ts`) and matching `ChannelAnswer`s by id.
 *
 * It gives a call what gRPC gives a unary call: a deadline (the caller's answer is a `DeadlineError` at the
 * deadline, and the server is told to cancel), cancellation by `AbortSignal`, and failures as the error class
 * the server raised (through the same `fromStatus()` as unary calls). When the stream fails, the calls in flight
 * fail with the stream's error (a `ConnectionError` for a lost peer) and the next call opens a new stream. A peer
 * without the service (`UNIMPLEMENTED`) is remembered, and {@link ChannelClient.ready} answers false from then on.
 *
 * @module
 */
import { status as Status, type ServiceError } from "@grpc/grpc-js";
import { Batcher, ENVELOPE_BYTES, MAX_MESSAGE_HEADER, announcedLimit, batchBytesFor } from "../protocol/channel-batch.ts";
import { CLOCK_METADATA } from "../protocol/caller-clock.ts";
import { MAX_CALLS_HEADER, announcedCallLimit } from "../protocol/channel-limits.ts";
import { CHANNEL_MAX_CALL_BYTES, CHANNEL_PART_BYTES, MAX_CALL_HEADER, PartAssembler, announcedCallBytes, assemblyBudget, partBytesFor, sendInParts, splitParts } from "../protocol/channel-parts.ts";
import { EXCHANGE_PATH, bytesOf, decodeAnswers, encodeCallPieces, type ChannelAnswer, type ChannelCall } from "../protocol/channel-codec.ts";
import { DeadlineEntry, deadlines } from "../host/deadline-watch.ts";
import { CancelledError, ConnectionError, DeadlineError, InvalidArgumentError, ResourceExhaustedError, type QmiError } from "../protocol/errors.ts";
import { H2GrpcStream } from "./h2-grpc-stream.ts";
import { giveBackMessageBuffer } from "../protocol/message-buffers.ts";
import type { SecuritySettings } from "../config/security-settings.ts";
import { errorFromWire, fromStatus } from "../protocol/status-mapping.ts";
import type { CallRecord } from "../protocol/call-record.ts";

/** How calls to a peer travel: each as a unary RPC, or multiplexed on the `qmi.core.Channel` stream. */
export type CallPath = "unary" | "channel";

/** The default call path: `QMI_CALL_PATH` (`unary` or `channel`), else `channel`. */
export function defaultCallPath(): CallPath {
  return process.env.QMI_CALL_PATH === "unary" ? "unary" : "channel";
}

/** Default seconds to wait for a peer to accept the channel (see {@link ChannelClient}). */
const CHANNEL_OPEN_TIMEOUT = 5;

/** Requests larger than this go in parts (or, to a server that takes no parts, on the unary path). */
const CHANNEL_MAX_REQUEST_BYTES = 64 * 1024;

const EMPTY_REQUEST = Buffer.alloc(0);

/** One call to send on the channel. */
export interface ChannelCallRequest extends CallRecord<AbortSignal> {
  /** `/<service>/<rpc>`. */
  readonly path: string;
  readonly request: Buffer;
  /** The lease a `qmi.core.Lock/Lock` is tied to, if any. */
  readonly leaseId: string | undefined;
  /** Names the call in errors. */
  readonly what: string;
}

/** A call waiting for its answer; its deadline is on the shared {@link deadlines} watch. */
class PendingCall extends DeadlineEntry {
  /** Written to the stream (false while it waits for the server's limit of calls in flight). */
  declare sent: boolean;

  constructor(
    readonly client: ChannelClient,
    readonly id: number,
    readonly stream: H2GrpcStream,
    /** The call; its request is dropped once written (see {@link ChannelClient}'s `#written`). */
    public call: ChannelCallRequest,
    readonly resolve: (response: Buffer) => void,
    readonly reject: (error: QmiError) => void,
  ) {
    super();
    this.sent = false;
  }

  /** The deadline passed: the caller gets a `DeadlineError`, the server is told to cancel. */
  override expire(): void {
    this.client.giveUp(this, new DeadlineError(`${this.call.what} on ${this.client.where}: Deadline exceeded`));
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.client.giveUp(this, new CancelledError(`${this.call.what} was cancelled`));
  }
}

/** The open stream and the batch of calls waiting to be written on it. */
interface StreamLink {
  readonly stream: H2GrpcStream;
  readonly outbox: Batcher<ChannelCall>;
}

/** The channel of one peer connection. */
export class ChannelClient {
  #link: StreamLink | undefined;
  #ready: Promise<boolean> | undefined;
  /** The stream being opened (not accepted yet), so that {@link close} can end it too. */
  #opening: H2GrpcStream | undefined;
  /** Set by {@link close}: no stream is opened again. */
  #closed = false;
  #unsupported = false;
  #nextId = 1;
  readonly #pending = new Map<number, PendingCall>();
  #maxRequestBytes = CHANNEL_MAX_REQUEST_BYTES;
  /** The largest request the server assembles from parts (`qmi-max-call-bytes`; 0: it takes none). */
  #maxCallBytes = 0;
  /** The size of the parts of a request sent in parts. */
  #partBytes = CHANNEL_PART_BYTES;
  /** Answers arriving in parts (those of 1 to 16 MiB in reused memory, see `PartAssembler`). */
  readonly #answers = new PartAssembler<undefined>(CHANNEL_MAX_CALL_BYTES, assemblyBudget, true);
  /** The server's limit of calls in flight on the stream (`qmi-max-calls-in-flight`); the rest wait here. */
  #maxInFlight = Infinity;
  /** Calls written and not yet answered. */
  #sent = 0;
  /** Calls waiting for {@link #sent} to drop below {@link #maxInFlight}, in order; `#waitingHead` is the next. */
  #waiting: PendingCall[] = [];
  #waitingHead = 0;

  /**
   * True when a request of `bytes` can go on the channel: whole up to {@link CHANNEL_MAX_REQUEST_BYTES} (or less
   * when the peer accepts smaller messages; it announces its limit when the stream opens), in parts up to what the
   * peer assembles. A larger one takes the unary path.
   */
  accepts(bytes: number): boolean {
    return bytes <= this.#maxRequestBytes || bytes <= this.#maxCallBytes;
  }

  constructor(
    /** `host:port` of the peer's server. */
    private readonly address: string,
    /** The stream's metadata (`qmi-context`, and the token when there is one). */
    private readonly metadata: Readonly<Record<string, string>>,
    /** TLS and message limit of the connection. */
    private readonly security: SecuritySettings,
    /** `<peer> at <address>`, for messages. */
    readonly where: string,
    /**
     * Seconds to wait for the peer to accept the stream before the calls waiting for it take the unary path
     * (which has its own deadlines): a host that stopped answering must not hold calls back for the OS's TCP
     * connect timeout.
     */
    private readonly openTimeout = CHANNEL_OPEN_TIMEOUT,
  ) {}

  /**
   * Resolves true once the stream is open (opening it if needed), false when the peer lacks the service or the
   * stream cannot be opened now (the caller then uses the unary path).
   */
  ready(): Promise<boolean> | boolean {
    if (this.#unsupported || this.#closed) return false;
    if (this.#link && this.#ready === undefined) return true;
    return (this.#ready ??= this.#connect());
  }

  #connect(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let accepted = false;
      const timer = setTimeout(() => stream.cancel(), this.openTimeout * 1000);
      timer.unref(); // the connection being opened holds the process while it lasts; this timer need not
      const metadata = { ...this.metadata, [CLOCK_METADATA]: String(Date.now()), [MAX_CALL_HEADER]: String(CHANNEL_MAX_CALL_BYTES) };
      const stream: H2GrpcStream = new H2GrpcStream(this.address, EXCHANGE_PATH, metadata, this.security, {
        onAccepted: (headers) => {
          clearTimeout(timer);
          accepted = true;
          this.#opening = undefined;
          const serverMax = announcedLimit(headers[MAX_MESSAGE_HEADER]);
          this.#maxRequestBytes = Math.min(CHANNEL_MAX_REQUEST_BYTES, serverMax - ENVELOPE_BYTES);
          this.#maxCallBytes = announcedCallBytes(headers[MAX_CALL_HEADER]);
          this.#partBytes = partBytesFor(serverMax, ENVELOPE_BYTES);
          this.#maxInFlight = announcedCallLimit(headers[MAX_CALLS_HEADER]);
          this.#link = { stream, outbox: new Batcher((calls, _bytes, written) => stream.write(encodeCallPieces(calls, Date.now()), written), batchBytesFor(serverMax)) };
          this.#ready = undefined;
          resolve(true);
        },
        onMessage: (message, release) => {
          let answers: readonly ChannelAnswer[];
          try {
            answers = decodeAnswers(message);
          } catch {
            this.#fail(stream, new ConnectionError(`The call channel to ${this.where} sent an undecodable answer`));
            return stream.cancel(); // the next call reconnects
          }
          let keeps = false;
          for (const answer of answers) keeps = this.#answer(answer) || keeps;
          if (!keeps) release();
        },
        onEnd: (status: ServiceError) => {
          clearTimeout(timer);
          if (this.#opening === stream) this.#opening = undefined;
          if (!accepted) {
            if (status.code === Status.UNIMPLEMENTED) this.#unsupported = true;
            this.#ready = undefined;
            resolve(false); // the unary path reports the problem (or works, when only the channel is refused)
          }
          const error =
            status.code === Status.OK
              ? new ConnectionError(`The call channel to ${this.where} ended`)
              : fromStatus(status, `The call channel to ${this.where}`);
          this.#fail(stream, error);
        },
      });
      if (!accepted) this.#opening = stream;
    });
  }

  /** Sends one call; the stream must be {@link ready}. Resolves with the serialized response message. */
  call(call: ChannelCallRequest): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (call.signal?.aborted) return reject(new CancelledError(`${call.what} was cancelled`));
      const link = this.#link;
      if (!link) return reject(new ConnectionError(`${call.what}: the call channel to ${this.where} is closed`));
      const id = this.#nextId;
      this.#nextId = id >= 0xffffffff ? 1 : id + 1;
      const pending = new PendingCall(this, id, link.stream, call, resolve, reject);
      this.#pending.set(id, pending);
      if (call.deadline !== Infinity) deadlines.add(pending, call.deadline);
      call.signal?.addEventListener("abort", pending, { once: true });
      if (this.#sent < this.#maxInFlight) this.#send(link, pending);
      else this.#waiting.push(pending);
    });
  }

  /** Writes `pending` to the stream's next batch. */
  #send(link: StreamLink, pending: PendingCall): void {
    const { call } = pending;
    pending.sent = true;
    this.#sent++;
    const envelope: ChannelCall = {
      id: pending.id,
      path: call.path,
      request: call.request,
      object: call.object ?? "",
      lock_token: call.lockToken ?? "",
      lease_id: call.leaseId ?? "",
      timeout_ms: Number.isFinite(call.deadline) ? Math.max(1, call.deadline - Date.now()) : 0,
      deadline_ms: Number.isFinite(call.deadline) ? call.deadline : 0,
      cancellable: call.signal !== undefined,
    };
    // Its share of the batch: the request and the envelope's strings, plus the fixed fields and framing.
    const strings = call.path.length + (call.object?.length ?? 0) + (call.lockToken?.length ?? 0) + (call.leaseId?.length ?? 0) + 48;
    if (call.request.length <= this.#maxRequestBytes) return link.outbox.push(envelope, call.request.length + strings);
    this.#sendParts(link, pending, envelope, strings);
  }

  /**
   * The request of `pending` is all written: the call keeps only what it needs for its answer, and the request's
   * memory may hold the next one (message-buffers.ts).
   */
  #written(pending: PendingCall): void {
    giveBackMessageBuffer(pending.call.request);
    pending.call = { ...pending.call, request: EMPTY_REQUEST };
  }

  /** Sends a large request in parts, between the other calls (see `sendInParts`); stops when the call ends. */
  #sendParts(link: StreamLink, pending: PendingCall, envelope: ChannelCall, strings: number): void {
    const request = pending.call.request;
    sendInParts(
      splitParts(request, this.#partBytes),
      (part, first, more, written) =>
        link.outbox.push(
          first ? { ...envelope, request: part, more, total_bytes: request.length } : { id: pending.id, request: part, more },
          part.length + (first ? strings : 16),
          written ?? (() => this.#written(pending)),
        ),
      () => this.#link === link && this.#pending.get(pending.id) === pending,
    );
  }

  /** Sends the waiting calls that the server's limit now admits (those given up meanwhile are skipped). */
  #sendWaiting(): void {
    const link = this.#link;
    const waiting = this.#waiting;
    while (this.#sent < this.#maxInFlight && this.#waitingHead < waiting.length) {
      const next = waiting[this.#waitingHead]!;
      waiting[this.#waitingHead++] = undefined as unknown as PendingCall;
      if (link && next.stream === link.stream && this.#pending.get(next.id) === next) this.#send(link, next);
    }
    if (this.#waitingHead === waiting.length) {
      this.#waiting = [];
      this.#waitingHead = 0;
    }
  }

  /**
   * Ends the stream (and the one being opened, if any) with their connection, for good: calls in flight fail
   * with a `ConnectionError`, and {@link ready} answers false from then on, so no new connection is opened.
   */
  close(): void {
    this.#closed = true;
    this.#opening?.cancel(); // its waiting callers take the unary path, which reports the closed connection
    const link = this.#link;
    if (link) {
      // Fail the calls first: cancelling reports the stream's end (CANCELLED), which is not what they should see.
      this.#fail(link.stream, new ConnectionError(`The call channel to ${this.where} was closed`));
      link.stream.cancel();
    }
  }

  /**
   * Hands `received` to its call, or to the answer it is a part of. True when its caller got a view of the message
   * `received` came in (a whole answer's response); a part is copied into its whole.
   */
  #answer(received: ChannelAnswer): boolean {
    const id = received.id;
    const pending = this.#pending.get(id);
    const answer = this.#assembled(received, pending);
    if (!answer || !pending) return false; // a part of an answer still arriving; or its call was cancelled or timed out meanwhile
    this.#settle(id, pending);
    const code = answer.code ?? Status.OK;
    if (code === Status.OK) {
      pending.resolve(bytesOf(answer.response));
      return answer === received;
    }
    const wire = { code, message: answer.message ?? "", errorClass: answer.error_class ?? "" };
    pending.reject(errorFromWire(wire, `${pending.call.what} on ${this.where}`));
    return false;
  }

  /**
   * The answer `received` is part of: itself when it is whole, the assembled answer once its last part is in,
   * undefined while parts are missing (or when they are refused: `pending` then fails).
   */
  #assembled(received: ChannelAnswer, pending: PendingCall | undefined): ChannelAnswer | undefined {
    const id = received.id;
    const part = bytesOf(received.response);
    const more = received.more === true;
    let outcome;
    if (this.#answers.has(id)) outcome = this.#answers.add(id, part, more);
    else if (!more) return received;
    else if (!pending) return void this.#answers.ignore(id); // its caller is gone: drop the parts
    else outcome = this.#answers.start(id, undefined, received.total_bytes ?? 0, part);
    if (outcome === undefined) return undefined;
    if ("refused" in outcome) {
      if (pending) this.giveUp(pending, new (outcome.tooLarge ? ResourceExhaustedError : InvalidArgumentError)(`The answer of ${pending.call.what} on ${this.where} ${outcome.refused}`));
      return undefined;
    }
    return { id, response: outcome.done };
  }

  /** A call ends without its answer (deadline or cancellation): fail it and tell the server. @internal */
  giveUp(pending: PendingCall, error: QmiError): void {
    if (this.#pending.get(pending.id) !== pending) return;
    if (this.#answers.has(pending.id)) this.#answers.ignore(pending.id); // the rest of its answer is not wanted
    const sent = pending.sent;
    this.#settle(pending.id, pending);
    if (sent) this.#cancel(pending.id);
    pending.reject(error);
  }

  #settle(id: number, pending: PendingCall): void {
    this.#pending.delete(id);
    deadlines.delete(pending);
    pending.call.signal?.removeEventListener("abort", pending);
    if (pending.sent) {
      pending.sent = false;
      this.#sent--;
      if (this.#waitingHead < this.#waiting.length) this.#sendWaiting();
    }
  }

  #cancel(id: number): void {
    this.#link?.outbox.push({ id, cancel: true }, 0);
  }

  /** The stream failed or ended: every call in flight on it fails with `error`. */
  #fail(stream: H2GrpcStream, error: QmiError): void {
    if (this.#link?.stream === stream) {
      this.#link.outbox.clear(); // their callers get the error below: they must not run
      this.#link = undefined;
      this.#maxInFlight = Infinity;
      this.#answers.clear();
    }
    for (const [id, pending] of [...this.#pending]) {
      if (pending.stream !== stream) continue;
      this.#settle(id, pending);
      pending.reject(error);
    }
  }
}

/**
 * One call on its way through a hosted object's queue: what `dispatch()` creates per call. It carries the
 * call's deadline (on the shared deadline watch) and cancellation without closures, because every in-process and remote
 * call pays for it (profiles showed per-call timers, closures and their `__name` wrappers dominating).
 *
 * Rules (unchanged from the design): a call whose deadline passes or whose caller cancels while it waits is
 * skipped; one that is already running is not interrupted, but its caller gets a `DeadlineError` /
 * `CancelledError` at once. A running call holds the object's queue at most until its deadline (or
 * {@link DEFAULT_CALL_TIMEOUT} when it has none): a driver call that never returns is abandoned there (and
 * logged), so the calls behind it still run.
 *
 * @module
 */
import type { CancelSignal } from "../protocol/cancel-signal.ts";
import { DEFAULT_CALL_TIMEOUT } from "../protocol/call-options.ts";
import { DeadlineEntry, deadlines } from "./deadline-watch.ts";
import { CancelledError, DeadlineError, LockedError, QmiError } from "../protocol/errors.ts";
import type { Instrument } from "../driver/instrument.ts";
import { getLogger } from "../logging/log.ts";
import type { HostedMethod, HostedObject } from "./object-registry.ts";
import type { QueueJob, SerialQueue } from "./serial-queue.ts";

const log = getLogger("qmi.core.rpc");

/** The error of a call refused because another proxy holds the lock. */
export const LOCKED_MESSAGE = "The object is locked by another proxy";

/** What a {@link DispatchedCall} needs of its request. */
export interface CallRequest {
  readonly object: string;
  readonly method: string;
  readonly args: readonly unknown[];
  readonly deadline: number;
  readonly signal?: CancelSignal;
  readonly callerContext?: string;
  readonly lockToken?: string;
}

function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `throw of ${String(error)}`;
}

/**
 * A job of a hosted object's queue on behalf of a caller: a call to a driver method ({@link DispatchedCall}) or
 * a lock operation. It settles its caller's promise exactly once, with what {@link QueuedCall.run} returned or
 * threw, or with a `DeadlineError` / `CancelledError`.
 */
export abstract class QueuedCall extends DeadlineEntry implements QueueJob {
  // Fields assigned in the constructor, not class fields (see DeadlineEntry): one of these is made per call.
  protected declare readonly request: { readonly deadline: number; readonly signal?: CancelSignal };
  private declare readonly resolve: (value: unknown) => void;
  private declare readonly reject: (error: QmiError) => void;
  /** The caller's promise is settled. */
  private declare callDone: boolean;
  /** The queue slot this call holds, until {@link releaseSlot}. */
  private declare heldQueue: SerialQueue | undefined;
  /** The work is running and has not settled. */
  private declare workRunning: boolean;

  constructor(
    request: { readonly deadline: number; readonly signal?: CancelSignal },
    resolve: (value: unknown) => void,
    reject: (error: QmiError) => void,
  ) {
    super();
    this.request = request;
    this.resolve = resolve;
    this.reject = reject;
    this.callDone = false;
    this.heldQueue = undefined;
    this.workRunning = false;
  }

  /** Names the call in messages, e.g. `<context>.<object>.<method>()`. */
  abstract get what(): string;

  /**
   * Watches the call's deadline and cancellation, then queues it on `queue`, or starts it at once when there is
   * none (a method that runs outside the queue).
   */
  submit(queue: SerialQueue | undefined): void {
    const { deadline, signal } = this.request;
    if (deadline !== Infinity) {
      // A deadline already past never runs the call, even on an idle object that would start it at once.
      if (deadline <= Date.now()) this.failWith(new DeadlineError(`${this.what} expired before it started`));
      else this.armDeadline(deadline);
    }
    if (signal) {
      if (signal.aborted) this.failWith(new CancelledError(`${this.what} was cancelled`));
      else signal.addEventListener("abort", this, { once: true });
    }
    if (queue) queue.enqueue(this);
    else this.start(undefined);
  }

  /** The work, at the call's turn: a value or a promise of one; a throw fails the call. */
  protected abstract run(): unknown;

  /**
   * Runs the call (the queue's turn, or at once for a method outside the queue). A call that `waited` in the
   * queue is checked against its deadline again; one started at once was checked by {@link submit}.
   */
  start(queue: SerialQueue | undefined, waited = false): void {
    this.heldQueue = queue;
    if (this.callDone) return this.releaseSlot(); // expired or cancelled while queued: skipped
    const { request } = this;
    if (waited && Date.now() >= request.deadline) {
      this.failWith(new DeadlineError(`${this.what} expired while queued`));
      return this.releaseSlot();
    }
    if (request.deadline === Infinity && queue) this.armDeadline(Date.now() + DEFAULT_CALL_TIMEOUT * 1000);
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(this.run());
    } catch (error) {
      work = Promise.reject(error);
    }
    this.workRunning = true;
    work.then(
      (value) => {
        this.workSettled();
        this.succeed(value);
      },
      (error: unknown) => {
        this.workSettled();
        this.failWith(error);
      },
    );
  }

  /** The caller cancelled (the `abort` event of its signal). */
  handleEvent(): void {
    this.failWith(new CancelledError(`${this.what} was cancelled`));
  }

  /** The deadline passed: the caller gets a `DeadlineError`; work still running gives up its slot. */
  override expire(): void {
    if (this.workRunning && this.heldQueue) {
      log.warning(`${this.what} was still running at its deadline; the object's queue moves on without it`);
      this.releaseSlot();
    }
    this.failWith(new DeadlineError(`${this.what} did not complete within its deadline`));
  }

  private armDeadline(deadline: number): void {
    deadlines.add(this, deadline);
  }

  private unwatch(): void {
    deadlines.delete(this);
  }

  /** The work settled: its timer and slot are no longer needed. */
  private workSettled(): void {
    this.workRunning = false;
    this.unwatch();
    this.releaseSlot();
  }

  private releaseSlot(): void {
    const queue = this.heldQueue;
    if (!queue) return;
    this.heldQueue = undefined;
    queue.release();
  }

  private finish(): boolean {
    if (this.callDone) return false;
    this.callDone = true;
    if (!this.workRunning) this.unwatch();
    this.request.signal?.removeEventListener("abort", this);
    return true;
  }

  private succeed(value: unknown): void {
    if (!this.finish()) return;
    this.resolve(value);
  }

  private failWith(error: unknown): void {
    if (!this.finish()) return;
    if (!(error instanceof QmiError)) log.warning(`${this.what} failed with an unexpected ${describeThrown(error)}`);
    this.reject(QmiError.from(error));
  }
}

/** A call to a driver method: refused when another proxy holds the lock or the instrument is not open. */
export class DispatchedCall extends QueuedCall {
  protected declare readonly request: CallRequest;
  private declare readonly hosted: HostedObject;
  private declare readonly method: HostedMethod;
  private declare readonly contextName: string;

  constructor(
    hosted: HostedObject,
    method: HostedMethod,
    request: CallRequest,
    contextName: string,
    resolve: (value: unknown) => void,
    reject: (error: QmiError) => void,
  ) {
    super(request, resolve, reject);
    this.hosted = hosted;
    this.method = method;
    this.contextName = contextName;
  }

  get what(): string {
    return `${this.contextName}.${this.request.object}.${this.request.method}()`;
  }

  protected run(): unknown {
    const { request, hosted } = this;
    if (!hosted.lock.permits(request.callerContext, request.lockToken)) throw new LockedError(LOCKED_MESSAGE);
    const instance = hosted.instance;
    if (this.method.requiresOpen) (instance as Instrument).checkIsOpen();
    const fn = (instance as unknown as Record<string, (...args: unknown[]) => unknown>)[request.method]!;
    return fn.apply(instance, request.args as unknown[]);
  }
}

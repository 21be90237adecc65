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
import type { CancelSignal } from "./cancel-signal.ts";
import { DEFAULT_CALL_TIMEOUT } from "./call-options.ts";
import { DeadlineEntry, deadlines } from "./deadline-watch.ts";
import { CancelledError, DeadlineError, LockedError, QmiError } from "./errors.ts";
import type { Instrument } from "./instrument.ts";
import { getLogger } from "./log.ts";
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
  /** The caller's promise is settled. */
  #done = false;
  /** The queue slot this call holds, until {@link #release}. */
  #queue: SerialQueue | undefined;
  /** The work is running and has not settled. */
  #running = false;

  constructor(
    protected readonly request: { readonly deadline: number; readonly signal?: CancelSignal },
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: QmiError) => void,
  ) {
    super();
  }

  /** Names the call in messages, e.g. `<context>.<object>.<method>()`. */
  abstract get what(): string;

  /**
   * Watches the call's deadline and cancellation, then queues it on `queue`, or starts it at once when there is
   * none (a method that runs outside the queue).
   */
  submit(queue: SerialQueue | undefined): void {
    const { deadline, signal } = this.request;
    if (deadline !== Infinity) this.#arm(deadline);
    if (signal) {
      if (signal.aborted) this.#fail(new CancelledError(`${this.what} was cancelled`));
      else signal.addEventListener("abort", this, { once: true });
    }
    if (queue) queue.enqueue(this);
    else this.start(undefined);
  }

  /** The work, at the call's turn: a value or a promise of one; a throw fails the call. */
  protected abstract run(): unknown;

  /**
   * Runs the call (the queue's turn, or at once for a method outside the queue). A call that `waited` in the
   * queue is checked against its deadline again; one started at once was checked when its deadline was set.
   */
  start(queue: SerialQueue | undefined, waited = false): void {
    this.#queue = queue;
    if (this.#done) return this.#release(); // expired or cancelled while queued: skipped
    const { request } = this;
    if (waited && Date.now() >= request.deadline) {
      this.#fail(new DeadlineError(`${this.what} expired while queued`));
      return this.#release();
    }
    if (request.deadline === Infinity && queue) this.#arm(Date.now() + DEFAULT_CALL_TIMEOUT * 1000);
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(this.run());
    } catch (error) {
      work = Promise.reject(error);
    }
    this.#running = true;
    work.then(
      (value) => {
        this.#workSettled();
        this.#succeed(value);
      },
      (error: unknown) => {
        this.#workSettled();
        this.#fail(error);
      },
    );
  }

  /** The caller cancelled (the `abort` event of its signal). */
  handleEvent(): void {
    this.#fail(new CancelledError(`${this.what} was cancelled`));
  }

  /** The deadline passed: the caller gets a `DeadlineError`; work still running gives up its slot. */
  override expire(): void {
    if (this.#running && this.#queue) {
      log.warning(`${this.what} was still running at its deadline; the object's queue moves on without it`);
      this.#release();
    }
    this.#fail(new DeadlineError(`${this.what} did not complete within its deadline`));
  }

  #arm(deadline: number): void {
    deadlines.add(this, deadline);
  }

  #unwatch(): void {
    deadlines.delete(this);
  }

  /** The work settled: its timer and slot are no longer needed. */
  #workSettled(): void {
    this.#running = false;
    this.#unwatch();
    this.#release();
  }

  #release(): void {
    const queue = this.#queue;
    if (!queue) return;
    this.#queue = undefined;
    queue.release();
  }

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    if (!this.#running) this.#unwatch();
    this.request.signal?.removeEventListener("abort", this);
    return true;
  }

  #succeed(value: unknown): void {
    if (!this.#finish()) return;
    this.resolve(value);
  }

  #fail(error: unknown): void {
    if (!this.#finish()) return;
    if (!(error instanceof QmiError)) log.warning(`${this.what} failed with an unexpected ${describeThrown(error)}`);
    this.reject(QmiError.from(error));
  }
}

/** A call to a driver method: refused when another proxy holds the lock or the instrument is not open. */
export class DispatchedCall extends QueuedCall {
  constructor(
    private readonly hosted: HostedObject,
    private readonly method: HostedMethod,
    protected override readonly request: CallRequest,
    private readonly contextName: string,
    resolve: (value: unknown) => void,
    reject: (error: QmiError) => void,
  ) {
    super(request, resolve, reject);
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

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
import { DEFAULT_CALL_TIMEOUT } from "./call-options.ts";
import { DeadlineEntry, deadlines } from "./deadline-watch.ts";
import { CancelledError, DeadlineError, LockedError, QmiError } from "./errors.ts";
import { Instrument } from "./instrument.ts";
import { getLogger } from "./log.ts";
import type { HostedObject } from "./object-registry.ts";
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
  readonly signal?: AbortSignal;
  readonly callerContext?: string;
  readonly lockToken?: string;
}

function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `throw of ${String(error)}`;
}

/** A call queued on (or running outside) its object's queue; settles its caller's promise exactly once. */
export class DispatchedCall extends DeadlineEntry implements QueueJob {
  /** The caller's promise is settled. */
  #done = false;
  /** The queue slot this call holds, until {@link #release}. */
  #queue: SerialQueue | undefined;
  /** The driver call is running and has not settled. */
  #running = false;

  constructor(
    private readonly hosted: HostedObject,
    private readonly request: CallRequest,
    private readonly contextName: string,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: QmiError) => void,
  ) {
    super();
    const { deadline, signal } = request;
    if (deadline !== Infinity) this.#arm(deadline);
    if (signal) {
      if (signal.aborted) this.#fail(new CancelledError(`${this.what} was cancelled`));
      else signal.addEventListener("abort", this, { once: true });
    }
  }

  /** `<context>.<object>.<method>()`, for messages. */
  get what(): string {
    return `${this.contextName}.${this.request.object}.${this.request.method}()`;
  }

  /** Runs the call (the queue's turn, or at once for a method outside the queue). */
  start(queue: SerialQueue | undefined): void {
    this.#queue = queue;
    if (this.#done) return this.#release(); // expired or cancelled while queued: skipped
    const { request, hosted } = this;
    if (Date.now() >= request.deadline) {
      this.#fail(new DeadlineError(`${this.what} expired while queued`));
      return this.#release();
    }
    const holder = request.lockToken ? { context: request.callerContext ?? "", token: request.lockToken } : undefined;
    if (!hosted.lock.permits(holder)) {
      this.#fail(new LockedError(LOCKED_MESSAGE));
      return this.#release();
    }
    if (request.deadline === Infinity && queue) this.#arm(Date.now() + DEFAULT_CALL_TIMEOUT * 1000);
    let work: Promise<unknown>;
    try {
      const { instance, metadata } = hosted;
      if (instance instanceof Instrument && !metadata.methodsAllowedWhenClosed.has(request.method)) instance.checkIsOpen();
      const fn = (instance as unknown as Record<string, (...args: unknown[]) => unknown>)[request.method]!;
      work = Promise.resolve(fn.apply(instance, request.args as unknown[]));
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

  /** The deadline passed: the caller gets a `DeadlineError`; a driver call still running gives up its slot. */
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

  /** The driver call settled: its timer and slot are no longer needed. */
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

/**
 * The `GET /api/events` stream, kept open. The browser's EventSource retries by itself after a network error; when
 * the server refuses the stream instead (401: no session), EventSource gives up, and this class asks
 * `beforeRetry` (which renews the session, or shows the login) whether to try again after a growing delay.
 */

import type { EventName, HelloEvent, LabState, PlotEndedEvent, PointsEvent } from "../api.ts";

export type StreamStatus = "connecting" | "live" | "reconnecting" | "offline";
export type RetryDecision = "open" | "wait" | "stop";

export interface StreamHandlers {
  hello(event: HelloEvent): void;
  lab(event: LabState): void;
  points(event: PointsEvent): void;
  plotEnded(event: PlotEndedEvent): void;
  status(status: StreamStatus): void;
  /** Called before reopening a refused stream: open it now, wait and ask again, or stop. */
  beforeRetry(): Promise<RetryDecision>;
}

const MAX_RETRY_DELAY_MS = 10_000;

export class EventStream {
  #source: EventSource | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryDelayMs = 500;
  /** Bumped by close(), so that a retry decided before it does not reopen the stream. */
  #generation = 0;

  constructor(
    private readonly url: string,
    private readonly handlers: StreamHandlers,
  ) {}

  open(): void {
    this.close();
    this.handlers.status("connecting");
    const source = new EventSource(this.url);
    this.#source = source;
    this.#listen(source, "hello", (data) => {
      this.#retryDelayMs = 500;
      this.handlers.status("live");
      this.handlers.hello(data as HelloEvent);
    });
    this.#listen(source, "lab", (data) => this.handlers.lab(data as LabState));
    this.#listen(source, "points", (data) => this.handlers.points(data as PointsEvent));
    this.#listen(source, "plot-ended", (data) => this.handlers.plotEnded(data as PlotEndedEvent));
    source.onerror = () => {
      if (source !== this.#source) return;
      if (source.readyState === EventSource.CONNECTING) {
        this.handlers.status("reconnecting");
        return;
      }
      this.handlers.status("offline");
      this.#source = undefined;
      this.#scheduleRetry();
    };
  }

  close(): void {
    this.#generation++;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#source?.close();
    this.#source = undefined;
  }

  #scheduleRetry(): void {
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, MAX_RETRY_DELAY_MS);
    const generation = this.#generation;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.handlers.beforeRetry().then(
        (decision) => this.#decide(generation, decision),
        () => this.#decide(generation, "wait"),
      );
    }, delay);
  }

  #decide(generation: number, decision: RetryDecision): void {
    if (generation !== this.#generation) return;
    if (decision === "open") this.open();
    else if (decision === "wait") this.#scheduleRetry();
  }

  #listen(source: EventSource, name: EventName, handle: (data: unknown) => void): void {
    source.addEventListener(name, (event) => {
      if (source !== this.#source) return;
      let data: unknown;
      try {
        data = JSON.parse(event.data as string);
      } catch {
        return; // A malformed event is skipped rather than breaking the stream.
      }
      handle(data);
    });
  }
}

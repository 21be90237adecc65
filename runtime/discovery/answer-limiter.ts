/**
 * Bounds how many discovery answers a responder sends, so that queries (whose source address anyone can
 * forge) cannot turn every context of a lab into a reflector flooding one host. Two token buckets: one per
 * source address and one for all sources together. A discovery sends two queries per target, so the limits
 * leave room for many contexts of one machine discovering at once, and refill within a second.
 *
 * @module
 */

/** Sizes and rates of the buckets. */
export interface AnswerLimits {
  /** Answers one source address may get in a burst. */
  readonly perSourceBurst: number;
  /** Answers per second one source address gets back once its burst is spent. */
  readonly perSourceRate: number;
  /** Answers in a burst, all sources together. */
  readonly totalBurst: number;
  /** Answers per second, all sources together. */
  readonly totalRate: number;
  /** Source addresses remembered; past it the longest-known is forgotten (it starts again with a full bucket). */
  readonly maxSources: number;
}

/** The responder's limits: 40 answers then 20 a second per source, 200 then 100 a second in all. */
export const DEFAULT_ANSWER_LIMITS: AnswerLimits = {
  perSourceBurst: 40,
  perSourceRate: 20,
  totalBurst: 200,
  totalRate: 100,
  maxSources: 1024,
};

interface Bucket {
  tokens: number;
  /** Milliseconds of the last refill. */
  at: number;
}

/** Token buckets per source address and in all; `now` (milliseconds) is for tests. */
export class AnswerLimiter {
  readonly #sources = new Map<string, Bucket>();
  readonly #total: Bucket;

  constructor(
    private readonly limits: AnswerLimits = DEFAULT_ANSWER_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#total = { tokens: limits.totalBurst, at: now() };
  }

  /** True when an answer to `source` may be sent now (and counts it); false when it must be dropped. */
  allow(source: string): boolean {
    const now = this.now();
    let bucket = this.#sources.get(source);
    if (!bucket) {
      if (this.#sources.size >= this.limits.maxSources) this.#sources.delete(this.#sources.keys().next().value!);
      bucket = { tokens: this.limits.perSourceBurst, at: now };
      this.#sources.set(source, bucket);
    }
    refill(bucket, now, this.limits.perSourceBurst, this.limits.perSourceRate);
    refill(this.#total, now, this.limits.totalBurst, this.limits.totalRate);
    if (bucket.tokens < 1 || this.#total.tokens < 1) return false;
    bucket.tokens -= 1;
    this.#total.tokens -= 1;
    return true;
  }
}

function refill(bucket: Bucket, now: number, burst: number, rate: number): void {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
  bucket.at = now;
}

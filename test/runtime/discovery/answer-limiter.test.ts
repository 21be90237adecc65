import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AnswerLimiter, DEFAULT_ANSWER_LIMITS, type AnswerLimits } from "../../../runtime/discovery/answer-limiter.ts";

const limits: AnswerLimits = { perSourceBurst: 3, perSourceRate: 2, totalBurst: 5, totalRate: 10, maxSources: 2 };

/** A limiter on a clock the test moves. */
function limiter(l: AnswerLimits = limits) {
  let now = 1000;
  const limiter = new AnswerLimiter(l, () => now);
  const allowed = (source: string, times: number) => Array.from({ length: times }, () => limiter.allow(source)).filter(Boolean).length;
  return { allowed, advance: (ms: number) => (now += ms) };
}

describe("AnswerLimiter", () => {
  it("lets a burst through per source, then the source's rate", () => {
    const { allowed, advance } = limiter();
    assert.equal(allowed("10.0.0.1", 10), 3);
    advance(499);
    assert.equal(allowed("10.0.0.1", 10), 0);
    advance(1);
    assert.equal(allowed("10.0.0.1", 10), 1);
    advance(10_000);
    assert.equal(allowed("10.0.0.1", 10), 3, "refills up to the burst only");
  });

  it("bounds all sources together, so forged source addresses do not multiply the answers", () => {
    const { allowed, advance } = limiter({ ...limits, maxSources: 100 });
    assert.equal(allowed("10.0.0.1", 3) + allowed("10.0.0.2", 3) + allowed("10.0.0.3", 3), 5);
    advance(100);
    assert.equal(allowed("10.0.0.4", 3), 1);
  });

  it("remembers a bounded number of sources", () => {
    const { allowed } = limiter({ ...limits, totalBurst: 100 });
    assert.equal(allowed("a", 3), 3);
    assert.equal(allowed("b", 3) + allowed("c", 3), 6);
    assert.equal(allowed("a", 3), 3, "a was forgotten when c came, and starts again");
  });

  it("by default answers a machine's contexts discovering at once, and at most 100 a second in all", () => {
    const { allowed, advance } = limiter(DEFAULT_ANSWER_LIMITS);
    assert.equal(allowed("127.0.0.1", 40), 40, "20 discoveries of two queries each, at once");
    let total = 0;
    for (let i = 0; i < 10; i++) {
      advance(100);
      for (let s = 0; s < 500; s++) total += allowed(`10.0.${s >> 8}.${s & 255}`, 1);
    }
    assert.equal(total, 160 + 100, "the burst left, then 100 a second");
  });
});

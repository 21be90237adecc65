/**
 * Unit tests of `runtime/protocol/channel-parts.ts`: splitting a message into parts (views, no copies), and the
 * receiving side's assembly with its bounds: a whole larger than announced or than the budget is refused at the
 * first part, parts that do not add up to the announced total end the call, and every refusal or drop gives its
 * bytes back to the budget.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { giveBackMessageBuffer, takeMessageBuffer } from "../../runtime/protocol/message-buffers.ts";
import { isLentMessageBuffer } from "../../runtime/protocol/typed-arrays.ts";
import { ByteBudget, CHANNEL_PART_BYTES, MIN_PART_BYTES, PARTS_IN_FLIGHT, PartAssembler, announcedCallBytes, partBytesFor, sendInParts, splitParts } from "../../runtime/protocol/channel-parts.ts";

const bytes = (length: number, fill = 7) => Buffer.alloc(length, fill);

describe("splitParts", () => {
  it("cuts a message into views of at most the part size, the last one shorter", () => {
    const message = Buffer.from([...Array(10).keys()]);
    const parts = splitParts(message, 4);
    assert.deepEqual(parts.map((p) => [...p]), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    message[0] = 99;
    assert.equal(parts[0]![0], 99, "a view of the message, not a copy");
    assert.deepEqual(splitParts(Buffer.alloc(0), 4), []);
  });

  it("refuses a part size below one byte instead of looping forever", () => {
    for (const size of [0, -412, Number.NaN]) assert.throws(() => splitParts(Buffer.alloc(10), size), RangeError, String(size));
  });
});

describe("partBytesFor", () => {
  it("fits parts to the other side's message limit, between a floor and the usual part size", () => {
    assert.equal(partBytesFor(4 * 1024 * 1024, 512), CHANNEL_PART_BYTES);
    assert.equal(partBytesFor(4096, 512), 3584);
    assert.equal(partBytesFor(100, 512), MIN_PART_BYTES, "a limit announced smaller than any envelope");
    assert.equal(partBytesFor(Number.NaN, 512), MIN_PART_BYTES);
    assert.equal(partBytesFor(Infinity, 512), CHANNEL_PART_BYTES);
  });
});

describe("sendInParts", () => {
  /** Sends 10 parts through a transport that writes when told to; records what was pushed and how many waited. */
  function run(stopAfter = Infinity) {
    const parts = splitParts(Buffer.from("abcdefghij"), 1);
    const pushed: { part: string; first: boolean; more: boolean }[] = [];
    const unwritten: (() => void)[] = [];
    let most = 0;
    sendInParts(
      parts,
      (part, first, more, written) => {
        pushed.push({ part: part.toString(), first, more });
        if (written) unwritten.push(written);
        most = Math.max(most, unwritten.length);
      },
      () => pushed.length < stopAfter,
    );
    while (unwritten.length > 0) unwritten.shift()!();
    return { pushed, most };
  }

  it("pushes every part in order, the first marked and the last without more, a few at a time", () => {
    const { pushed, most } = run();
    assert.equal(pushed.map((p) => p.part).join(""), "abcdefghij");
    assert.deepEqual(pushed.map((p) => p.first), [true, ...Array(9).fill(false)]);
    assert.deepEqual(pushed.map((p) => p.more), [...Array(9).fill(true), false]);
    assert.equal(most, PARTS_IN_FLIGHT, "no more parts wait to be written than that");
  });

  it("stops when its call or stream is gone", () => {
    assert.equal(run(6).pushed.length, 6);
  });
});

describe("announcedCallBytes", () => {
  it("reads a positive integer, and 0 (no parts) for anything else", () => {
    assert.equal(announcedCallBytes(["1048576"]), 1048576);
    assert.equal(announcedCallBytes("512"), 512);
    for (const value of [undefined, [], "0", "-5", "1.5", "lots", ["NaN"]]) assert.equal(announcedCallBytes(value), 0, String(value));
  });
});

describe("PartAssembler", () => {
  it("assembles the parts of one id into the whole message, handing back what its first part carried", () => {
    const budget = new ByteBudget(1000);
    const parts = new PartAssembler<string>(100, budget);
    assert.equal(parts.start(1, "first envelope", 10, Buffer.from("abcd")), undefined);
    assert.equal(parts.has(1), true);
    assert.equal(budget.used, 10, "the whole is reserved at the first part");
    assert.equal(parts.add(1, Buffer.from("efg"), true), undefined);
    const outcome = parts.add(1, Buffer.from("hij"), false);
    assert.ok(outcome && "done" in outcome);
    assert.equal(outcome.done.toString(), "abcdefghij");
    assert.equal(outcome.first, "first envelope");
    assert.equal(parts.has(1), false);
    assert.equal(budget.used, 0);
  });

  it("keeps the parts of several ids apart", () => {
    const parts = new PartAssembler<number>(100, new ByteBudget(1000));
    parts.start(1, 1, 4, Buffer.from("aa"));
    parts.start(2, 2, 4, Buffer.from("xx"));
    const two = parts.add(2, Buffer.from("yy"), false);
    const one = parts.add(1, Buffer.from("bb"), false);
    assert.ok(one && "done" in one && two && "done" in two);
    assert.equal(one.done.toString(), "aabb");
    assert.equal(two.done.toString(), "xxyy");
  });

  it("refuses at the first part a whole larger than it assembles, and drops that id's parts up to its last", () => {
    const budget = new ByteBudget(1000);
    const parts = new PartAssembler<string>(100, budget);
    const refused = parts.start(5, "x", 101, bytes(10));
    assert.ok(refused && "refused" in refused);
    assert.equal(refused.tooLarge, true);
    assert.match(refused.refused, /^is 101 bytes, more than this side assembles from parts \(100, qmi-max-call-bytes\)$/);
    assert.equal(budget.used, 0);
    assert.equal(parts.add(5, bytes(50), true), undefined, "dropped");
    assert.equal(parts.has(5), true);
    assert.equal(parts.add(5, bytes(50), false), undefined, "the last one, dropped too");
    assert.equal(parts.has(5), false, "the id is free again");
  });

  it("refuses a whole that the stream's or the process's budget cannot hold", () => {
    const budget = new ByteBudget(150);
    const first = new PartAssembler<string>(100, budget);
    const second = new PartAssembler<string>(100, budget);
    assert.equal(first.start(1, "a", 80, bytes(1)), undefined);
    const overStream = first.start(2, "b", 40, bytes(1));
    assert.ok(overStream && "refused" in overStream && overStream.tooLarge, "80 + 40 is more than this stream's 100");
    const overProcess = second.start(1, "c", 80, bytes(1));
    assert.ok(overProcess && "refused" in overProcess && overProcess.tooLarge, "80 + 80 is more than the process's 150");
    assert.equal(second.start(2, "d", 70, bytes(1)), undefined);
    assert.equal(budget.used, 150);
    first.clear();
    second.clear();
    assert.equal(budget.used, 0, "clearing gives everything back");
  });

  it("ends a call whose parts go past its announced total, or stop short of it", () => {
    const budget = new ByteBudget(1000);
    const parts = new PartAssembler<string>(100, budget);
    parts.start(1, "a", 10, bytes(6));
    const over = parts.add(1, bytes(6), true);
    assert.ok(over && "refused" in over);
    assert.equal(over.tooLarge, false);
    assert.match(over.refused, /parts of more than the 10 bytes its first part announced/);
    assert.equal(parts.add(1, bytes(1), false), undefined, "the rest is dropped");
    parts.start(2, "b", 10, bytes(6));
    const short = parts.add(2, bytes(2), false);
    assert.ok(short && "refused" in short && !short.tooLarge);
    assert.match(short.refused, /ended after 8 of the 10 bytes/);
    const small = parts.start(3, "c", 4, bytes(4));
    assert.ok(small && "refused" in small && !small.tooLarge, "a total no larger than the first part is no message in parts");
    assert.equal(budget.used, 0);
  });

  it("assembles in reused memory when asked, and hands over the whole in new memory of its own", () => {
    const MiB = 1024 * 1024;
    const parts = new PartAssembler<string>(64 * MiB, new ByteBudget(), true);
    /** Memory given back, so that the next assembly of up to its size takes it. */
    const reusable = () => {
      const memory = takeMessageBuffer(2 * MiB)!;
      giveBackMessageBuffer(memory);
      return memory.buffer;
    };
    const memory = reusable();
    const whole = Buffer.concat([bytes(MiB, 1), bytes(MiB / 2, 2), bytes(MiB / 2, 3)]);
    assert.equal(parts.start(1, "first", whole.length, whole.subarray(0, MiB)), undefined);
    assert.notEqual(takeMessageBuffer(2 * MiB)!.buffer, memory, "the memory being assembled in is not handed out");
    parts.add(1, whole.subarray(MiB, 1.5 * MiB), true);
    const outcome = parts.add(1, whole.subarray(1.5 * MiB), false);
    assert.ok(outcome && "done" in outcome);
    assert.notEqual(outcome.done.buffer, memory, "the whole is in new memory");
    assert.ok(outcome.done.equals(whole));
    assert.ok(isLentMessageBuffer(outcome.done), "the reader may view a trace in it");
    assert.equal(takeMessageBuffer(2 * MiB)!.buffer, memory, "the reused memory was given back");

    // Given back too when the parts stop short, are dropped or are cleared with the stream.
    const endings: Array<(parts: PartAssembler<string>) => void> = [
      (p) => p.add(2, bytes(MiB / 2), false),
      (p) => p.drop(2),
      (p) => p.clear(),
    ];
    for (const end of endings) {
      const again = reusable();
      parts.start(2, "second", 2 * MiB, bytes(MiB));
      end(parts);
      assert.equal(takeMessageBuffer(2 * MiB)!.buffer, again, String(end));
    }
    const small = parts.start(3, "small", 1000, bytes(100));
    assert.equal(small, undefined);
    const smallDone = parts.add(3, bytes(900), false);
    assert.ok(smallDone && "done" in smallDone && smallDone.done.length === 1000, "below 1 MiB, assembled as ever");
  });

  it("forgets an id that is dropped, and drops the parts still to come of one that is ignored", () => {
    const budget = new ByteBudget(1000);
    const parts = new PartAssembler<string>(100, budget);
    parts.start(1, "a", 10, bytes(5));
    parts.drop(1);
    assert.equal(parts.has(1), false);
    assert.equal(budget.used, 0);
    parts.start(2, "b", 10, bytes(5));
    parts.ignore(2);
    assert.equal(budget.used, 0);
    assert.equal(parts.add(2, bytes(5), false), undefined);
    assert.equal(parts.has(2), false);
  });
});

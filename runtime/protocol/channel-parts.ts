/**
 * Requests and answers larger than one message, carried on the `qmi.core.Channel` stream in parts
 * (`idl/qmi/core/channel.proto`): consecutive `ChannelCall`s (or `ChannelAnswer`s) of one id, all but the last with
 * `more` set, the first with `total_bytes`.
 *
 * Each side announces in {@link MAX_CALL_HEADER} the largest message it assembles from parts; the other side sends
 * parts only to a side that announced it, and no larger than announced. The receiver bounds what it holds: a whole
 * larger than its limit is refused at the first part (before the rest arrives), a part that would go past the
 * announced total ends that call, and all the parts being assembled on one stream, and in one process, stay
 * within {@link ASSEMBLY_BUDGET_BYTES}; a request whose parts stop coming is given up at its deadline (or after
 * {@link ASSEMBLY_TIMEOUT_MS}), so that a client cannot hold that memory by never sending its last part. A part is a
 * view of the sender's encoded message: splitting copies nothing. The receiver copies each part once, into the
 * whole, laid out so that the reader can view a large typed array in it without a further copy; a client copies an
 * answer of 1 to 16 MiB once more (see {@link PartAssembler}'s `assembleInReusedMemory`).
 *
 * @module
 */
import { giveBackMessageBuffer, takeMessageBuffer } from "./message-buffers.ts";
import { lendMessageBuffer } from "./typed-arrays.ts";
import { bulkPayloadStart } from "./wire-reader.ts";

/** Header (and stream metadata) in which each side announces the largest request or answer it assembles from parts. */
export const MAX_CALL_HEADER = "qmi-max-call-bytes";

/** The largest request or answer a qmi-ts context assembles from parts: 10^7 doubles (80 MB) and more fit. */
export const CHANNEL_MAX_CALL_BYTES = 256 * 1024 * 1024;

/** Bytes of one part: small enough that a large transfer holds up the stream's other calls briefly. */
export const CHANNEL_PART_BYTES = 256 * 1024;

/** The smallest part sent, whatever message limit the other side announced (a part must carry something). */
export const MIN_PART_BYTES = 1024;

/**
 * The size of the parts to send to a side that accepts messages of `peerMaxMessage` bytes, leaving `envelope`
 * bytes for the rest of the message: at most {@link CHANNEL_PART_BYTES}, at least {@link MIN_PART_BYTES}.
 */
export function partBytesFor(peerMaxMessage: number, envelope: number): number {
  const room = peerMaxMessage - envelope;
  return Number.isNaN(room) ? MIN_PART_BYTES : Math.max(MIN_PART_BYTES, Math.min(CHANNEL_PART_BYTES, room));
}

/** Milliseconds a request in parts has to arrive whole when its call has no earlier deadline. */
export const ASSEMBLY_TIMEOUT_MS = 60_000;

/** Parts of one message handed to the transport and not yet written: enough to keep the connection busy. */
export const PARTS_IN_FLIGHT = 4;

/** Bytes being assembled at once in one process, on all its channel streams together. */
export const ASSEMBLY_BUDGET_BYTES = 2 * CHANNEL_MAX_CALL_BYTES;

/** The largest call a peer announced in `value` (a header), or 0 when it announced none (no parts to it). */
export function announcedCallBytes(value: unknown): number {
  const limit = Number(Array.isArray(value) ? value[0] : value);
  return Number.isInteger(limit) && limit > 0 ? limit : 0;
}

/** `bytes` cut into parts of at most `partBytes` (views of it, not copies). */
export function splitParts(bytes: Buffer, partBytes = CHANNEL_PART_BYTES): Buffer[] {
  if (!(partBytes >= 1)) throw new RangeError(`A part must hold at least one byte, not ${partBytes}`);
  const parts: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += partBytes) parts.push(bytes.subarray(start, start + partBytes));
  return parts;
}

/**
 * Sends `parts` through `push`, {@link PARTS_IN_FLIGHT} at a time: each further part once one before it has been
 * written (`push` calls `written` then), so that the other calls and answers of the stream pass between them.
 * Stops when `alive()` turns false (the stream ended, or the call was given up).
 */
export function sendInParts(
  parts: readonly Buffer[],
  push: (part: Buffer, first: boolean, more: boolean, written: (() => void) | undefined) => void,
  alive: () => boolean,
): void {
  let next = 0;
  const sendNext = () => {
    if (next >= parts.length || !alive()) return;
    const index = next++;
    const more = next < parts.length;
    push(parts[index]!, index === 0, more, more ? sendNext : undefined);
  };
  for (let i = 0; i < PARTS_IN_FLIGHT && next < parts.length; i++) sendNext();
}

/** Bytes held by assemblies, with a ceiling (one per process, shared by its streams). */
export class ByteBudget {
  #used = 0;

  constructor(readonly limit = ASSEMBLY_BUDGET_BYTES) {}

  /** Takes `bytes`; false (and nothing taken) when that would pass the limit. */
  take(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  /** Gives back bytes taken by {@link take}. */
  give(bytes: number): void {
    this.#used -= bytes;
  }

  get used(): number {
    return this.#used;
  }
}

/** The process's budget for assemblies. */
export const assemblyBudget = new ByteBudget();

/**
 * What adding a part gave: the whole message, nothing yet, or why the call fails (`tooLarge`: it is more than this
 * side holds, `RESOURCE_EXHAUSTED`; otherwise its parts do not add up, `INVALID_ARGUMENT`).
 */
export type PartOutcome<T> =
  | { readonly done: Buffer; readonly first: T }
  | { readonly refused: string; readonly tooLarge: boolean }
  | undefined;

interface Assembly<T> {
  readonly first: T;
  readonly total: number;
  /**
   * The whole message, filled in as parts arrive (allocated at the first; its pages are touched as they fill), and
   * lent to the reader once whole (`lendMessageBuffer`); or reused memory (`message-buffers.ts`) that the whole is
   * copied out of at the end, when {@link reusedShift} is set.
   */
  readonly bytes: Buffer;
  /** Set when {@link bytes} is reused memory: the shift of the whole's own memory (see `start`). */
  readonly reusedShift?: number;
  received: number;
}

/**
 * The messages of one stream being assembled from parts, by id. `T` is what the first part carries besides its
 * bytes (the call's envelope), handed back with the whole message.
 */
export class PartAssembler<T> {
  readonly #assemblies = new Map<number, Assembly<T>>();
  /** Ids whose first part was refused: their further parts are dropped until the last one. */
  readonly #refused = new Set<number>();

  constructor(
    /** The largest whole message accepted (what this side announced). */
    readonly maxBytes: number,
    private readonly budget: ByteBudget = assemblyBudget,
    /**
     * Assemble messages of 1 to 16 MiB in reused memory and copy each into new memory once whole (a client's
     * answers). Memory allocated at the first part lives while the rest arrive, across the young generation's
     * collections of that time, and in a stream of 8 MB echoes V8 then ran a full collection on up to every other
     * round trip; allocated at the last part, it is young when the caller gets it, and freed soon after when the
     * caller drops it (bench/README.md, "Answers assembled in reused memory"). One copy more, about 1 ms per 8 MB.
     */
    private readonly assembleInReusedMemory = false,
  ) {}

  /** True when `id` has parts under way (or refused ones still arriving): the next message of `id` is a part. */
  has(id: number): boolean {
    return this.#assemblies.has(id) || this.#refused.has(id);
  }

  /**
   * Starts `id` with its first part (`more` set). Refused, with the reason, when the announced total is larger than
   * {@link maxBytes}, does not exceed the part, or the stream's or the process's budget is spent.
   */
  start(id: number, first: T, total: number, part: Buffer): PartOutcome<T> {
    let problem: string | undefined;
    let tooLarge = true;
    if (!Number.isInteger(total) || total <= part.length) {
      problem = `announces ${total} bytes in all, not more than its first part (${part.length})`;
      tooLarge = false;
    } else if (total > this.maxBytes) problem = `is ${total} bytes, more than this side assembles from parts (${this.maxBytes}, ${MAX_CALL_HEADER})`;
    else if (this.#heldBytes() + total > this.maxBytes || !this.budget.take(total)) {
      problem = `is ${total} bytes, and the parts being assembled already take what this side holds for them`;
    }
    if (problem) {
      this.#refused.add(id);
      return { refused: problem, tooLarge };
    }
    // Shifted so that the bulk field's payload is 8-byte aligned: the reader can then view a trace in place.
    const shift = (8 - (bulkPayloadStart(part, total) % 8)) % 8;
    const reused = this.assembleInReusedMemory ? takeMessageBuffer(total) : undefined;
    const bytes = reused ?? wholeMemory(total, shift);
    part.copy(bytes, 0);
    this.#assemblies.set(id, { first, total, bytes, received: part.length, ...(reused ? { reusedShift: shift } : {}) });
    return undefined;
  }

  /** Adds a further part of `id`; `more` is false for the last one. */
  add(id: number, part: Buffer, more: boolean): PartOutcome<T> {
    if (this.#refused.has(id)) {
      if (!more) this.#refused.delete(id);
      return undefined;
    }
    const assembly = this.#assemblies.get(id)!;
    if (assembly.received + part.length > assembly.total) {
      this.drop(id);
      if (more) this.#refused.add(id);
      return { refused: `has parts of more than the ${assembly.total} bytes its first part announced`, tooLarge: false };
    }
    part.copy(assembly.bytes, assembly.received);
    assembly.received += part.length;
    if (more) return undefined;
    if (assembly.received !== assembly.total) {
      this.drop(id);
      return { refused: `ended after ${assembly.received} of the ${assembly.total} bytes its first part announced`, tooLarge: false };
    }
    let whole = assembly.bytes;
    if (assembly.reusedShift !== undefined) {
      whole = wholeMemory(assembly.total, assembly.reusedShift);
      assembly.bytes.copy(whole, 0);
    }
    this.drop(id); // gives the reused memory back
    return { done: whole, first: assembly.first };
  }

  /** Drops the parts of `id` still to come, without assembling them (their caller is gone). */
  ignore(id: number): void {
    this.drop(id);
    this.#refused.add(id);
  }

  /** Forgets `id` (cancelled, or given up by its caller); its further parts are then new messages. */
  drop(id: number): void {
    const assembly = this.#assemblies.get(id);
    if (assembly) {
      this.#assemblies.delete(id);
      this.budget.give(assembly.total);
      if (assembly.reusedShift !== undefined) giveBackMessageBuffer(assembly.bytes);
    }
    this.#refused.delete(id);
  }

  /** Forgets everything (the stream ended). */
  clear(): void {
    for (const id of [...this.#assemblies.keys()]) this.drop(id);
    this.#refused.clear();
  }

  #heldBytes(): number {
    let held = 0;
    for (const assembly of this.#assemblies.values()) held += assembly.total;
    return held;
  }
}

/** New memory for a whole message of `total` bytes, starting `shift` bytes into it, lent to the reader. */
function wholeMemory(total: number, shift: number): Buffer {
  return lendMessageBuffer(Buffer.allocUnsafeSlow(total + shift).subarray(shift));
}

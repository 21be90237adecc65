/**
 * What a connected peer says about itself and its objects (`Context.describePeer`): its `Describe` and `Ping`
 * answers in one record, read defensively, so that a peer sending odd values yields empty ones rather than a
 * `TypeError` (a missing list is empty, a string that is not one is "", a number that is not finite is 0).
 *
 * ```ts
 * const peer = await context.describePeer("instr_server");
 * for (const o of peer.objects) console.log(o.name, o.locked ? `locked by ${o.lockedBy || "(unnamed)"}` : "free");
 * ```
 *
 * @module
 */
import type { DescribeAnswer, PingAnswer } from "../client/peer-connection.ts";

/** What a connected peer says about itself and its objects (see `Context.describePeer`). */
export interface PeerDescription {
  readonly name: string;
  readonly version: string;
  readonly workgroup: string;
  readonly pid: number;
  /** Seconds since the peer started (its Ping). */
  readonly uptimeSeconds: number;
  readonly objects: readonly PeerObjectInfo[];
}

/** One object a peer hosts, with its lock state (never the lock token). */
export interface PeerObjectInfo {
  readonly name: string;
  /** "instrument", "task" or "object". */
  readonly kind: string;
  readonly className: string;
  /** Fully qualified proto service; "" when the class has no generated code. */
  readonly protoService: string;
  readonly doc: string;
  readonly methods: readonly { readonly name: string; readonly rpcName: string; readonly signature: string; readonly doc: string }[];
  readonly signals: readonly { readonly name: string; readonly rpcName: string; readonly doc: string }[];
  readonly constants: readonly { readonly name: string; readonly type: string; readonly valueJson: string; readonly doc: string }[];
  readonly locked: boolean;
  /** The context holding the lock ("" when unlocked or unnamed). */
  readonly lockedBy: string;
}

/** A peer's `Describe` and `Ping` answers as a {@link PeerDescription}. @internal */
export function peerDescription(describe: DescribeAnswer, ping: PingAnswer): PeerDescription {
  const answer = fields(describe);
  return {
    name: text(answer.name),
    version: text(answer.version),
    workgroup: text(answer.workgroup),
    pid: finite(answer.pid),
    uptimeSeconds: finite(fields(ping).uptime_seconds),
    objects: list(answer.objects).map(objectInfo),
  };
}

function objectInfo(value: unknown): PeerObjectInfo {
  const o = fields(value);
  const locked = o.locked === true;
  return {
    name: text(o.name),
    kind: text(o.kind),
    className: text(o.class_name),
    protoService: text(o.proto_service),
    doc: text(o.doc),
    methods: list(o.methods).map((m) => {
      const f = fields(m);
      return { name: text(f.name), rpcName: text(f.rpc_name), signature: text(f.signature), doc: text(f.doc) };
    }),
    signals: list(o.signals).map((s) => {
      const f = fields(s);
      return { name: text(f.name), rpcName: text(f.rpc_name), doc: text(f.doc) };
    }),
    constants: list(o.constants).map((c) => {
      const f = fields(c);
      return { name: text(f.name), type: text(f.type), valueJson: text(f.value_json), doc: text(f.doc) };
    }),
    locked,
    lockedBy: locked ? text(o.locked_by) : "",
  };
}

/** The fields of a message, or none when it is not an object. */
function fields(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function finite(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

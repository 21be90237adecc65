/**
 * Finds the changes between a committed `.proto` and a newly generated one that would break clients built from
 * the committed file: a removed or retyped RPC, a field renumbered, retyped, renamed or removed, a required field
 * added to a request, an enum value removed or renumbered. Added RPCs, messages, enum values, response fields and
 * trailing optional parameters are compatible.
 *
 * @module
 */
import type { FieldShape, ProtoShape } from "./proto-shape.ts";

/** One breaking change, described for a person. */
export interface BreakingChange {
  /** Where: `Service.Rpc`, `Service.Rpc parameter x (field 2 of XRequest)`, `message M field 3`, `enum E`. */
  readonly where: string;
  /** What changed. */
  readonly what: string;
}

function describeField(field: FieldShape): string {
  const label = field.repeated ? "repeated " : field.optional ? "optional " : "";
  return `${label}${field.type} ${field.name}`;
}

/** Names a message by the RPC that uses it as request or response, when there is one. */
function messageRoles(shape: ProtoShape): Map<string, { rpc: string; role: "request" | "response" }> {
  const roles = new Map<string, { rpc: string; role: "request" | "response" }>();
  for (const [service, rpcs] of shape.services) {
    for (const rpc of rpcs.values()) {
      roles.set(rpc.requestType, { rpc: `${service}.${rpc.name}`, role: "request" });
      roles.set(rpc.responseType, { rpc: `${service}.${rpc.name}`, role: "response" });
    }
  }
  return roles;
}

/** The breaking changes from `before` to `after`. */
export function breakingChanges(before: ProtoShape, after: ProtoShape): BreakingChange[] {
  const changes: BreakingChange[] = [];
  for (const [service, rpcs] of before.services) {
    const nextRpcs = after.services.get(service);
    if (!nextRpcs) {
      changes.push({ where: `service ${service}`, what: "was removed" });
      continue;
    }
    for (const rpc of rpcs.values()) {
      const next = nextRpcs.get(rpc.name);
      if (!next) changes.push({ where: `${service}.${rpc.name}`, what: "was removed" });
      else if (next.responseStream !== rpc.responseStream) {
        changes.push({ where: `${service}.${rpc.name}`, what: `changed between unary and server streaming` });
      }
    }
  }
  const roles = messageRoles(before);
  for (const [message, fields] of before.messages) {
    const nextFields = after.messages.get(message);
    const role = roles.get(message);
    const where = (field: FieldShape) =>
      role
        ? `${role.rpc} ${role.role === "request" ? "parameter" : "result"} ${field.name} (field ${field.number} of ${message})`
        : `message ${message} field ${field.name} (${field.number})`;
    if (!nextFields) {
      if (role) changes.push({ where: `${role.rpc}`, what: `no longer uses message ${message} as its ${role.role}` });
      continue;
    }
    for (const field of fields.values()) {
      const next = nextFields.get(field.number);
      if (!next) {
        changes.push({ where: where(field), what: `was removed (${describeField(field)})` });
      } else if (next.type !== field.type || next.repeated !== field.repeated || next.name !== field.name) {
        changes.push({ where: where(field), what: `changed from ${describeField(field)} to ${describeField(next)}` });
      }
    }
    if (role?.role === "request") {
      for (const next of nextFields.values()) {
        if (!fields.has(next.number) && !next.optional) {
          changes.push({
            where: where(next),
            what: `is a new required parameter (${describeField(next)}); clients that do not send it would pass its default value`,
          });
        }
      }
    }
  }
  for (const [name, values] of before.enums) {
    const nextValues = after.enums.get(name);
    if (!nextValues) continue;
    for (const [value, number] of values) {
      const next = nextValues.get(value);
      if (next === undefined) changes.push({ where: `enum ${name}`, what: `lost value ${value} (${number})` });
      else if (next !== number) changes.push({ where: `enum ${name}`, what: `renumbered ${value} from ${number} to ${next}` });
    }
  }
  return changes;
}

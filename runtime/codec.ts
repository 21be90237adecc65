/**
 * Converts between TypeScript values and protobuf message objects (as `@grpc/proto-loader` reads and writes them
 * with `keepCase`, `longs: String`, `enums: String`), guided by a {@link ServiceDescriptor}.
 *
 * Encoding also validates: a value of the wrong type or out of range is an {@link InvalidArgumentError} naming the
 * parameter, so a bad argument fails the same way in-process and remotely, before anything reaches the wire.
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.ts";
import type {
  FieldDescriptor,
  MessageDescriptor,
  MethodDescriptor,
  ServiceDescriptor,
  TypeDescriptor,
} from "./service-descriptor.ts";

/** A protobuf message as a plain object. */
export type WireMessage = Record<string, unknown>;

const int32Range = [-(2 ** 31), 2 ** 31 - 1] as const;
const uint32Range = [0, 2 ** 32 - 1] as const;
const int64Range = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const uint64Range = [0n, 2n ** 64n - 1n] as const;

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return `${value}`;
  return typeof value === "object" ? "an object" : typeof value;
}

function invalid(path: string, expected: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid argument ${path}: expected ${expected}, got ${describeValue(value)}`);
}

function messageOf(service: ServiceDescriptor, name: string): MessageDescriptor {
  const message = service.messages.find((m) => m.name === name);
  if (!message) throw new Error(`Descriptor of ${service.protoService} lacks message ${name}; run \`qmi gen\``);
  return message;
}

function encodeInteger(value: unknown, proto: string, bigint: boolean, path: string): unknown {
  if (bigint) {
    const [min, max] = proto === "uint64" ? uint64Range : int64Range;
    if (typeof value !== "bigint" || value < min || value > max) throw invalid(path, `a ${proto} bigint`, value);
    return value.toString();
  }
  if (typeof value !== "number" || !Number.isInteger(value)) throw invalid(path, `an integer (${proto})`, value);
  if (proto === "int32" || proto === "uint32") {
    const [min, max] = proto === "int32" ? int32Range : uint32Range;
    if (value < min || value > max) throw invalid(path, `an integer in [${min}, ${max}] (${proto})`, value);
    return value;
  }
  if (!Number.isSafeInteger(value) || (proto === "uint64" && value < 0)) {
    throw invalid(path, `a safe ${proto === "uint64" ? "non-negative " : ""}integer (${proto}; use bigint beyond 2^53)`, value);
  }
  return String(value);
}

/** Encodes one value of type `type`; `path` names it in errors (e.g. `amplitude` or `config.channels[2]`). */
export function encodeValue(service: ServiceDescriptor, type: TypeDescriptor, value: unknown, path: string): unknown {
  switch (type.kind) {
    case "void":
      return undefined;
    case "scalar":
      switch (type.proto) {
        case "double":
        case "float":
          if (typeof value !== "number") throw invalid(path, "a number", value);
          return value;
        case "bool":
          if (typeof value !== "boolean") throw invalid(path, "a boolean", value);
          return value;
        case "string":
          if (typeof value !== "string") throw invalid(path, "a string", value);
          return value;
        case "bytes":
          if (!(value instanceof Uint8Array)) throw invalid(path, "a Uint8Array", value);
          return value;
        default:
          return encodeInteger(value, type.proto, type.bigint === true, path);
      }
    case "timestamp": {
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid(path, "a valid Date", value);
      const ms = value.getTime();
      const seconds = Math.floor(ms / 1000);
      return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
    }
    case "list":
      if (!Array.isArray(value)) throw invalid(path, "an array", value);
      return value.map((item, i) => encodeValue(service, type.of, item, `${path}[${i}]`));
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw invalid(path, "a record of string keys", value);
      }
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = encodeValue(service, type.of, item, `${path}.${key}`);
      return out;
    }
    case "enum": {
      const entry = service.enums.find((e) => e.name === type.name);
      const match = entry?.values.find((v) => v.value === value);
      if (!match) {
        const allowed = entry?.values.map((v) => JSON.stringify(v.value)).join(", ") ?? "";
        throw invalid(path, `one of ${allowed}`, value);
      }
      return match.protoName;
    }
    case "message": {
      if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) {
        throw invalid(path, `an object (${type.name})`, value);
      }
      return encodeFields(service, messageOf(service, type.name).fields, value as Record<string, unknown>, `${path}.`);
    }
  }
}

function encodeFields(
  service: ServiceDescriptor,
  fields: readonly FieldDescriptor[],
  source: Record<string, unknown>,
  prefix: string,
): WireMessage {
  const out: WireMessage = {};
  for (const field of fields) {
    const value = source[field.name];
    if (value === undefined) {
      if (field.optional) continue;
      throw new InvalidArgumentError(`Invalid argument ${prefix}${field.name}: a value is required`);
    }
    out[field.protoName] = encodeValue(service, field.type, value, `${prefix}${field.name}`);
  }
  return out;
}

/** Decodes one value of type `type` from its wire form. */
export function decodeValue(service: ServiceDescriptor, type: TypeDescriptor, wire: unknown): unknown {
  switch (type.kind) {
    case "void":
      return undefined;
    case "scalar":
      if (type.proto === "int64" || type.proto === "uint64") {
        return type.bigint ? BigInt(wire as string) : Number(wire);
      }
      if (type.proto === "bytes") return new Uint8Array(wire as Uint8Array);
      return wire;
    case "timestamp": {
      if (wire === null || wire === undefined) return new Date(0);
      const { seconds, nanos } = wire as { seconds: string | number; nanos: number };
      return new Date(Number(seconds) * 1000 + Math.floor((nanos ?? 0) / 1_000_000));
    }
    case "list":
      return ((wire as unknown[] | undefined) ?? []).map((item) => decodeValue(service, type.of, item));
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries((wire as Record<string, unknown> | undefined) ?? {})) {
        out[key] = decodeValue(service, type.of, item);
      }
      return out;
    }
    case "enum": {
      const entry = service.enums.find((e) => e.name === type.name);
      return entry?.values.find((v) => v.protoName === wire)?.value;
    }
    case "message":
      return decodeFields(service, messageOf(service, type.name).fields, (wire ?? {}) as WireMessage);
  }
}

function decodeFields(service: ServiceDescriptor, fields: readonly FieldDescriptor[], wire: WireMessage) {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const item = wire[field.protoName];
    if (item === undefined && field.optional) continue;
    out[field.name] = decodeValue(service, field.type, item);
  }
  return out;
}

/** Checks the number of arguments, then encodes them as the method's request message. */
export function encodeRequest(service: ServiceDescriptor, method: MethodDescriptor, args: readonly unknown[]): WireMessage {
  if (args.length === 0 && method.params.length === 0) return {}; // the common getter: nothing to check
  const required = method.params.filter((p) => !p.optional).length;
  if (args.length < required || args.length > method.params.length) {
    const count = required === method.params.length ? `${required}` : `${required} to ${method.params.length}`;
    throw new InvalidArgumentError(
      `${method.name}() takes ${count} argument${method.params.length === 1 ? "" : "s"}, got ${args.length}: ${method.signature}`,
    );
  }
  const named: Record<string, unknown> = {};
  method.params.forEach((param, i) => (named[param.name] = args[i]));
  return encodeFields(service, method.params, named, "");
}

/** Decodes a request message into positional arguments (absent optional parameters become `undefined`). */
export function decodeRequest(service: ServiceDescriptor, method: MethodDescriptor, wire: WireMessage): unknown[] {
  const args = method.params.map((param) => {
    const item = wire[param.protoName];
    return item === undefined && param.optional ? undefined : decodeValue(service, param.type, item);
  });
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return args;
}

/** Encodes a method's result as its response message (`value = 1`, absent for void or undefined). */
export function encodeResponse(service: ServiceDescriptor, method: MethodDescriptor, result: unknown): WireMessage {
  if (method.result.kind === "void" || (result === undefined && method.resultOptional)) return {};
  return { value: encodeValue(service, method.result, result, `result of ${method.name}()`) };
}

/** Decodes a response message into the method's result. */
export function decodeResponse(service: ServiceDescriptor, method: MethodDescriptor, wire: WireMessage): unknown {
  if (method.result.kind === "void") return undefined;
  if (wire.value === undefined && method.resultOptional) return undefined;
  return decodeValue(service, method.result, wire.value);
}

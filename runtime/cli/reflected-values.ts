/**
 * The JSON values of `qmi call`, to and from messages known from gRPC reflection alone.
 *
 * Loaded from reflection's file descriptors, a `map<K, V>` field is a list of `{ key, value }` entry messages and a
 * `google.protobuf.Timestamp` is `{ seconds, nanos }`. `qmi call` takes a map as a JSON object and a Timestamp as a
 * date string, and prints a map as a JSON object, wherever they are: a parameter, a field of a nested message, an
 * item of a list or the value of another map.
 *
 * @module
 */
import type { MessageTypeDefinition, PackageDefinition } from "@grpc/proto-loader";
import { InvalidArgumentError } from "../errors.ts";

/** A field of a `DescriptorProto`, as reflection gives it (enums as their names). */
interface FieldProto {
  readonly name: string;
  readonly number: number;
  readonly label?: string;
  readonly typeName?: string;
}

/** The parts of a `DescriptorProto` that tell its fields apart. */
interface MessageDescriptor {
  readonly name?: string;
  readonly field?: readonly FieldProto[];
  readonly nestedType?: readonly (MessageDescriptor & { readonly options?: { readonly mapEntry?: boolean } | null })[];
}

/** One field of a reflected message. */
export interface ReflectedField {
  readonly name: string;
  readonly number: number;
  /** The message or enum type of the field, as the descriptor names it (often relative to {@link scope}). */
  readonly typeName?: string;
  /** The full name of the message declaring the field, where a relative `typeName` is looked up from. */
  readonly scope: string;
  readonly repeated: boolean;
  /** The value field of a map field's entries; undefined for other fields. */
  readonly mapValue?: ReflectedField;
}

const TIMESTAMP = "google.protobuf.Timestamp";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** The message types of a reflected service, and the conversions of values of their fields. */
export class ReflectedTypes {
  constructor(private readonly definitions: PackageDefinition) {}

  /**
   * The fields of a request or response type of the service `service` (a proto-loader message type, declared in
   * the service's package as generated services declare them), in field-number order.
   */
  fieldsOf(messageType: unknown, service: string): ReflectedField[] {
    const type = (messageType as MessageTypeDefinition<object, object>).type as MessageDescriptor;
    const packageName = service.split(".").slice(0, -1).join(".");
    return fieldsOfDescriptor(type, packageName ? `${packageName}.${type.name ?? ""}` : (type.name ?? ""));
  }

  /** `value` as the message field `field` takes it; `where` names it in errors (e.g. `setting.labels`). */
  toWire(value: unknown, field: ReflectedField, where: string): unknown {
    if (field.mapValue) {
      if (!isPlainObject(value)) {
        throw new InvalidArgumentError(`Argument ${where}: expected a JSON object such as {"a": 1}, found ${JSON.stringify(value)}`);
      }
      const valueField = field.mapValue;
      return Object.entries(value).map(([key, item]) => ({ key, value: this.toWire(item, valueField, `${where}.${key}`) }));
    }
    if (field.repeated && Array.isArray(value)) {
      const item = { ...field, repeated: false };
      return value.map((one, i) => this.toWire(one, item, `${where}[${i}]`));
    }
    if (typeof value === "string" && this.#isTimestamp(field)) {
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) throw new InvalidArgumentError(`Argument ${where}: ${JSON.stringify(value)} is not a date`);
      const seconds = Math.floor(ms / 1000);
      return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
    }
    const fields = isPlainObject(value) ? this.#fieldsOfType(field) : undefined;
    if (!fields) return value;
    const message = { ...(value as Record<string, unknown>) };
    for (const inner of fields) {
      if (inner.name in message) message[inner.name] = this.toWire(message[inner.name], inner, `${where}.${inner.name}`);
    }
    return message;
  }

  /** A value of the message field `field` as decoded, with its maps (at any depth) as objects. */
  fromWire(value: unknown, field: ReflectedField | undefined): unknown {
    if (!field) return value;
    if (field.mapValue && Array.isArray(value)) {
      const valueField = field.mapValue;
      return Object.fromEntries((value as { key: unknown; value: unknown }[]).map((entry) => [String(entry.key), this.fromWire(entry.value, valueField)]));
    }
    if (field.repeated && Array.isArray(value)) {
      const item = { ...field, repeated: false };
      return value.map((one) => this.fromWire(one, item));
    }
    const fields = isPlainObject(value) && !this.#isTimestamp(field) ? this.#fieldsOfType(field) : undefined;
    if (!fields) return value;
    const message = { ...(value as Record<string, unknown>) };
    for (const inner of fields) if (inner.name in message) message[inner.name] = this.fromWire(message[inner.name], inner);
    return message;
  }

  #isTimestamp(field: ReflectedField): boolean {
    return field.typeName !== undefined && (this.#resolve(field)?.fullName ?? field.typeName.replace(/^\./, "")) === TIMESTAMP;
  }

  /** The fields of the message type of `field`, or undefined for an enum, a scalar or an unknown type. */
  #fieldsOfType(field: ReflectedField): ReflectedField[] | undefined {
    const found = this.#resolve(field);
    return found ? fieldsOfDescriptor(found.type, found.fullName) : undefined;
  }

  /** The message type `field.typeName` names, looked up as protobuf scopes names: innermost scope first. */
  #resolve(field: ReflectedField): { readonly fullName: string; readonly type: MessageDescriptor } | undefined {
    const typeName = field.typeName;
    if (!typeName) return undefined;
    const candidates = typeName.startsWith(".") ? [typeName.slice(1)] : scopesOf(field.scope).map((scope) => (scope ? `${scope}.${typeName}` : typeName));
    for (const fullName of candidates) {
      const found = this.definitions[fullName];
      if (found && "format" in found && found.format === "Protocol Buffer 3 DescriptorProto") return { fullName, type: found.type as MessageDescriptor };
    }
    return undefined;
  }
}

/** `a.b.C`, `a.b`, `a`, then the root (""). */
function scopesOf(name: string): string[] {
  const parts = name ? name.split(".") : [];
  return parts.map((_, i) => parts.slice(0, parts.length - i).join(".")).concat("");
}

/** The fields of the message `fullName`, in field-number order, each map field with its entries' value field. */
function fieldsOfDescriptor(type: MessageDescriptor, fullName: string): ReflectedField[] {
  const entries = new Map((type.nestedType ?? []).filter((n) => n.options?.mapEntry === true).map((n) => [n.name, n]));
  return [...(type.field ?? [])]
    .sort((a, b) => a.number - b.number)
    .map((f) => {
      const repeated = f.label === "LABEL_REPEATED";
      const entry = repeated ? entries.get((f.typeName ?? "").split(".").pop()!) : undefined;
      const value = entry?.field?.find((e) => e.number === 2);
      return {
        name: f.name,
        number: f.number,
        typeName: f.typeName || undefined,
        scope: fullName,
        repeated,
        // The entry type is nested in this message: its value field's type is named from the entry's scope.
        mapValue: value && entry ? fieldsOfDescriptor({ field: [value] }, `${fullName}.${entry.name}`)[0] : undefined,
      };
    });
}

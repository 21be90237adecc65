/**
 * Request deserializers that refuse a message unless it decodes exactly: each checks the bytes with
 * {@link checkWire} (see `strict-wire.ts` for what is refused) before the deserializer it wraps decodes them, and
 * throws a {@link WireFormatError} naming the field otherwise.
 *
 * Applied where definitions are loaded (`proto-files.ts`, for the unary handlers and the `qmi.core.Channel`
 * routes alike) and again by the call guard (for every service a server is given, e.g. reflection and health);
 * wrapping twice wraps once. The schema of a request type comes from the file descriptors `@grpc/proto-loader`
 * attaches to every method definition; a definition without them (one written by hand, such as the channel's own)
 * is left as it is.
 *
 * @module
 */
import type { MethodDefinition, PackageDefinition } from "@grpc/proto-loader";
import type { ServiceDefinition } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import descriptor from "protobufjs/ext/descriptor/index.js";
import type { EncodedMessage } from "./codec.ts";
import { checkWire, wireSchemaOf, type WireSchema } from "./strict-wire.ts";

type Deserialize = (bytes: Buffer) => unknown;

/** The deserializers this module made (so that wrapping again is a no-op). */
const strictOnes = new WeakSet<Deserialize>();

/** protobufjs roots built from a package's file descriptors, by the descriptor list proto-loader shares. */
const roots = new WeakMap<readonly Buffer[], protobuf.Root>();

function rootOf(files: readonly Buffer[]): protobuf.Root {
  let root = roots.get(files);
  if (!root) {
    const set = { file: files.map((bytes) => descriptor.FileDescriptorProto.decode(bytes)) };
    root = (protobuf.Root as unknown as { fromDescriptor(set: unknown): protobuf.Root }).fromDescriptor(set);
    root.resolveAll();
    roots.set(files, root);
  }
  return root;
}

/** The wire schema of the request of `method`, or undefined when its definition carries no descriptors. */
function requestSchema(method: ServiceDefinition[string]): WireSchema | undefined {
  const files = (method as Partial<MethodDefinition<object, object>>).requestType?.fileDescriptorProtos;
  const match = /^\/(.+)\/([^/]+)$/.exec(method.path);
  if (!Array.isArray(files) || files.length === 0 || !match) return undefined;
  const rpc = rootOf(files).lookupService(match[1]!).methods[match[2]!];
  if (!rpc?.resolvedRequestType) throw new Error(`The descriptors of ${method.path} lack its request type`);
  return wireSchemaOf(rpc.resolvedRequestType);
}

/**
 * `method`'s request deserializer (or `decode`), preceded by the strict wire check (the same function when
 * already strict).
 */
export function strictRequestDeserializer(method: ServiceDefinition[string], decode = method.requestDeserialize as Deserialize): Deserialize {
  if (strictOnes.has(decode)) return decode;
  const schema = requestSchema(method);
  if (!schema) return decode;
  const strict = (bytes: Buffer) => {
    checkWire(schema, bytes);
    return decode(bytes);
  };
  strictOnes.add(strict);
  return strict;
}

/** `definition` with strict request deserializers (see {@link strictRequestDeserializer}). */
function strictRequests(definition: ServiceDefinition): ServiceDefinition {
  const strict: Record<string, ServiceDefinition[string]> = {};
  for (const [name, method] of Object.entries(definition)) {
    strict[name] = { ...method, requestDeserialize: strictRequestDeserializer(method) };
  }
  return strict as ServiceDefinition;
}

const bytesOf = (message: EncodedMessage) => message.bytes;
const encoded = (bytes: Buffer): EncodedMessage => ({ bytes });

/**
 * `definition` with its messages carried as their bytes ({@link EncodedMessage}), for the codec to read and write
 * (generated services); request bytes are checked strictly all the same.
 */
export function encodedService(definition: ServiceDefinition): ServiceDefinition {
  const methods: Record<string, ServiceDefinition[string]> = {};
  for (const [rpc, method] of Object.entries(definition)) {
    methods[rpc] = {
      ...method,
      requestSerialize: bytesOf,
      requestDeserialize: strictRequestDeserializer(method, encoded),
      responseSerialize: bytesOf,
      responseDeserialize: encoded,
    } as ServiceDefinition[string];
  }
  return methods as ServiceDefinition;
}

/** `definition` with every service's request deserializers strict; messages and enums as they are. */
export function strictPackage(definition: PackageDefinition): PackageDefinition {
  const out: PackageDefinition = {};
  for (const [name, entry] of Object.entries(definition)) {
    out[name] = "format" in entry ? entry : (strictRequests(entry as ServiceDefinition) as PackageDefinition[string]);
  }
  return out;
}

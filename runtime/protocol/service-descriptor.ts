/**
 * The neutral description of one RPC service, shared by the generator and the runtime.
 *
 * The generator (`codegen/`) writes one {@link ServiceDescriptor} per decorated class into `generated/`; the
 * runtime reads it to encode arguments into protobuf request objects, decode results, validate in-process calls,
 * register gRPC handlers and print help. It is plain data (JSON-compatible), so it can also travel in a
 * context's `Describe` answer.
 *
 * @module
 */

/** Protobuf scalar types the generator maps TypeScript types onto. */
export type ProtoScalar = "double" | "float" | "int32" | "uint32" | "int64" | "uint64" | "bool" | "string" | "bytes";

/** The typed arrays a value may be (besides `Uint8Array`, which is `bytes`); see `typed-arrays.ts`. */
export type TypedArrayName =
  | "Float64Array"
  | "Float32Array"
  | "Int32Array"
  | "Uint32Array"
  | "Int16Array"
  | "Uint16Array"
  | "Int8Array"
  | "BigInt64Array"
  | "BigUint64Array";

/**
 * How one TypeScript value travels on the wire.
 *
 * - `scalar`: a protobuf scalar; `bigint` is true when the TypeScript side uses `bigint` (64-bit kinds only);
 *   64-bit kinds without `bigint` are JavaScript numbers checked to be safe integers.
 * - `timestamp`: a `Date` carried as `google.protobuf.Timestamp`.
 * - `list`: an array, a `repeated` field; with `typed`, a typed array of the element type `of` (a packed
 *   `repeated` field on the wire, so `number[]` and `Float64Array` read each other's messages).
 * - `map`: a `Record<string, T>`, a `map<string, T>` field.
 * - `message`: an interface or type literal, named in {@link ServiceDescriptor.messages}.
 * - `enum`: a TypeScript enum or string-literal union, named in {@link ServiceDescriptor.enums}.
 * - `void`: no value (an empty response).
 */
export type TypeDescriptor =
  | { readonly kind: "scalar"; readonly proto: ProtoScalar; readonly bigint?: boolean }
  | { readonly kind: "timestamp" }
  | { readonly kind: "list"; readonly of: TypeDescriptor; readonly typed?: TypedArrayName }
  | { readonly kind: "map"; readonly of: TypeDescriptor }
  | { readonly kind: "message"; readonly name: string }
  | { readonly kind: "enum"; readonly name: string }
  | { readonly kind: "void" };

/** One field of a message, or one parameter of a method. */
export interface FieldDescriptor {
  /** The TypeScript name (camelCase). */
  readonly name: string;
  /** The protobuf field name (snake_case). */
  readonly protoName: string;
  /** The protobuf field number. */
  readonly number: number;
  readonly type: TypeDescriptor;
  /** True for optional parameters and properties (`proto3 optional`). */
  readonly optional: boolean;
  /** TSDoc of the parameter or property, if any. */
  readonly doc?: string;
}

/** A protobuf message built from an interface or a type literal. */
export interface MessageDescriptor {
  /** The message name, unique within the service's proto package. */
  readonly name: string;
  readonly fields: readonly FieldDescriptor[];
  readonly doc?: string;
}

/** One enum value: the TypeScript value (string or number) and the protobuf value name and number. */
export interface EnumValueDescriptor {
  readonly value: string | number;
  readonly protoName: string;
  readonly number: number;
}

/** A protobuf enum built from a TypeScript enum or a string-literal union. Number 0 is `<NAME>_UNSPECIFIED`. */
export interface EnumDescriptor {
  readonly name: string;
  readonly values: readonly EnumValueDescriptor[];
  readonly doc?: string;
}

/** One `@rpcMethod`. */
export interface MethodDescriptor {
  /** The TypeScript method name, e.g. `getSample`. */
  readonly name: string;
  /** The RPC name, e.g. `GetSample`. */
  readonly rpcName: string;
  /** Request message name, e.g. `GetSampleRequest`. */
  readonly requestType: string;
  /** Response message name, e.g. `GetSampleResponse`. */
  readonly responseType: string;
  /** Parameters in order; field numbers from 1. */
  readonly params: readonly FieldDescriptor[];
  /** The result, carried as field `value = 1` of the response unless `void`. */
  readonly result: TypeDescriptor;
  /** True when the result may be `undefined` (`optional value = 1`). */
  readonly resultOptional: boolean;
  /** TypeScript signature for help texts, e.g. `setAmplitude(amplitude: number): Promise<void>`. */
  readonly signature: string;
  readonly doc?: string;
  /** True for a getter marked `@rpcMethod({ snapshot: true })`: part of the instrument's settings snapshot. */
  readonly snapshot?: boolean;
}

/** One `@signal` declaration. */
export interface SignalDescriptor {
  /** The TypeScript property name, e.g. `sampleTaken`. */
  readonly name: string;
  /** The streaming RPC name, e.g. `SubscribeSampleTaken`. */
  readonly rpcName: string;
  /** The event message name, e.g. `SampleTakenEvent`. */
  readonly eventType: string;
  /** The payload type of the signal. */
  readonly payload: TypeDescriptor;
  readonly doc?: string;
}

/** One `@rpcConstant`. */
export interface ConstantDescriptor {
  readonly name: string;
  /** TypeScript type text, for help. */
  readonly type: string;
  readonly doc?: string;
}

/** Everything the runtime needs to know about one generated service. */
export interface ServiceDescriptor {
  /** The class name, e.g. `NoisySineGenerator`. */
  readonly className: string;
  /** Source module relative to the project root, e.g. `drivers/dummy/noisy-sine-generator.ts`. */
  readonly sourceFile: string;
  /** `.proto` path relative to `idl/`, e.g. `qmi/drivers/dummy/noisy_sine_generator.proto`. */
  readonly protoFile: string;
  /** Proto package, e.g. `qmi.drivers.dummy.noisy_sine_generator`. */
  readonly protoPackage: string;
  /** Fully qualified proto service name, e.g. `qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator`. */
  readonly protoService: string;
  /** Class TSDoc. */
  readonly doc?: string;
  readonly methods: readonly MethodDescriptor[];
  readonly signals: readonly SignalDescriptor[];
  readonly constants: readonly ConstantDescriptor[];
  /** Messages used by methods and signals (request/response messages are not listed: they follow from methods). */
  readonly messages: readonly MessageDescriptor[];
  readonly enums: readonly EnumDescriptor[];
}

/** An entry of the generated registry (`generated/index.ts`): where a service's code lives, loaded on demand. */
export interface GeneratedServiceEntry {
  readonly className: string;
  readonly protoService: string;
  /** Loads the generated module's descriptor and proxy class (no driver code is imported). */
  readonly loadGenerated: () => Promise<GeneratedModuleExports>;
  /** Loads the implementing class itself; only a hosting context calls this, to match a class to its service. */
  readonly loadImplementation: () => Promise<unknown>;
}

/** What a generated module exports for one class: its descriptor and its typed proxy class. */
export interface GeneratedModuleExports {
  readonly descriptor: ServiceDescriptor;
  readonly proxyClass: abstract new (...args: never[]) => unknown;
}

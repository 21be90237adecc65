/**
 * The wire-relevant shape of a `.proto` file: services with their RPCs, messages with their fields by number,
 * enums with their values. Two shapes are compared to find breaking changes.
 *
 * @module
 */
import protobuf from "protobufjs";

/** One field as the wire sees it. */
export interface FieldShape {
  readonly name: string;
  readonly number: number;
  /** The field's type as written (`double`, `Sample`, `google.protobuf.Timestamp`, or `map<string,double>`). */
  readonly type: string;
  readonly repeated: boolean;
  readonly optional: boolean;
}

/** One RPC. */
export interface RpcShape {
  readonly name: string;
  readonly requestType: string;
  readonly responseType: string;
  readonly responseStream: boolean;
}

/** The shape of one `.proto` file. */
export interface ProtoShape {
  readonly services: ReadonlyMap<string, ReadonlyMap<string, RpcShape>>;
  readonly messages: ReadonlyMap<string, ReadonlyMap<number, FieldShape>>;
  readonly enums: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/** Parses `.proto` source text into its shape (names relative to the file's package). */
export function protoShape(source: string): ProtoShape {
  const { root, package: pkg } = protobuf.parse(source, { keepCase: true, alternateCommentMode: true });
  const namespace = pkg ? root.lookup(pkg) : root;
  const services = new Map<string, Map<string, RpcShape>>();
  const messages = new Map<string, Map<number, FieldShape>>();
  const enums = new Map<string, Map<string, number>>();
  for (const nested of (namespace as protobuf.Namespace | null)?.nestedArray ?? []) {
    if (nested instanceof protobuf.Service) {
      services.set(
        nested.name,
        new Map(
          nested.methodsArray.map((m) => [
            m.name,
            { name: m.name, requestType: m.requestType, responseType: m.responseType, responseStream: m.responseStream === true },
          ]),
        ),
      );
    } else if (nested instanceof protobuf.Type) {
      const fields = new Map<number, FieldShape>();
      for (const field of nested.fieldsArray) {
        const isMap = field instanceof protobuf.MapField;
        fields.set(field.id, {
          name: field.name,
          number: field.id,
          type: isMap ? `map<${(field as protobuf.MapField).keyType},${field.type}>` : field.type,
          repeated: field.repeated,
          optional: field.options?.proto3_optional === true || field.partOf !== null,
        });
      }
      messages.set(nested.name, fields);
    } else if (nested instanceof protobuf.Enum) {
      enums.set(nested.name, new Map(Object.entries(nested.values)));
    }
  }
  return { services, messages, enums };
}

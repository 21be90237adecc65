/**
 * The neutral model the scanner builds and the emitters read: the runtime's {@link ServiceDescriptor}s plus
 * the few facts only emitters need (TSDoc as written, the TypeScript shape of enums).
 *
 * @module
 */
import type { EnumDescriptor, MessageDescriptor, ServiceDescriptor } from "../runtime/protocol/service-descriptor.ts";
import type { ModulePaths } from "./naming.ts";

/** Emitter-only facts about one method, parallel to `descriptor.methods`. */
export interface MethodDocs {
  /** The method's TSDoc as written, for the proxy. */
  readonly proxyDoc: readonly string[];
  /** The summary (text before the first tag), for the `.proto` rpc comment. */
  readonly protoDoc: readonly string[];
  /** The `@returns` text, for the response's `value` field comment. */
  readonly returnsDoc: readonly string[];
}

/** One service class. */
export interface ServiceModel {
  readonly descriptor: ServiceDescriptor;
  /** Parallel to `descriptor.methods`. */
  readonly methodDocs: readonly MethodDocs[];
  /** Subscribe request message names, parallel to `descriptor.signals`. */
  readonly subscribeRequestTypes: readonly string[];
  /** Set for task services: the proxy extends `TaskRunnerProxy<Settings, Status>` and adds the custom methods. */
  readonly task?: {
    readonly settingsName: string;
    readonly statusName: string;
    /** The custom runner's own methods: the last this many of `descriptor.methods`. */
    readonly customMethods: number;
  };
}

/** A message built from an interface or type literal. */
export interface MessageModel {
  readonly kind: "message";
  readonly descriptor: MessageDescriptor;
}

/** One member of an enum as TypeScript declares it. */
export interface EnumMemberModel {
  /** The enum member name (TS enums only). */
  readonly name?: string;
  readonly value: string | number;
  readonly doc?: string;
}

/** An enum built from a TypeScript `enum` (`style: "enum"`) or a string-literal union (`style: "union"`). */
export interface EnumModel {
  readonly kind: "enum";
  readonly style: "enum" | "union";
  readonly descriptor: EnumDescriptor;
  readonly members: readonly EnumMemberModel[];
}

/** A named type of a proto package. */
export type NamedTypeModel = MessageModel | EnumModel;

/** One source module and everything generated from it. */
export interface ModuleModel {
  readonly paths: ModulePaths;
  readonly services: readonly ServiceModel[];
  /** Messages and enums in first-use order. */
  readonly types: readonly NamedTypeModel[];
}

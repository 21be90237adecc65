/**
 * Emits the `.proto` file of a module: header, package, services (TSDoc summaries as comments), then the
 * request/response messages of each method, the subscribe/event messages of each signal, and the named messages
 * and enums in first-use order.
 *
 * @module
 */
import type { FieldDescriptor, TypeDescriptor } from "../../runtime/protocol/service-descriptor.ts";
import type { EnumModel, MessageModel, ModuleModel, ServiceModel } from "../model.ts";
import { TYPED_ARRAY_KINDS } from "../../runtime/protocol/typed-arrays.ts";
import { protoTypeText, usesTimestamp } from "../proto-type-text.ts";
import { docLines, protoComment } from "./doc-block.ts";
import { provenanceHeader } from "./header.ts";
import { unspecifiedName as unspecifiedEnumValue } from "../../runtime/protocol/proto-names.ts";

/**
 * One field line, e.g. `optional double value = 1;`. A typed array narrower than its wire type says its range, which
 * the receiver checks (`repeated int32 raw = 2; // Int16Array: each element in [-32768, 32767]`).
 */
function fieldLine(protoName: string, number: number, type: TypeDescriptor, optional: boolean): string {
  const range = type.kind === "list" && type.typed ? TYPED_ARRAY_KINDS[type.typed].range : undefined;
  const note = range && type.kind === "list" ? ` // ${type.typed}: each element in [${range[0]}, ${range[1]}]` : "";
  return `  ${optional ? "optional " : ""}${protoTypeText(type)} ${protoName} = ${number};${note}\n`;
}

function messageBlock(name: string, fields: readonly string[], doc: readonly string[] = []): string {
  const head = protoComment(doc);
  return fields.length === 0 ? `${head}message ${name} {}\n` : `${head}message ${name} {\n${fields.join("")}}\n`;
}

function paramFields(params: readonly FieldDescriptor[]): string[] {
  return params.map((p) => protoComment(docLines(p.doc), "  ") + fieldLine(p.protoName, p.number, p.type, p.optional));
}

/** `Published after ...` -> `Signal: published after ...` (an acronym keeps its capitals). */
function signalComment(name: string, doc: string | undefined): string[] {
  const lines = docLines(doc);
  if (lines.length === 0) return [`Signal \`${name}\`.`];
  const first = lines[0]!;
  const lowered = /^[A-Z][a-z]/.test(first) ? first[0]!.toLowerCase() + first.slice(1) : first;
  return [`Signal: ${lowered}`, ...lines.slice(1)];
}

function serviceBlock(service: ServiceModel): string {
  const d = service.descriptor;
  let out = protoComment(docLines(d.doc)) + `service ${d.className} {\n`;
  d.methods.forEach((m, i) => {
    out += protoComment(service.methodDocs[i]!.protoDoc, "  ");
    out += `  rpc ${m.rpcName}(${m.requestType}) returns (${m.responseType});\n`;
  });
  d.signals.forEach((s, i) => {
    out += protoComment(signalComment(s.name, s.doc), "  ");
    out += `  rpc ${s.rpcName}(${service.subscribeRequestTypes[i]}) returns (stream ${s.eventType});\n`;
  });
  return out + "}\n";
}

/** Fields every event carries after the payload (`value = 1`): who published it, and the stream's sequence. */
const eventContextFields = [
  "  // The publishing object's context.\n  string publisher_context = 2;\n",
  "  // The publishing object's name in its context.\n  string publisher_name = 3;\n",
  "  // The signal's name, e.g. sampleTaken.\n  string signal_name = 4;\n",
  "  // 1, 2, ... per stream; a gap means events were dropped because the client did not keep up.\n  uint64 sequence = 5;\n",
];

function serviceMessages(service: ServiceModel): string[] {
  const d = service.descriptor;
  const blocks: string[] = [];
  d.methods.forEach((m, i) => {
    blocks.push(messageBlock(m.requestType, paramFields(m.params)));
    const value =
      m.result.kind === "void"
        ? []
        : [protoComment(service.methodDocs[i]!.returnsDoc, "  ") + fieldLine("value", 1, m.result, m.resultOptional)];
    blocks.push(messageBlock(m.responseType, value));
  });
  d.signals.forEach((s, i) => {
    blocks.push(messageBlock(service.subscribeRequestTypes[i]!, []));
    const value = s.payload.kind === "void" ? [] : [fieldLine("value", 1, s.payload, false)];
    blocks.push(messageBlock(s.eventType, [...value, ...eventContextFields]));
  });
  return blocks;
}

function namedMessageBlock(model: MessageModel): string {
  const d = model.descriptor;
  return messageBlock(d.name, paramFields(d.fields), docLines(d.doc));
}

function enumBlock(model: EnumModel): string {
  const d = model.descriptor;
  const unspecified = `${unspecifiedName(model)} = 0;`;
  const values = d.values.map(
    (v, i) => protoComment(docLines(model.members[i]?.doc), "  ") + `  ${v.protoName} = ${v.number};\n`,
  );
  return `${protoComment(docLines(d.doc))}enum ${d.name} {\n  ${unspecified}\n${values.join("")}}\n`;
}

/** `<ENUM_NAME>_UNSPECIFIED`. */
export function unspecifiedName(model: EnumModel): string {
  return unspecifiedEnumValue(model.descriptor.name);
}

/** The `.proto` text of a module. */
export function emitProto(module: ModuleModel): string {
  const timestamp =
    module.services.some(
      (s) =>
        s.descriptor.methods.some((m) => usesTimestamp(m.result) || m.params.some((p) => usesTimestamp(p.type))) ||
        s.descriptor.signals.some((sig) => usesTimestamp(sig.payload)),
    ) || module.types.some((t) => t.kind === "message" && t.descriptor.fields.some((f) => usesTimestamp(f.type)));
  const parts = [
    `${provenanceHeader(module.paths.sourceFile)}syntax = "proto3";\n`,
    `package ${module.paths.protoPackage};\n`,
    ...(timestamp ? ['import "google/protobuf/timestamp.proto";\n'] : []),
    ...module.services.map(serviceBlock),
    ...module.services.flatMap(serviceMessages),
    ...module.types.map((t) => (t.kind === "message" ? namedMessageBlock(t) : enumBlock(t))),
  ];
  return parts.join("\n");
}

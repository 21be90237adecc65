/**
 * The members of a task service, synthesised from the task's settings type: `GetSettings`, `SetSettings`,
 * `GetPendingSettings` and the `WatchSettings` stream (the runner's `settingsUpdated` signal). The status type
 * becomes a message of the package too. Start, stop, join and status travel by the core `qmi.core.Task` service.
 *
 * @module
 */
import type { Node, TypeNode } from "ts-morph";
import type { MethodDescriptor, SignalDescriptor, TypeDescriptor } from "../runtime/protocol/service-descriptor.ts";
import type { ScannedTask } from "./class-scanner.ts";
import { DiagnosticCode } from "./diagnostic.ts";
import type { MethodDocs } from "./model.ts";
import type { NamedTypeRegistry } from "./type-mapping/named-type-registry.ts";
import type { TypeMapperChain } from "./type-mapping/type-mapper-chain.ts";

/** The synthesised members of one task service. */
export interface TaskMembers {
  readonly methods: MethodDescriptor[];
  readonly docs: MethodDocs[];
  readonly signal: SignalDescriptor;
  readonly subscribeRequestType: string;
  /** TypeScript names of the settings and status types, for the proxy's base class. */
  readonly settingsName: string;
  readonly statusName: string;
}

/** Owner identities of the shared empty messages (objects, so they are listed with the module's types). */
const emptyKeys = { Settings: {}, Status: {} };

function mapOrEmpty(
  kind: "Settings" | "Status",
  node: TypeNode | undefined,
  fallbackName: string,
  holder: string,
  anchor: Node,
  chain: TypeMapperChain,
  registry: NamedTypeRegistry,
): { type: TypeDescriptor; name: string } {
  if (node) {
    const type = chain.mapNested({ type: node.getType(), node, typeNode: node, nameHint: fallbackName, holder });
    if (type?.kind === "message") return { type, name: type.name };
    if (type) return { type, name: fallbackName };
  }
  const empty = `No${kind}`;
  const claim = registry.claim(empty, { key: emptyKeys[kind], description: `the empty ${kind.toLowerCase()} of tasks without ${kind.toLowerCase()}` });
  if (claim.status === "collision") {
    chain.report(
      { type: anchor.getType(), node: anchor, nameHint: empty, holder },
      DiagnosticCode.NameCollision,
      `The proto name \`${empty}\` of ${holder} is already used by ${claim.owner.description}.`,
      `Rename that type, or declare the ${kind.toLowerCase()} type: \`extends Task<Settings, Status>\`.`,
    );
  } else if (!registry.get(empty)) {
    registry.define({ kind: "message", descriptor: { name: empty, fields: [], doc: `No ${kind.toLowerCase()}: the task declares none.` } });
  }
  return { type: { kind: "message", name: empty }, name: empty };
}

function method(
  name: string,
  params: MethodDescriptor["params"],
  result: TypeDescriptor,
  resultOptional: boolean,
  prefix: string,
  signature: string,
  doc: string,
): { descriptor: MethodDescriptor; docs: MethodDocs } {
  const rpcName = name[0]!.toUpperCase() + name.slice(1);
  return {
    descriptor: {
      name,
      rpcName,
      requestType: `${prefix}${rpcName}Request`,
      responseType: `${prefix}${rpcName}Response`,
      params,
      result,
      resultOptional,
      signature,
      doc,
    },
    docs: { proxyDoc: [doc], protoDoc: [doc], returnsDoc: [] },
  };
}

/** Builds the settings members of a task service. */
export function buildTaskMembers(
  task: ScannedTask,
  prefix: string,
  chain: TypeMapperChain,
  registry: NamedTypeRegistry,
): TaskMembers {
  const taskName = task.taskClass.getName() ?? "Task";
  const anchor = task.taskClass.getNameNode() ?? task.taskClass;
  const settings = mapOrEmpty("Settings", task.settings, `${taskName}Settings`, `the settings of task \`${taskName}\``, anchor, chain, registry);
  const status = mapOrEmpty("Status", task.status, `${taskName}Status`, `the status of task \`${taskName}\``, anchor, chain, registry);
  const s = settings.name;
  const built = [
    method("getSettings", [], settings.type, false, prefix, `getSettings(): Promise<${s}>`, "The task's active settings."),
    method(
      "setSettings",
      [{ name: "settings", protoName: "settings", number: 1, type: settings.type, optional: false }],
      { kind: "void" },
      false,
      prefix,
      `setSettings(settings: ${s}): Promise<void>`,
      "Queue new settings; the task applies them at its next `updateSettings()`.",
    ),
    method(
      "getPendingSettings",
      [],
      settings.type,
      true,
      prefix,
      `getPendingSettings(): Promise<${s} | undefined>`,
      "The settings queued and not yet applied, if any.",
    ),
  ];
  return {
    methods: built.map((b) => b.descriptor),
    docs: built.map((b) => b.docs),
    signal: {
      name: "settingsUpdated",
      rpcName: "WatchSettings",
      eventType: `${prefix}SettingsEvent`,
      payload: settings.type,
      doc: "Every settings update the task applies from now on.",
    },
    subscribeRequestType: `${prefix}WatchSettingsRequest`,
    settingsName: settings.name,
    statusName: status.name,
  };
}

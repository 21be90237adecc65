/**
 * `qmi describe <context>[.<object>]`: what a running context hosts, from its `qmi.core.Context/Describe`.
 *
 * ```sh
 * npx qmi describe instr_server           # the context and its objects
 * npx qmi describe instr_server.nsg       # one object: methods with signatures and docs, signals, constants
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../runtime/config/config.ts";
import { QmiError, UnknownNameError, UsageError } from "../runtime/protocol/errors.ts";
import { PeerConnection, type DescribeAnswer } from "../runtime/client/peer-connection.ts";
import { resolveContextAddress } from "./context-address.ts";
import { PROCESS_OUTPUT, type CommandOutput } from "./command-output.ts";
import { loadSecuritySettings } from "../runtime/config/security-settings.ts";

const HELP = `Usage: qmi describe <context>[.<object>] [options]

Print what a running context hosts: its objects with class and gRPC service, or
for one object its RPC methods (signatures and docs), signals and constants.

Options:
      --address <host:port>  where the context serves; default from the
                             configuration, else found by discovery
  -t, --timeout <seconds>    how long to wait for the answer; default 5
      --config <file>        configuration file; default $QMI_CONFIG, else ~/qmi.conf
  -h, --help                 show this help
`;

type ObjectInfo = DescribeAnswer["objects"][number];

function indent(text: string, by: string): string[] {
  return text ? text.split("\n").map((line) => by + line) : [];
}

/** Who holds an object's lock (a context name, never the token), as the context tells it. */
function lockText(info: ObjectInfo): string {
  if (!info.locked) return "not locked";
  return info.locked_by ? `locked by ${info.locked_by}` : "locked by a client without a context name";
}

/** The text `qmi describe` prints for one object. */
export function formatObject(context: string, info: ObjectInfo): string {
  const lines = [`${context}.${info.name}: ${info.kind} ${info.class_name}`];
  lines.push(`  service: ${info.proto_service || "(none: reachable in-process only)"}`);
  lines.push(`  lock: ${lockText(info)}`);
  lines.push(...indent(info.doc, "  "), "", "  RPC methods:");
  for (const m of info.methods) lines.push(`    ${m.signature}   [rpc ${m.rpc_name}]`, ...indent(m.doc, "        "));
  if (info.signals.length > 0) {
    lines.push("", "  Signals:");
    for (const s of info.signals) lines.push(`    ${s.name}   [rpc ${s.rpc_name}]`, ...indent(s.doc, "        "));
  }
  if (info.constants.length > 0) {
    lines.push("", "  Constants:");
    for (const c of info.constants) lines.push(`    ${c.name}: ${c.type} = ${c.value_json}`, ...indent(c.doc, "        "));
  }
  return lines.join("\n") + "\n";
}

/** The text `qmi describe` prints for a context. */
export function formatContext(address: string, answer: DescribeAnswer): string {
  const lines = [`${answer.name} at ${address}: qmi-ts ${answer.version}, workgroup ${answer.workgroup}, pid ${answer.pid}`];
  if (answer.objects.length === 0) lines.push("  (no objects)");
  for (const o of answer.objects) {
    lines.push(`  ${o.name.padEnd(16)} ${o.kind.padEnd(10)} ${o.class_name}  ${o.proto_service}${o.locked ? `  (${lockText(o)})` : ""}`);
  }
  return lines.join("\n") + "\n";
}

/** Runs `qmi describe` with `argv`, printing to `output`; resolves with the exit code. */
export async function runDescribe(argv: readonly string[], output: CommandOutput = PROCESS_OUTPUT): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        address: { type: "string" },
        timeout: { type: "string", short: "t" },
        config: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    output.err(`qmi describe: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(HELP);
    return 0;
  }
  const target = positionals[0];
  if (positionals.length !== 1 || !target || !/^[^.]+(\.[^.]+)?$/.test(target)) {
    output.err(`qmi describe: expected one <context> or <context>.<object>\n\n${HELP}`);
    return 2;
  }
  const [contextName, objectName] = target.split(".") as [string, string | undefined];
  let peer: PeerConnection | undefined;
  try {
    const timeout = Number(values.timeout ?? 5);
    if (!(timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, found ${values.timeout}`);
    const loaded = loadConfig(values.config);
    const address = await resolveContextAddress(contextName, values.address, loaded.config);
    peer = new PeerConnection(contextName, address, "qmi-cli", loadSecuritySettings(loaded.config, loaded.path));
    const answer = await peer.describe(Date.now() + timeout * 1000);
    if (answer.name !== contextName) throw new UnknownNameError(`The context at ${address} is named ${answer.name}, not ${contextName}`);
    if (objectName === undefined) {
      output.out(formatContext(address, answer));
    } else {
      const info = answer.objects.find((o) => o.name === objectName);
      if (!info) {
        const known = answer.objects.map((o) => o.name).join(", ") || "none";
        throw new UnknownNameError(`Context ${contextName} has no object named ${objectName} (objects: ${known})`);
      }
      output.out(formatObject(contextName, info));
    }
    return 0;
  } catch (error) {
    const qmiError = QmiError.from(error);
    output.err(`qmi describe: ${qmiError.name}: ${qmiError.message}\n`);
    return 1;
  } finally {
    peer?.close();
  }
}

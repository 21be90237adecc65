/**
 * `qmi call <context>.<object>.<method> [args...]`: calls any RPC method of a running context, with no code and
 * no generated files — the request is encoded from the `.proto` the context serves by gRPC reflection.
 *
 * ```sh
 * npx qmi call instr_server.nsg.open
 * npx qmi call instr_server.nsg.setAmplitude 42
 * npx qmi call instr_server.nsg.getSample
 * ```
 *
 * Each argument is read as JSON when it parses (`42`, `true`, `[1,2]`, `{"a":1}`, `"text"`), else as a string;
 * arguments fill the method's parameters in order; a `Record` parameter takes a JSON object. The result is printed
 * as JSON.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { MessageTypeDefinition, MethodDefinition } from "@grpc/proto-loader";
import { loadConfig } from "../config.ts";
import { InvalidArgumentError, QmiError, UnknownNameError, UsageError } from "../errors.ts";
import { CONTEXT_METADATA, LOCK_TOKEN_METADATA, OBJECT_METADATA } from "../object-service.ts";
import { PeerConnection } from "../peer-connection.ts";
import { fetchDefinitions } from "../reflection-client.ts";
import { fromStatus } from "../status-mapping.ts";
import { loadSecuritySettings, securedClient, type SecuritySettings } from "../security-settings.ts";
import { resolveContextAddress } from "./context-address.ts";

const HELP = `Usage: qmi call <context>.<object>.<method> [args...] [options]

Call an RPC method of a running context and print the result as JSON. The
request is built from the .proto the context serves (gRPC reflection), so no
code or generated files are needed. Each argument is JSON when it parses
(42, true, [1,2], {"a":1}, "text"), else a plain string; arguments fill the
method's parameters in order. Dates: an ISO string; records: a JSON object.

Options:
      --address <host:port>  where the context serves; default from the
                             configuration, else found by discovery
  -t, --timeout <seconds>    deadline of the call; default 30
      --lock-token <token>   the lock token to carry (qmi-lock-token)
      --config <file>        configuration file; default $QMI_CONFIG, else ~/qmi.conf
  -h, --help                 show this help

Exit status: 0 on success, 1 when the call failed (the error class and
message are printed), 2 on bad usage.
`;

type Message = Record<string, unknown>;

interface FieldInfo {
  readonly name: string;
  readonly number: number;
  readonly typeName?: string;
  /** A `map<K, V>` field: on the wire (and in a message decoded from reflection) a list of `{ key, value }`. */
  readonly isMap: boolean;
}

/** The parts of a message's `DescriptorProto` (as reflection gives it) that tell its fields apart. */
interface MessageDescriptor {
  readonly field?: { name: string; number: number; label?: string; typeName?: string }[];
  readonly nestedType?: { name: string; options?: { mapEntry?: boolean } | null }[];
}

/** The fields of a message type, in field-number order, each marked when it is a map. */
function fieldsOf(messageType: unknown): FieldInfo[] {
  const type = (messageType as MessageTypeDefinition<Message, Message>).type as MessageDescriptor;
  const mapEntries = new Set((type.nestedType ?? []).filter((n) => n.options?.mapEntry === true).map((n) => n.name));
  return [...(type.field ?? [])]
    .sort((a, b) => a.number - b.number)
    .map((f) => ({
      name: f.name,
      number: f.number,
      typeName: f.typeName,
      isMap: f.label === "LABEL_REPEATED" && mapEntries.has((f.typeName ?? "").split(".").pop()!),
    }));
}

/** Reads one command-line argument: JSON when it parses, else the text itself. */
export function parseArgument(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toWire(value: unknown, field: FieldInfo): unknown {
  if (field.isMap) {
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      throw new InvalidArgumentError(`Argument ${field.name}: expected a JSON object such as {"a": 1}, found ${JSON.stringify(value)}`);
    }
    return Object.entries(value).map(([key, item]) => ({ key, value: item }));
  }
  if (field.typeName?.endsWith("google.protobuf.Timestamp") && typeof value === "string") {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new InvalidArgumentError(`Argument ${field.name}: ${JSON.stringify(value)} is not a date`);
    const seconds = Math.floor(ms / 1000);
    return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
  }
  return value;
}

/** A map field as decoded from reflection (a list of `{ key, value }`) back to an object. */
function fromWire(value: unknown, field: FieldInfo | undefined): unknown {
  if (!field?.isMap || !Array.isArray(value)) return value;
  return Object.fromEntries((value as { key: unknown; value: unknown }[]).map((entry) => [String(entry.key), entry.value]));
}

/** JSON for printing: Timestamps as ISO strings, bytes as base64. */
function printable(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (Array.isArray(value)) return value.map(printable);
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([key]) => !key.startsWith("_"));
    if (entries.length === 2 && "seconds" in value && "nanos" in value) {
      const { seconds, nanos } = value as { seconds: string; nanos: number };
      return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1e6)).toISOString();
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, printable(item)]));
  }
  return value;
}

/** Options that take a value, so the token after them is not an argument of the call. */
const valueOptions = new Set(["--address", "--timeout", "-t", "--lock-token", "--config"]);

/** Moves negative numbers (`-5`, `-1.5e3`) behind `--`, so they are read as arguments, not as options. */
export function separateNegativeNumbers(argv: readonly string[]): string[] {
  const options: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (/^-\d/.test(token) || !token.startsWith("-")) positionals.push(token);
    else {
      options.push(token);
      if (valueOptions.has(token) && i + 1 < argv.length) options.push(argv[++i]!);
    }
  }
  return [...options, "--", ...positionals];
}

/** Runs `qmi call` with `argv`; resolves with the exit code. */
export async function runCall(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: separateNegativeNumbers(argv),
      allowPositionals: true,
      options: {
        address: { type: "string" },
        timeout: { type: "string", short: "t" },
        "lock-token": { type: "string" },
        config: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    process.stderr.write(`qmi call: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [target, ...rawArgs] = positionals;
  const match = target ? /^([^.]+)\.([^.]+)\.([^.]+)$/.exec(target) : null;
  if (!match) {
    process.stderr.write(`qmi call: expected <context>.<object>.<method> first\n\n${HELP}`);
    return 2;
  }
  const [, contextName, objectName, methodName] = match as unknown as [string, string, string, string];
  let peer: PeerConnection | undefined;
  try {
    const timeout = Number(values.timeout ?? 30);
    if (!(timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, found ${values.timeout}`);
    const deadline = Date.now() + timeout * 1000;
    const loaded = loadConfig(values.config);
    const security = loadSecuritySettings(loaded.config, loaded.path);
    const address = await resolveContextAddress(contextName, values.address, loaded.config);
    peer = new PeerConnection(contextName, address, "qmi-cli", security);
    const answer = await peer.describe(deadline);
    const info = answer.objects.find((o) => o.name === objectName);
    if (!info) {
      const known = answer.objects.map((o) => o.name).join(", ") || "none";
      throw new UnknownNameError(`Context ${contextName} has no object named ${objectName} (objects: ${known})`);
    }
    const method = info.methods.find((m) => m.name === methodName || m.rpc_name === methodName);
    if (!method) {
      const known = info.methods.map((m) => m.name).join(", ");
      throw new UnknownNameError(`${contextName}.${objectName} has no RPC method ${methodName} (methods: ${known})`);
    }
    if (!info.proto_service) throw new UnknownNameError(`${contextName}.${objectName} has no gRPC service (not generated)`);
    const definitions = await fetchDefinitions(address, info.proto_service, { keepCase: true, longs: String, enums: String, defaults: true }, timeout, security);
    const rpc = (definitions[info.proto_service] as Record<string, MethodDefinition<Message, Message>>)[method.rpc_name]!;
    const fields = fieldsOf(rpc.requestType);
    if (rawArgs.length > fields.length) {
      throw new InvalidArgumentError(`${method.signature} takes at most ${fields.length} arguments, got ${rawArgs.length}`);
    }
    const request: Message = {};
    rawArgs.forEach((text, i) => (request[fields[i]!.name] = toWire(parseArgument(text), fields[i]!)));
    const response = await unary(address, rpc, request, objectName, values["lock-token"], deadline, security);
    const result = fieldsOf(rpc.responseType).find((f) => f.name === "value");
    if ("value" in response) process.stdout.write(JSON.stringify(printable(fromWire(response.value, result))) + "\n");
    return 0;
  } catch (error) {
    const qmiError = QmiError.from(error);
    process.stderr.write(`qmi call: ${qmiError.name}: ${qmiError.message}\n`);
    return 1;
  } finally {
    peer?.close();
  }
}

function unary(
  address: string,
  rpc: MethodDefinition<Message, Message>,
  request: Message,
  object: string,
  lockToken: string | undefined,
  deadline: number,
  security: SecuritySettings,
): Promise<Message> {
  const client = securedClient(address, security);
  const metadata = new Metadata();
  metadata.set(OBJECT_METADATA, object);
  metadata.set(CONTEXT_METADATA, "qmi-cli");
  if (lockToken) metadata.set(LOCK_TOKEN_METADATA, lockToken);
  return new Promise<Message>((resolve, reject) => {
    let serialized: Buffer;
    try {
      serialized = rpc.requestSerialize(request);
    } catch (error) {
      client.close();
      return reject(new InvalidArgumentError(`Cannot encode the arguments: ${(error as Error).message}`));
    }
    client.makeUnaryRequest(rpc.path, (b: Buffer) => b, rpc.responseDeserialize, serialized, metadata, { deadline }, (error: ServiceError | null, response?: Message) => {
      client.close();
      if (error) reject(fromStatus(error, `${rpc.path}`));
      else resolve(response ?? {});
    });
  });
}

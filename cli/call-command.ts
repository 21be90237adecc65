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
 * Arguments fill the method's parameters in order, each read as its parameter's type from the context's
 * descriptor: a number, integer, `true`/`false`, an enum name, a string as given, base64 bytes, an ISO 8601 date,
 * or JSON for an object, list or record (whose values are checked alike). An argument that does not fit is refused
 * before the call is made, naming the parameter and its type (`qmi call: argument frequency: expected a double, got
 * "five"`, exit status 2); the rules are in `reflected-values.ts`. The result is printed as JSON.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import { loadConfig } from "../runtime/config/config.ts";
import { InvalidArgumentError, QmiError, UnknownNameError, UsageError } from "../runtime/protocol/errors.ts";
import { PeerConnection } from "../runtime/client/peer-connection.ts";
import { fetchDefinitions } from "../runtime/client/reflection-client.ts";
import { fromStatus } from "../runtime/protocol/status-mapping.ts";
import { loadSecuritySettings, securedClient, type SecuritySettings } from "../runtime/config/security-settings.ts";
import { resolveContextAddress } from "./context-address.ts";
import { PROCESS_OUTPUT, type CommandOutput } from "./command-output.ts";
import { ArgumentError, ReflectedTypes } from "./reflected-values.ts";
import { CONTEXT_METADATA, LOCK_TOKEN_METADATA, OBJECT_METADATA } from "../runtime/protocol/metadata-keys.ts";

const HELP = `Usage: qmi call <context>.<object>.<method> [args...] [options]

Call an RPC method of a running context and print the result as JSON. The
request is built from the .proto the context serves (gRPC reflection), so no
code or generated files are needed. Arguments fill the method's parameters in
order, each read as its parameter's type:
  numbers      42, -1.5e3 (finite; NaN, Infinity, -Infinity only as these words)
  integers     digits and a sign, within the type's range (64-bit exact)
  booleans     true or false
  enums        one of the enum's names, e.g. WAVEFORM_SQUARE
  strings      the text as given
  bytes        base64
  dates        ISO 8601, e.g. 2026-01-02T03:04:05Z (no offset: local time)
  objects, lists, records: JSON, e.g. {"made_at": "2026-01-02T03:04:05Z"}
               (fields by their .proto names, values checked alike)
An argument that does not fit is refused before the call, naming the
parameter and its type (exit status 2).

Options:
      --address <host:port>  where the context serves; default from the
                             configuration, else found by discovery
  -t, --timeout <seconds>    deadline of the call; default 30
      --lock-token <token>   the lock token to carry (qmi-lock-token)
      --config <file>        configuration file; default $QMI_CONFIG, else ~/qmi.conf
  -h, --help                 show this help

Exit status: 0 on success, 1 when the call failed (the error class and
message are printed), 2 on bad usage or an argument that does not fit.
`;

type Message = Record<string, unknown>;

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

/** Moves negative numbers (`-5`, `-1.5e3`, `-.5`, `-Infinity`) behind `--`, so they are read as arguments, not as options. */
export function separateNegativeNumbers(argv: readonly string[]): string[] {
  const options: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (/^-(?:\.?\d|Infinity$)/.test(token) || !token.startsWith("-")) positionals.push(token);
    else {
      options.push(token);
      if (valueOptions.has(token) && i + 1 < argv.length) options.push(argv[++i]!);
    }
  }
  return [...options, "--", ...positionals];
}

/** Runs `qmi call` with `argv`, printing to `output`; resolves with the exit code. */
export async function runCall(argv: readonly string[], output: CommandOutput = PROCESS_OUTPUT): Promise<number> {
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
    output.err(`qmi call: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(HELP);
    return 0;
  }
  const [target, ...rawArgs] = positionals;
  const match = target ? /^([^.]+)\.([^.]+)\.([^.]+)$/.exec(target) : null;
  if (!match) {
    output.err(`qmi call: expected <context>.<object>.<method> first\n\n${HELP}`);
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
    const types = new ReflectedTypes(definitions);
    const fields = types.fieldsOf(rpc.requestType, info.proto_service);
    if (rawArgs.length > fields.length) {
      output.err(`qmi call: ${method.signature} takes at most ${fields.length} arguments, got ${rawArgs.length}\n`);
      return 2;
    }
    // Every argument is checked before the call is made.
    const request: Message = {};
    rawArgs.forEach((text, i) => (request[fields[i]!.name] = types.fromText(text, fields[i]!, fields[i]!.name)));
    const response = await unary(address, rpc, request, objectName, values["lock-token"], deadline, security);
    const result = types.fieldsOf(rpc.responseType, info.proto_service).find((f) => f.name === "value");
    if ("value" in response) output.out(JSON.stringify(printable(types.fromWire(response.value, result))) + "\n");
    return 0;
  } catch (error) {
    if (error instanceof ArgumentError) {
      output.err(`qmi call: ${error.message}\n`);
      return 2;
    }
    const qmiError = QmiError.from(error);
    output.err(`qmi call: ${qmiError.name}: ${qmiError.message}\n`);
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

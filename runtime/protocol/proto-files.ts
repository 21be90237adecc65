/**
 * Loads `.proto` files with the options the codec expects, once each: the text a generated module registered
 * ({@link registerProtoSource}), so that a project's generated code needs no file at run time, else the file
 * under an idl root (the package's own `idl/`, which holds the core services).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromJSON, loadSync, type Options, type PackageDefinition, type ServiceDefinition } from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { NotGeneratedError } from "./errors.ts";
import { CORE_PROTOS } from "./core-services.ts";
import { encodedService, strictPackage } from "./strict-requests.ts";

/** The package's own `idl/` folder: beside `runtime/` in the sources, beside `dist/` in the compiled package. */
export const IDL_ROOT = fileURLToPath(
  existsSync(new URL("../../idl/qmi/core/", import.meta.url)) ? new URL("../../idl/", import.meta.url) : new URL("../../../idl/", import.meta.url),
);

const includeDirs = [IDL_ROOT];

/** Options matching the codec: snake_case fields, 64-bit integers and enums as strings, defaults filled in. */
const loadOptions: Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

const cache = new Map<string, PackageDefinition>();

/** `.proto` texts registered by generated modules, by path relative to an idl root. */
const sources = new Map<string, string>();

/**
 * Makes `source` the text of `protoFile` (a path relative to an idl root, e.g.
 * `acme/drivers/acme/psu.proto`): generated modules call this when imported. The first registration wins.
 * @internal
 */
export function registerProtoSource(protoFile: string, source: string): void {
  if (!sources.has(protoFile)) sources.set(protoFile, source);
}

/** Parses a registered `.proto` text; its imports must be well-known types (`google/protobuf/*.proto`). */
function definitionOfSource(source: string): PackageDefinition {
  const root = new protobuf.Root();
  const { imports = [] } = protobuf.parse(source, root, { keepCase: true });
  for (const name of imports) {
    const common = protobuf.common.get(name);
    if (!common?.nested) throw new Error(`it imports ${name}, which is not a well-known type`);
    root.addJSON(common.nested);
  }
  return fromJSON(root.toJSON(), loadOptions);
}

/** The package definition of `protoFile` (relative to an idl root), messages as proto-loader's objects. */
export function loadProtoFile(protoFile: string): PackageDefinition {
  let definition = cache.get(protoFile);
  if (!definition) {
    try {
      // Strict request deserializers here, so that the unary handlers and the channel's routes share them.
      const source = sources.get(protoFile);
      const loaded = source === undefined ? loadSync(protoFile, { ...loadOptions, includeDirs }) : definitionOfSource(source);
      definition = strictPackage(loaded);
    } catch (error) {
      throw new NotGeneratedError(`Cannot load ${protoFile}: ${(error as Error).message}; run \`qmi gen\``, {
        cause: error,
      });
    }
    cache.set(protoFile, definition);
  }
  return definition;
}

/**
 * The `.proto` files of the package's own idl folder, loaded together, for server reflection only: proto-loader
 * names a file descriptor after its package (`qmi_core.proto`), so files of one package loaded one by one would
 * hide each other from reflection (which keeps the first descriptor of a name); loaded together they form one
 * descriptor with every service.
 */
export function loadTogetherForReflection(protoFiles: readonly string[]): PackageDefinition {
  return loadSync([...protoFiles], { ...loadOptions, includeDirs });
}

/** The gRPC service definition of `protoService` in `protoFile`. */
export function loadService(protoFile: string, protoService: string): ServiceDefinition {
  const service = loadProtoFile(protoFile)[protoService];
  if (!service || "format" in service) {
    throw new NotGeneratedError(`${protoFile} defines no service ${protoService}; run \`qmi gen\``);
  }
  return service as ServiceDefinition;
}

const encodedCache = new Map<string, ServiceDefinition>();

/**
 * The definition qmi-ts itself calls and serves `protoService` with: a core service's messages as proto-loader's
 * objects ({@link loadService}), a generated service's as their bytes (`EncodedMessage`), which `codec.ts` reads
 * and writes straight from the service's descriptor.
 */
export function loadCallService(protoFile: string, protoService: string): ServiceDefinition {
  if (CORE_PROTOS.includes(protoFile)) return loadService(protoFile, protoService);
  const key = `${protoFile}\n${protoService}`;
  let service = encodedCache.get(key);
  if (!service) {
    service = encodedService(loadService(protoFile, protoService) as Parameters<typeof encodedService>[0]) as ServiceDefinition;
    encodedCache.set(key, service);
  }
  return service;
}

/**
 * Loads `.proto` files from `idl/` with the options the codec expects, once each.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { loadSync, type Options, type PackageDefinition, type ServiceDefinition } from "@grpc/proto-loader";
import { NotGeneratedError } from "./errors.ts";
import { strictPackage } from "./strict-requests.ts";

/** The package's own `idl/` folder. */
export const IDL_ROOT = fileURLToPath(new URL("../idl/", import.meta.url));

const includeDirs = [IDL_ROOT];

/** Options matching the codec: snake_case fields, 64-bit integers and enums as strings, defaults filled in. */
const loadOptions: Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

const cache = new Map<string, PackageDefinition>();

/** Adds a folder searched for `.proto` files (a project's own `idl/`). */
export function addIdlRoot(dir: string): void {
  if (!includeDirs.includes(dir)) includeDirs.unshift(dir);
}

/** The package definition of `protoFile` (relative to an idl root). */
export function loadProtoFile(protoFile: string): PackageDefinition {
  let definition = cache.get(protoFile);
  if (!definition) {
    try {
      // Strict request deserializers here, so that the unary handlers and the channel's routes share them.
      definition = strictPackage(loadSync(protoFile, { ...loadOptions, includeDirs }));
    } catch (error) {
      throw new NotGeneratedError(`Cannot load ${protoFile}: ${(error as Error).message}; run \`qmi gen\``, {
        cause: error,
      });
    }
    cache.set(protoFile, definition);
  }
  return definition;
}

/** The gRPC service definition of `protoService` in `protoFile`. */
export function loadService(protoFile: string, protoService: string): ServiceDefinition {
  const service = loadProtoFile(protoFile)[protoService];
  if (!service || "format" in service) {
    throw new NotGeneratedError(`${protoFile} defines no service ${protoService}; run \`qmi gen\``);
  }
  return service as ServiceDefinition;
}

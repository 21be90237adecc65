/**
 * A client of gRPC server reflection: fetches the `.proto` definitions a context serves, so a generic tool can
 * encode calls to services it has no generated code for (`qmi call`).
 *
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  loadFileDescriptorSetFromBuffer,
  loadSync,
  type MethodDefinition,
  type Options,
  type PackageDefinition,
} from "@grpc/proto-loader";
import { ConnectionError, UnknownNameError } from "../protocol/errors.ts";
import { fromStatus } from "../protocol/status-mapping.ts";
import { INSECURE, securedClient, type SecuritySettings } from "../config/security-settings.ts";

type Message = Record<string, unknown>;

const REFLECTION_SERVICE = "grpc.reflection.v1.ServerReflection";

function reflectionMethod(): MethodDefinition<Message, Message> {
  const packageDir = dirname(createRequire(import.meta.url).resolve("@grpc/reflection"));
  const definition = loadSync("grpc/reflection/v1/reflection.proto", {
    includeDirs: [join(packageDir, "..", "proto")],
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  return (definition[REFLECTION_SERVICE] as Record<string, MethodDefinition<Message, Message>>).ServerReflectionInfo!;
}

/** Wraps serialized FileDescriptorProtos into a FileDescriptorSet (field 1, repeated). */
function fileDescriptorSet(files: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    let length = file.length;
    const varint: number[] = [];
    do {
      varint.push((length & 0x7f) | (length > 0x7f ? 0x80 : 0));
      length >>>= 7;
    } while (length > 0);
    parts.push(Buffer.from([0x0a, ...varint]), Buffer.from(file));
  }
  return Buffer.concat(parts);
}

/**
 * The package definition of the file defining `symbol` (a fully qualified service name) and its dependencies, as
 * served by the reflection service at `address`; loaded with `options`.
 */
export function fetchDefinitions(
  address: string,
  symbol: string,
  options: Options,
  timeoutSeconds = 5,
  security: SecuritySettings = INSECURE,
): Promise<PackageDefinition> {
  const method = reflectionMethod();
  const client = securedClient(address, security);
  return new Promise<PackageDefinition>((resolve, reject) => {
    const stream = client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, new Metadata(), {
      deadline: Date.now() + timeoutSeconds * 1000,
    });
    const finish = (outcome: () => void) => {
      stream.removeAllListeners();
      stream.on("error", () => undefined);
      stream.cancel();
      client.close();
      outcome();
    };
    stream.on("data", (response: Message) => {
      const files = (response.file_descriptor_response as { file_descriptor_proto?: Uint8Array[] } | undefined)?.file_descriptor_proto;
      const error = response.error_response as { error_message?: string } | undefined;
      if (files && files.length > 0) {
        finish(() => resolve(loadFileDescriptorSetFromBuffer(fileDescriptorSet(files), options)));
      } else {
        const message = error?.error_message || "no such symbol";
        finish(() => reject(new UnknownNameError(`The context at ${address} serves no ${symbol} (${message})`)));
      }
    });
    stream.on("error", (error: ServiceError) =>
      finish(() => reject(error.code === undefined ? new ConnectionError(error.message) : fromStatus(error, `Reflection at ${address}`))),
    );
    stream.write({ file_containing_symbol: symbol });
  });
}

/**
 * A context's resolved security settings: the PEM files and token of the configuration's `security` section,
 * read once at start (paths relative to the configuration file), and the gRPC credentials built from them.
 *
 * ```json5
 * security: {
 *   tls: { cert: "lab.crt", key: "lab.key", ca: "lab-ca.crt", require_client_cert: true },
 *   token_file: "lab.token",      // or token: "at least 16 characters"
 *   max_message_bytes: 4194304,   // the default
 * }
 * ```
 *
 * The same settings serve both sides: the server presents `cert` and checks clients against `ca` (mutual TLS when
 * `require_client_cert`), connections to peers check the peer against `ca` and present `cert` too. A context
 * with a token refuses every call and stream that does not carry it (`UnauthenticatedError`), and sends it on
 * every call and stream it makes.
 *
 * @module
 */
import type { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ChannelCredentials, Client, credentials, type ClientOptions } from "@grpc/grpc-js";
import { tokenInterceptor } from "../protocol/auth-token.ts";
import { TOKEN_PHRASE, isWellFormedToken, type QmiConfig } from "./config-schema.ts";
import { UsageError } from "../protocol/errors.ts";
import { checkTlsFiles } from "./tls-problems.ts";

/** Largest message a context accepts unless `security.max_message_bytes` says otherwise (grpc-js's default). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The PEM contents of `security.tls`. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Undefined: the system's root certificates. */
  readonly ca: Buffer | undefined;
  readonly requireClientCert: boolean;
  /** Name expected in peers' certificates, when it differs from the host connected to. */
  readonly serverName: string | undefined;
  /** `cert` parsed (checked at load: valid now, `key` is its key); undefined when the material was not loaded from files. */
  readonly certificate?: X509Certificate;
}

/** Resolved security settings of a context (or of a CLI command acting as a client). */
export interface SecuritySettings {
  /** TLS material; undefined for plaintext. */
  readonly tls: TlsMaterial | undefined;
  /** The shared-secret token; undefined when calls need none. */
  readonly token: string | undefined;
  /** Largest message accepted, bytes. */
  readonly maxMessageBytes: number;
}

/** No TLS, no token, the default message limit: what a context without a `security` section uses. */
export const INSECURE: SecuritySettings = { tls: undefined, token: undefined, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES };

/**
 * Reads the files `config.security` names (relative to the folder of `configPath`, or the working directory), and
 * checks the TLS files as `tls-problems.ts` does (a certificate valid now, its own key, a CA file of certificates).
 * Throws a {@link UsageError} naming the key and the file that cannot be read or holds no usable value.
 */
export function loadSecuritySettings(config: QmiConfig, configPath: string | undefined): SecuritySettings {
  const security = config.security;
  if (!security) return INSECURE;
  const base = configPath ? dirname(configPath) : process.cwd();
  const where = configPath ? ` (in ${configPath})` : "";
  const read = (key: string, file: string): Buffer => {
    const path = resolve(base, file);
    try {
      return readFileSync(path);
    } catch (error) {
      throw new UsageError(`Cannot read ${key} ${path}${where}: ${(error as Error).message}; fix the path or create the file`, {
        cause: error,
      });
    }
  };
  const pem = (key: string, file: string): Buffer => {
    const content = read(key, file);
    if (!content.includes("-----BEGIN ")) {
      throw new UsageError(`${key} ${resolve(base, file)}${where} is not a PEM file (no "-----BEGIN" line); give a PEM file`);
    }
    return content;
  };
  let token = security.token;
  if (security.token_file !== undefined) {
    token = read("security.token_file", security.token_file).toString("utf8").split(/\r?\n/)[0]!.trim();
    if (!isWellFormedToken(token)) {
      throw new UsageError(
        `security.token_file ${resolve(base, security.token_file)}${where} must hold ${TOKEN_PHRASE} on its first line ` +
          `(found ${token.length} characters); e.g. \`openssl rand -hex 24 > ${security.token_file}\``,
      );
    }
  }
  let tls: TlsMaterial | undefined;
  if (security.tls) {
    const file = (key: string, path: string) => ({ path: resolve(base, path), pem: pem(key, path) });
    const files = {
      cert: file("security.tls.cert", security.tls.cert),
      key: file("security.tls.key", security.tls.key),
      ca: security.tls.ca === undefined ? undefined : file("security.tls.ca", security.tls.ca),
    };
    tls = {
      cert: files.cert.pem,
      key: files.key.pem,
      ca: files.ca?.pem,
      requireClientCert: security.tls.require_client_cert ?? false,
      serverName: security.tls.server_name,
      certificate: checkTlsFiles(files, where),
    };
  }
  return { tls, token, maxMessageBytes: security.max_message_bytes ?? DEFAULT_MAX_MESSAGE_BYTES };
}

/** The credentials of a connection to a peer: plaintext, or TLS presenting this context's certificate. */
export function channelCredentials(settings: SecuritySettings): ChannelCredentials {
  const tls = settings.tls;
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(tls.ca ?? null, tls.key, tls.cert);
}

/** Channel options the settings imply: the message limit and the expected certificate name. */
function securityChannelOptions(settings: SecuritySettings): Record<string, string | number> {
  const options: Record<string, string | number> = { "grpc.max_receive_message_length": settings.maxMessageBytes };
  if (settings.tls?.serverName !== undefined) options["grpc.ssl_target_name_override"] = settings.tls.serverName;
  return options;
}

/** Client options carrying `settings`: the message limit, the certificate name and the token interceptor. */
export function securityClientOptions(settings: SecuritySettings): ClientOptions {
  const options: ClientOptions = securityChannelOptions(settings);
  if (settings.token !== undefined) options.interceptors = [tokenInterceptor(settings.token)];
  return options;
}

/** A grpc-js client of `address` with the credentials, limits and token of `settings` (for CLI commands). */
export function securedClient(address: string, settings: SecuritySettings): Client {
  return new Client(address, channelCredentials(settings), securityClientOptions(settings));
}

/**
 * The keys of the configuration file and their strict schema (zod). Every key is optional; defaults are applied
 * where a setting is used, so a loaded {@link QmiConfig} is exactly what the file says. Unknown keys, wrong
 * types and values out of range are errors (see `config.ts` for how they are reported).
 *
 * Each schema carries, as its error message, the phrase that completes "expected ...", e.g.
 * `contexts.a.tcp_server_port: expected an integer port number in [0, 65535], found "forty"`.
 *
 * @module
 */
import { z } from "zod";

/** A log level name, any case: `DEBUG`, `INFO`, `WARNING` (or `WARN`), `ERROR` (or `CRITICAL`). */
type LogLevelName = string;

/** `logging`: console and file logging (QMI's keys). */
export interface LoggingConfig {
  /** Level of the log file; default `INFO`. */
  readonly loglevel?: LogLevelName;
  /** Level of the console (stderr); default `WARNING` (warnings and errors only). */
  readonly console_loglevel?: LogLevelName;
  /** Log file, absolute or relative to `log_dir`; no file is written unless this is set. */
  readonly logfile?: string;
  /** Per-module levels, e.g. `{ "qmi.core.discovery": "DEBUG" }`; a name also covers its `.`-children. */
  readonly loglevels?: Readonly<Record<string, LogLevelName>>;
  /** Most lines per second written to the file on average, at most 1,000,000 (`null` or absent: no limit). */
  readonly rate_limit?: number | null;
  /** Lines the file may take in a burst above `rate_limit`, 1 to 1,000,000; default 1. */
  readonly burst_limit?: number;
  /** Size in bytes at which the log file is rotated, 1 KiB to 1 TiB; default 10 MiB. */
  readonly max_bytes?: number;
  /**
   * Rotated files kept (`qmi.log.1` ... `qmi.log.<n>`), 0 to 1000; default 5. Bounded because every rotation
   * renames each of them in turn: a million would stall the process on every rotation.
   */
  readonly backup_count?: number;
}

/** Settings of one context (`contexts.<name>`). */
export interface ContextConfig {
  /** Address the context's server binds, at most 253 characters (a DNS name's limit); default 127.0.0.1. */
  readonly host?: string;
  /** TCP port of the context's server; default 0 (ephemeral). */
  readonly tcp_server_port?: number;
  /** Contexts to connect to when this context starts (each configured with a `tcp_server_port`). */
  readonly connect_to_peers?: readonly string[];
  /** True to let the process manager start this context. */
  readonly enabled?: boolean;
  /** The program the process manager runs for this context (a `.ts` file or module); required when enabled. */
  readonly program_module?: string;
  /** Arguments passed to the program. */
  readonly program_args?: readonly string[];
  /** Working directory of the program; default the directory of the configuration file. */
  readonly working_dir?: string;
  /** Extra environment variables of the program. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Process management of one host (`process_management.hosts.<host>`). */
export interface ProcessHostConfig {
  /** Command that runs the process-management server on that host. */
  readonly server_command?: string;
  /** Host name for SSH; default the host address. */
  readonly ssh_host?: string;
  /** User name for SSH; default the current user. */
  readonly ssh_user?: string;
  /** TCP port of the host's SSH server; default ssh's own (22). */
  readonly ssh_port?: number;
  /** Extra `ssh` arguments, e.g. `["-i", "/home/me/.ssh/lab_key"]`. */
  readonly ssh_options?: readonly string[];
}

/** `process_management`. */
export interface ProcessManagementConfig {
  /** Directory for the output files of managed processes; default `qmi_home`. */
  readonly output_dir?: string;
  /** Per-host settings, by host address. */
  readonly hosts?: Readonly<Record<string, ProcessHostConfig>>;
}

/** `discovery`: how contexts find each other over UDP (see the README's "Discovery scope"). */
export interface DiscoveryConfig {
  /** False: this context neither answers discovery queries nor needs the discovery port; default true. */
  readonly enabled?: boolean;
  /** UDP port of discovery; default 35998. */
  readonly port?: number;
  /**
   * IPv4 address queries are sent to besides loopback, e.g. a LAN's broadcast address `192.168.1.255`. Naming
   * one widens the scope to the LAN: this context then also answers queries arriving from the network.
   */
  readonly address?: string;
  /**
   * Seconds to collect answers, at most 60; default 0.5. (Timers of more than 2^31-1 ms, about 24.8 days, would
   * fire at once, and answers on a LAN take milliseconds.)
   */
  readonly timeout?: number;
}

/** `dashboard`: where `qmi dashboard` serves its page (see the README's "The dashboard"). */
export interface DashboardConfig {
  /** The address to serve on; default 127.0.0.1 (this machine only). */
  readonly host?: string;
  /** The port; default 8420, 0 for any free one. */
  readonly port?: number;
}

/** `security.tls`: TLS of the context's server and of its connections to peers (PEM files). */
export interface TlsConfig {
  /** Certificate chain of this context (server, and client with mutual TLS); relative to the config file. */
  readonly cert: string;
  /** Private key of `cert`; relative to the config file. */
  readonly key: string;
  /** CA certificate(s) peers' certificates are checked against; default the system's roots. */
  readonly ca?: string;
  /** True: the server accepts only clients presenting a certificate signed by `ca` (mutual TLS). */
  readonly require_client_cert?: boolean;
  /** Name expected in peers' certificates when it differs from the host connected to. */
  readonly server_name?: string;
}

/** `security`: TLS, the shared-secret token and the message size limit (see the README's "Security"). */
export interface SecurityConfig {
  readonly tls?: TlsConfig;
  /**
   * Shared secret every call and stream must carry (`qmi-auth-token` metadata): 16 to 1024 printable ASCII
   * characters, no leading or trailing space. gRPC metadata values can hold nothing else (grpc-js refuses every
   * call otherwise, quoting the value in its error); every call carries it in its headers, and 1024 characters are
   * far more than a secret needs.
   */
  readonly token?: string;
  /** File holding the token (first line; relative to the config file); the alternative to `token`. */
  readonly token_file?: string;
  /**
   * Largest request or response accepted, bytes, 1 KiB to 1 GiB; default 4 MiB. Larger ones fail with
   * RESOURCE_EXHAUSTED. grpc-js takes its limits as an int32 (at most 2^31-1); 1 GiB stays well inside that, and a
   * message that size already costs several times as much memory once buffered and decoded.
   */
  readonly max_message_bytes?: number;
}

/** The configuration, as read from the file. */
export interface QmiConfig {
  /**
   * Name of the workgroup; discovery only finds contexts of the same workgroup. Default `default`. At most 128
   * UTF-8 bytes and no control characters: discovery packets carry it, and answers with others are ignored.
   */
  readonly workgroup?: string;
  /** Home directory of qmi-ts; default `$QMI_HOME` or the user's home directory. */
  readonly qmi_home?: string;
  /** Directory of log files; default `qmi_home`. */
  readonly log_dir?: string;
  /** Location of the data store (accepted for QMI compatibility). */
  readonly datastore?: string;
  readonly logging?: LoggingConfig;
  /** Settings per context name (at most 128 characters, like discovery's names). */
  readonly contexts?: Readonly<Record<string, ContextConfig>>;
  readonly process_management?: ProcessManagementConfig;
  readonly discovery?: DiscoveryConfig;
  readonly security?: SecurityConfig;
  readonly dashboard?: DashboardConfig;
}

/** A strict object whose unknown keys are reported with the list of known ones. */
function strictObject<T extends z.ZodRawShape>(shape: T, what: string) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `one of the keys ${known}` : what),
  });
}

const nonEmptyString = (what: string) => z.string({ error: what }).min(1, { error: what });
const port = z
  .number({ error: "an integer port number in [0, 65535]" })
  .int({ error: "an integer port number in [0, 65535]" })
  .min(0, { error: "an integer port number in [0, 65535]" })
  .max(65535, { error: "an integer port number in [0, 65535]" });
const levelPhrase = "a log level: DEBUG, INFO, WARNING or ERROR";
const level = z.string({ error: levelPhrase }).regex(/^(debug|info|warn|warning|error|critical)$/i, { error: levelPhrase });
/** An integer in [min, max]; zod refuses Infinity and NaN (reported as written, see config-problems.ts). */
const intIn = (min: number, max: number, what: string) =>
  z.number({ error: what }).int({ error: what }).min(min, { error: what }).max(max, { error: what });
const name = z
  .string({ error: "a context name (letters, digits, '_' and '-')" })
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, { error: "a context name (letters, digits, '_' and '-')" })
  .max(128, { error: "a context name of at most 128 characters" });
const stringArray = (what: string) => z.array(z.string({ error: "a string" }), { error: what });
const stringRecord = (what: string) => z.record(z.string(), z.string({ error: "a string" }), { error: what });

const ratePhrase = "a positive number of lines per second, at most 1000000, or null for no limit";
const loggingSchema = strictObject(
  {
    loglevel: level.optional(),
    console_loglevel: level.optional(),
    logfile: nonEmptyString("a file name").optional(),
    loglevels: z.record(z.string(), level, { error: 'an object of module names and levels, e.g. { "qmi.core": "DEBUG" }' }).optional(),
    rate_limit: z
      .number({ error: ratePhrase })
      .positive({ error: ratePhrase })
      .max(1_000_000, { error: ratePhrase })
      .nullable()
      .optional(),
    burst_limit: intIn(1, 1_000_000, "an integer in [1, 1000000]").optional(),
    max_bytes: intIn(1024, 2 ** 40, "an integer number of bytes in [1024, 1099511627776] (1 KiB to 1 TiB)").optional(),
    backup_count: intIn(0, 1000, "an integer in [0, 1000]").optional(),
  },
  "an object (the logging settings)",
);

const contextSchema = strictObject(
  {
    host: nonEmptyString("a host address, e.g. \"127.0.0.1\"")
      .max(253, { error: "a host address or name of at most 253 characters" })
      .optional(),
    tcp_server_port: port.optional(),
    connect_to_peers: z.array(name, { error: "a list of context names" }).optional(),
    enabled: z.boolean({ error: "true or false" }).optional(),
    program_module: nonEmptyString("a program to run (a .ts file or module)").optional(),
    program_args: stringArray("a list of strings").optional(),
    working_dir: nonEmptyString("a directory").optional(),
    env: stringRecord("an object of environment variable names and string values").optional(),
  },
  "an object (the settings of one context)",
).superRefine((context, ctx) => {
  if (context.enabled === true && context.program_module === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["program_module"],
      message: "a program to run (required when enabled is true)",
      input: undefined,
    });
  }
});

const processHostSchema = strictObject(
  {
    server_command: nonEmptyString("a command").optional(),
    ssh_host: nonEmptyString("a host name").optional(),
    ssh_user: nonEmptyString("a user name").optional(),
    ssh_port: port.refine((p) => p > 0, { error: "a port number in [1, 65535]" }).optional(),
    ssh_options: stringArray("a list of strings (extra ssh arguments)").optional(),
  },
  "an object (the process management of one host)",
);

const processManagementSchema = strictObject(
  {
    output_dir: nonEmptyString("a directory").optional(),
    hosts: z.record(z.string(), processHostSchema, { error: "an object of host addresses and settings" }).optional(),
  },
  "an object (the process management settings)",
);

const ipv4 = z.string({ error: "an IPv4 address" }).regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, { error: "an IPv4 address" });
const discoverySchema = strictObject(
  {
    enabled: z.boolean({ error: "true or false" }).optional(),
    port: port.refine((p) => p > 0, { error: "a port number in [1, 65535]" }).optional(),
    address: ipv4.optional(),
    timeout: z
      .number({ error: "a positive number of seconds, at most 60" })
      .positive({ error: "a positive number of seconds, at most 60" })
      .max(60, { error: "a positive number of seconds, at most 60" })
      .optional(),
  },
  "an object (the discovery settings)",
);

const tlsSchema = strictObject(
  {
    cert: nonEmptyString("a PEM certificate file (relative to the configuration file)"),
    key: nonEmptyString("a PEM private key file (relative to the configuration file)"),
    ca: nonEmptyString("a PEM CA certificate file (relative to the configuration file)").optional(),
    require_client_cert: z.boolean({ error: "true or false" }).optional(),
    server_name: nonEmptyString("a host name").optional(),
  },
  "an object (the TLS settings: cert, key and optionally ca, require_client_cert, server_name)",
).superRefine((tls, ctx) => {
  if (tls.require_client_cert === true && tls.ca === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["ca"],
      message: "a CA certificate file (required when require_client_cert is true)",
      input: undefined,
    });
  }
});

/** What a token must be, as error messages say it. */
export const TOKEN_PHRASE = "a shared secret of 16 to 1024 printable ASCII characters, without leading or trailing spaces";

/**
 * True for a well-formed token ({@link TOKEN_PHRASE}): gRPC metadata values are printable ASCII, and grpc-js refuses
 * every call with any other token, quoting it in its error.
 */
export function isWellFormedToken(token: string): boolean {
  return token.length >= 16 && token.length <= 1024 && /^[!-~](?:[ -~]*[!-~])?$/.test(token);
}
/** The largest `security.max_message_bytes`: 1 GiB (see {@link SecurityConfig.max_message_bytes}). */
const MAX_MESSAGE_BYTES_LIMIT = 2 ** 30;
const securitySchema = strictObject(
  {
    tls: tlsSchema.optional(),
    token: z
      .string({ error: TOKEN_PHRASE })
      .refine(isWellFormedToken, { error: TOKEN_PHRASE })
      .optional(),
    token_file: nonEmptyString("a file holding the token (relative to the configuration file)").optional(),
    max_message_bytes: intIn(1024, MAX_MESSAGE_BYTES_LIMIT, "an integer number of bytes in [1024, 1073741824] (1 KiB to 1 GiB)").optional(),
  },
  "an object (the security settings)",
).superRefine((security, ctx) => {
  if (security.token !== undefined && security.token_file !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["token_file"],
      message: "either token or token_file, not both (remove one)",
      input: security.token_file,
    });
  }
});

const dashboardSchema = strictObject(
  {
    host: nonEmptyString("a host address, e.g. \"127.0.0.1\"")
      .max(253, { error: "a host address or name of at most 253 characters" })
      .optional(),
    port: port.optional(),
  },
  "an object (where qmi dashboard serves its page)",
);

const workgroupPhrase = "a workgroup name of at most 128 UTF-8 bytes, without control characters";

/** The schema of the whole file. @internal */
export const configSchema = strictObject(
  {
    workgroup: nonEmptyString(workgroupPhrase)
      .refine((w) => Buffer.byteLength(w, "utf8") <= 128 && !/\p{Cc}/u.test(w), { error: workgroupPhrase })
      .optional(),
    qmi_home: nonEmptyString("a directory").optional(),
    log_dir: nonEmptyString("a directory").optional(),
    datastore: nonEmptyString("a directory").optional(),
    logging: loggingSchema.optional(),
    contexts: z.record(name, contextSchema, { error: "an object of context names and settings" }).optional(),
    process_management: processManagementSchema.optional(),
    discovery: discoverySchema.optional(),
    security: securitySchema.optional(),
    dashboard: dashboardSchema.optional(),
  },
  "an object (the whole configuration)",
).superRefine((config, ctx) => {
  const contexts = config.contexts ?? {};
  for (const [owner, context] of Object.entries(contexts)) {
    for (const [index, peer] of (context.connect_to_peers ?? []).entries()) {
      const port = contexts[peer]?.tcp_server_port;
      if (port === undefined || port === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["contexts", owner, "connect_to_peers", index],
          message: "the name of a context configured here with a tcp_server_port",
          input: peer,
        });
      }
    }
  }
}) satisfies z.ZodType<QmiConfig>;

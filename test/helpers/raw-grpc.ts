/**
 * Raw grpc-js calls carrying bytes as they are (identity serializers), for tests that speak to a context the way
 * an arbitrary (or hostile) client would.
 */
import { Metadata, status as Status, type Client, type ServiceError } from "@grpc/grpc-js";

/** How a raw call ended. */
export interface RawOutcome {
  readonly code: Status;
  readonly details: string;
  /** The `qmi-error` trailer, if any. */
  readonly errorClass: string | undefined;
  /** The response bytes of a successful unary call. */
  readonly response?: Buffer;
}

const identity = (bytes: Buffer) => bytes;

/** Metadata entries: strings, or Buffers for keys ending in `-bin`. */
export type RawMetadata = Readonly<Record<string, string | Buffer>>;

function metadataOf(entries: RawMetadata): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}

function outcomeOf(error: ServiceError): RawOutcome {
  const trailer = error.metadata?.get("qmi-error")[0];
  return { code: error.code, details: error.details, errorClass: typeof trailer === "string" ? trailer : undefined };
}

/** One unary call of `path` with `request` bytes; resolves (never rejects) with its outcome. */
export function rawUnary(
  client: Client,
  path: string,
  request: Buffer,
  metadata: RawMetadata = {},
  timeoutMs = 5000,
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, identity, request, metadataOf(metadata), { deadline: Date.now() + timeoutMs }, (error, response) =>
      resolve(error ? outcomeOf(error) : { code: Status.OK, details: "", errorClass: undefined, response }),
    );
  });
}

/** Opens a server stream (or, with `bidi`, a bidi stream sending `request` once); resolves with how it ended or its first message. */
export function rawStream(
  client: Client,
  path: string,
  request: Buffer,
  metadata: RawMetadata = {},
  options: { bidi?: boolean; timeoutMs?: number } = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    const bidi = options.bidi ? client.makeBidiStreamRequest(path, identity, identity, metadataOf(metadata), { deadline }) : undefined;
    const stream = bidi ?? client.makeServerStreamRequest(path, identity, identity, request, metadataOf(metadata), { deadline });
    let done = false;
    const finish = (outcome: RawOutcome) => {
      if (done) return;
      done = true;
      stream.cancel();
      resolve(outcome);
    };
    stream.on("data", (message: Buffer) => finish({ code: Status.OK, details: "message", errorClass: undefined, response: message }));
    stream.on("error", (error: ServiceError) => finish(outcomeOf(error)));
    stream.on("end", () => finish({ code: Status.OK, details: "end", errorClass: undefined }));
    if (bidi) {
      bidi.write(request);
      bidi.end();
    }
  });
}

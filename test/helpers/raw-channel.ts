/**
 * A raw client of `qmi.core.Channel/Exchange`, speaking the envelope as any (or a hostile) client would: batches
 * are written as given (objects, or bytes passed through untouched), answers collected by id.
 */
import { Client, Metadata, credentials, type ServiceError } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import { loadService } from "../../runtime/protocol/proto-files.ts";
import { CHANNEL_PROTO, CHANNEL_SERVICE } from "../../runtime/protocol/core-services.ts";

/** One `ChannelAnswer` as proto-loader reads it. */
export interface RawAnswer {
  readonly id: number;
  readonly code: number;
  readonly message: string;
  readonly error_class: string;
  readonly response: Buffer;
}

/** An open raw channel stream. */
export interface RawChannel {
  /** Writes one batch: a `ChannelCalls` object, or bytes as they are. False when the stream's buffer is full. */
  send(batch: object | Buffer): boolean;
  /** Resolves with the answer to `id` (at once when it came already). */
  next(id: number): Promise<RawAnswer>;
  /** Every answer received so far, in order. */
  answers(): readonly RawAnswer[];
  /** Messages (batches of answers) received so far. */
  messages(): number;
  /** Resolves with the stream's status when it ends with an error. */
  ended(): Promise<ServiceError>;
  /** The response headers, once the server sent them. */
  headers(): Promise<Metadata>;
  close(): void;
}

/** Opens `Exchange` on the context at `address`; with `read: false` the answers are never read (a slow client). */
export function rawChannel(address: string, options: { read?: boolean; metadata?: Metadata } = {}): RawChannel {
  const exchange = loadService(CHANNEL_PROTO, CHANNEL_SERVICE).Exchange as MethodDefinition<object, { answers: RawAnswer[] }>;
  const client = new Client(address, credentials.createInsecure());
  const serialize = (batch: object) => (Buffer.isBuffer(batch) ? batch : exchange.requestSerialize(batch));
  const stream = client.makeBidiStreamRequest(exchange.path, serialize, exchange.responseDeserialize, options.metadata ?? new Metadata(), {
    deadline: Infinity,
  });
  const received: RawAnswer[] = [];
  const byId = new Map<number, RawAnswer>();
  const waiting = new Map<number, (answer: RawAnswer) => void>();
  let messages = 0;
  const ended = new Promise<ServiceError>((resolve) => stream.on("error", resolve));
  const headers = new Promise<Metadata>((resolve) => stream.on("metadata", resolve));
  if (options.read !== false) {
    stream.on("data", (batch: { answers: RawAnswer[] }) => {
      messages++;
      for (const answer of batch.answers) {
        received.push(answer);
        const waiter = waiting.get(answer.id);
        if (waiter) waiter(answer);
        else byId.set(answer.id, answer);
      }
    });
  }
  return {
    send: (batch) => stream.write(batch),
    next: (id) =>
      new Promise<RawAnswer>((resolve) => {
        const known = byId.get(id);
        if (known) resolve(known);
        else waiting.set(id, resolve);
      }),
    answers: () => received,
    messages: () => messages,
    ended: () => ended,
    headers: () => headers,
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}

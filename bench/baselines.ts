/**
 * The baselines every remote figure is compared with, measured against the benchmark server's second process:
 * raw TCP ping-pong (a 32-byte message echoed back) and a plain grpc-js unary `GetSample` (the driver's
 * message shape, no qmi-ts code on either side).
 */
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { Client, Metadata, credentials, type MethodDefinition, type ServiceDefinition } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { IDL_ROOT, loadService } from "../runtime/protocol/proto-files.ts";
import { quantile, sequentialLatencies, throughput } from "./stats.ts";
import { CHANNEL_PROTO } from "../runtime/protocol/core-services.ts";

/** Sequential latency and throughput of one kind of call. */
export interface CallFigures {
  readonly p50Us: number;
  readonly p99Us: number;
  readonly seqCallsPerS: number;
  readonly inFlight16PerS?: number;
  readonly inFlight256PerS?: number;
}

/** Summarises sequential latencies (µs). */
export function figures(latencies: number[]): CallFigures {
  const total = latencies.reduce((a, b) => a + b, 0);
  return { p50Us: quantile(latencies, 0.5), p99Us: quantile(latencies, 0.99), seqCallsPerS: latencies.length / (total / 1e6) };
}

/** Raw TCP ping-pong over loopback: one 32-byte message, wait for all of it back. */
export async function benchTcpPingPong(port: number, count: number): Promise<CallFigures> {
  const socket: Socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const message = Buffer.alloc(32, 7);
  let waiting: (() => void) | undefined;
  let received = 0;
  socket.on("data", (chunk) => {
    received += chunk.length;
    if (received >= message.length) {
      received -= message.length;
      const done = waiting;
      waiting = undefined;
      done?.();
    }
  });
  const ping = () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      socket.write(message);
    });
  try {
    return figures(await sequentialLatencies(ping, count, count));
  } finally {
    socket.destroy();
  }
}

/** A plain grpc-js unary `GetSample` against the raw server: sequential, then 16 in flight. */
export async function benchRawGrpcUnary(port: number, count: number, seconds: number): Promise<CallFigures> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.enable_channelz": 0 });
  const method = loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService)
    .GetSample as MethodDefinition<object, object>;
  const call = () =>
    new Promise<object>((resolve, reject) =>
      client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, {}, new Metadata(), { deadline: Date.now() + 30_000 }, (e, r) =>
        e ? reject(e) : resolve(r!),
      ),
    );
  try {
    const sequential = figures(await sequentialLatencies(call, count, count));
    return { ...sequential, inFlight16PerS: await throughput(call, 16, seconds) };
  } finally {
    client.close();
  }
}

type RawMessage = Record<string, unknown>;

/**
 * The raw bidi baseline's service: `/bench.RawBidi/Open`, a stream of single `ChannelCall`s answered by single
 * `ChannelAnswer`s (the channel's envelope, one call per message, as before batching).
 */
export function rawBidiDefinition(): ServiceDefinition {
  const root = protobuf.loadSync(join(IDL_ROOT, CHANNEL_PROTO));
  const codec = (name: string) => {
    const type = root.lookupType(name);
    return {
      serialize: (message: RawMessage) => Buffer.from(type.encode(type.fromObject(message)).finish()),
      deserialize: (bytes: Buffer) => type.toObject(type.decode(bytes), { defaults: true }) as RawMessage,
    };
  };
  const call = codec("qmi.core.ChannelCall");
  const answer = codec("qmi.core.ChannelAnswer");
  const open: MethodDefinition<RawMessage, RawMessage> = {
    path: "/bench.RawBidi/Open",
    requestStream: true,
    responseStream: true,
    requestSerialize: call.serialize,
    requestDeserialize: call.deserialize,
    responseSerialize: answer.serialize,
    responseDeserialize: answer.deserialize,
  };
  return { Open: open };
}

/**
 * A plain grpc-js bidirectional stream carrying one call per message (the channel's message shapes, answered at
 * once by the raw server): the ceiling of the channel path with grpc-js, without any qmi-ts code.
 */
export async function benchRawGrpcBidi(port: number, count: number, seconds: number): Promise<CallFigures> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.enable_channelz": 0 });
  const open = rawBidiDefinition().Open as MethodDefinition<RawMessage, RawMessage>;
  const stream = client.makeBidiStreamRequest(open.path, open.requestSerialize, open.responseDeserialize, new Metadata(), { deadline: Infinity });
  const pending = new Map<number, () => void>();
  stream.on("data", (answer: RawMessage) => {
    const done = pending.get(answer.id as number);
    pending.delete(answer.id as number);
    done?.();
  });
  stream.on("error", () => undefined);
  const request = Buffer.alloc(0);
  let nextId = 1;
  const call = () =>
    new Promise<void>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      stream.write({ id, path: "/x/GetSample", request, object: "nsg", lock_token: "t", lease_id: "", timeout_ms: 30000 });
    });
  try {
    const sequential = figures(await sequentialLatencies(call, count, count));
    return { ...sequential, inFlight16PerS: await throughput(call, 16, seconds), inFlight256PerS: await throughput(call, 256, seconds) };
  } finally {
    stream.cancel();
    client.close();
  }
}

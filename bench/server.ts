/**
 * The benchmarks' second process: a qmi-ts context `bench_server` hosting an open noisy sine generator `nsg` and
 * an open echo instrument `echo` (for arrays),
 * plus the baselines' servers on 127.0.0.1 ephemeral ports: a raw TCP echo server, a plain grpc-js server
 * answering `GetSample` with the same message shape as the driver's service, and a length-prefixed TCP echo
 * server (benchmark 11's raw baseline for arrays).
 *
 * Prints `READY <qmi port> <tcp port> <raw grpc port> <raw grpc port behind the call guard> <framed echo port>`. Commands on stdin, one per line:
 * `burst <n>` publishes `n` `sampleTaken` events (in chunks, yielding between them) and prints `BURST DONE`;
 * `quit` stops. It also stops when stdin closes (the runner died), so it never outlives a run.
 *
 * Run by `bench/run.ts`; `QMI_CALL_PATH` is inherited.
 */
import { createServer, type AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { Server, ServerCredentials, type ServerDuplexStream, type UntypedServiceImplementation } from "@grpc/grpc-js";
import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { NoisySineGeneratorService } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { GuardedServer } from "../runtime/server/call-guard.ts";
import { loadService } from "../runtime/protocol/proto-files.ts";
import { rawBidiDefinition } from "./baselines.ts";
import { ARRAY_CONTEXT_CONFIG } from "./arrays.ts";
import { startFramedEchoServer } from "./raw-echo.ts";

const context = await qmi.start("bench_server", { config: ARRAY_CONTEXT_CONFIG });
const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
await nsg.open();
await nsg.setNoise(0);
const instance = context.objects.get("nsg")!.instance as NoisySineGenerator;
await (await qmi.makeInstrument("echo", EchoInstrument)).open();

const tcp = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("data", (chunk) => socket.write(chunk));
  socket.on("error", () => undefined);
});
await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
const framed = await startFramedEchoServer();

const raw = new Server({ "grpc.enable_channelz": 0 });
const implementation: UntypedServiceImplementation = {
  GetSample: (_call: unknown, callback: (error: null, response: { value: number }) => void) => callback(null, { value: Math.random() }),
};
raw.addService(loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService), implementation);
// The raw bidi baseline: the channel's message shapes, each call answered at once with a GetSample response.
const answer = loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService).GetSample!.responseSerialize;
raw.addService(rawBidiDefinition(), {
  Open: (call: ServerDuplexStream<{ id: number }, object>) => {
    call.on("data", (message: { id: number }) => call.write({ id: message.id, response: answer({ value: Math.random() }) }));
    call.on("end", () => call.end());
    call.on("error", () => undefined);
  },
});
const rawPort = await new Promise<number>((resolve, reject) =>
  raw.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
);
// The same raw GetSample behind the call guard every context's server has (token and decode checks), to tell its
// share of the unary cost apart from qmi-ts's handlers.
const guarded = new GuardedServer({ "grpc.enable_channelz": 0 }, undefined);
guarded.addService(loadService(NoisySineGeneratorService.protoFile, NoisySineGeneratorService.protoService), implementation);
const guardedPort = await new Promise<number>((resolve, reject) =>
  guarded.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
);

async function burst(count: number): Promise<void> {
  const chunk = Number(process.env.BENCH_BURST_CHUNK ?? 200);
  for (let sent = 0; sent < count; sent += chunk) {
    for (let i = 0; i < Math.min(chunk, count - sent); i++) instance.sampleTaken.publish({ t: i, value: i });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  tcp.close();
  framed.close();
  raw.forceShutdown();
  guarded.forceShutdown();
  await qmi.stop();
  process.exit(0);
}

createInterface({ input: process.stdin })
  .on("line", (line) => {
    const [command, arg] = line.trim().split(/\s+/);
    if (command === "burst") void burst(Number(arg)).then(() => console.log("BURST DONE"));
    else if (command === "quit") void stop();
  })
  .on("close", () => void stop());

const framedPort = (framed.address() as AddressInfo).port;
console.log(`READY ${context.tcpServerPort} ${(tcp.address() as AddressInfo).port} ${rawPort} ${guardedPort} ${framedPort}`);

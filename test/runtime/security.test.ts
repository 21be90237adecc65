import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, credentials, status as Status } from "@grpc/grpc-js";
import { ConnectionError, Context, UnauthenticatedError, type QmiConfig } from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { EchoInstrumentProxy } from "qmi-ts/generated/drivers/dummy/echo-instrument";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/child-context.ts";
import { hasOpenssl, makeTestCertificates, type TestCertificates } from "../helpers/test-certs.ts";
import { skipUnlessPresent } from "../helpers/requirements.ts";
import { rawStream, rawUnary } from "../helpers/raw-grpc.ts";

const TOKEN = "test-token-0123456789abcdef";
const NSG = "/qmi.drivers.dummy.noisy_sine_generator.NoisySineGenerator";
const quiet = { discovery: { enabled: false } } satisfies QmiConfig;

/** Every kind of call on every kind of service a context serves: core, generated, health, reflection. */
const CALLS: { path: string; kind: "unary" | "server" | "bidi" }[] = [
  { path: "/qmi.core.Context/Ping", kind: "unary" },
  { path: "/qmi.core.Lock/IsLocked", kind: "unary" },
  { path: "/qmi.core.Lock/Lease", kind: "server" },
  { path: "/qmi.core.Task/GetStatus", kind: "unary" },
  { path: `${NSG}/GetSample`, kind: "unary" },
  { path: `${NSG}/SubscribeSampleTaken`, kind: "server" },
  { path: "/grpc.health.v1.Health/Check", kind: "unary" },
  { path: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", kind: "bidi" },
];

describe("security: the shared-secret token (qmi-auth-token)", () => {
  let server: Context;
  before(async () => {
    server = await Context.start("sec_token_server", { config: { ...quiet, security: { token: TOKEN } } });
    await server.makeInstrument("nsg", NoisySineGenerator);
  });
  after(() => server.stop());

  it("binds 127.0.0.1 when the config names no host", () => {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/);
  });

  it("lets a context with the token call, lock with a lease (a stream) and unlock", async () => {
    const client = await Context.start("sec_token_client", { config: { ...quiet, security: { token: TOKEN } } });
    try {
      await client.connectToPeer("sec_token_server", { address: server.address });
      const nsg = await client.getInstrument("sec_token_server.nsg", NoisySineGeneratorProxy);
      await nsg.open();
      assert.equal(typeof (await nsg.getSample()), "number");
      assert.equal(await nsg.lock({ lease: true }), true);
      assert.equal(await nsg.unlock(), true);
      await nsg.close();
    } finally {
      await client.stop();
    }
  });

  it("refuses a context without the token, or with another one, with UnauthenticatedError", async () => {
    for (const security of [undefined, { token: "another-token-0123456789" }]) {
      const client = await Context.start("sec_token_stranger", { config: { ...quiet, ...(security ? { security } : {}) } });
      try {
        await assert.rejects(client.connectToPeer("sec_token_server", { address: server.address, timeout: 3 }), (e: unknown) => {
          assert.ok(e instanceof UnauthenticatedError, String(e));
          assert.match(e.message, security ? /does not match this context's token/ : /requires a shared-secret token/);
          assert.ok(!e.message.includes(TOKEN), "the message never shows the token");
          return true;
        });
      } finally {
        await client.stop();
      }
    }
  });

  it("lets `qmi describe` and `qmi call` in with the token of their --config (a token_file), and not without", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qmi-sec-cli-"));
    try {
      writeFileSync(join(dir, "lab.token"), `${TOKEN}\n`);
      writeFileSync(join(dir, "lab.conf"), `{ security: { token_file: "lab.token" } }`);
      const qmi = (...args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
          execFile(process.execPath, ["cli/qmi.mjs", ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          ),
        );
      const config = ["--config", join(dir, "lab.conf"), "--address", server.address];
      const described = await qmi("describe", "sec_token_server", ...config);
      assert.equal(described.code, 0, described.stderr);
      assert.match(described.stdout, /nsg +instrument +NoisySineGenerator/);
      const called = await qmi("call", "sec_token_server.nsg.isOpen", ...config);
      assert.equal(called.code, 0, called.stderr);
      const refused = await qmi("describe", "sec_token_server", "--address", server.address, "--config", join(dir, "missing.conf"));
      assert.notEqual(refused.code, 0);
      const stranger = await qmi("call", "sec_token_server.nsg.isOpen", "--address", server.address);
      assert.notEqual(stranger.code, 0);
      assert.match(stranger.stderr, /UnauthenticatedError: .*requires a shared-secret token/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses every unary call and stream of every service without the token: UNAUTHENTICATED + qmi-error", async () => {
    const raw = new Client(server.address, credentials.createInsecure());
    try {
      for (const token of [undefined, "wrong", `${TOKEN}x`]) {
        const metadata = { "qmi-object": "nsg", ...(token ? { "qmi-auth-token": token } : {}) };
        for (const call of CALLS) {
          const outcome =
            call.kind === "unary"
              ? await rawUnary(raw, call.path, Buffer.alloc(0), metadata)
              : await rawStream(raw, call.path, Buffer.alloc(0), metadata, { bidi: call.kind === "bidi" });
          assert.equal(outcome.code, Status.UNAUTHENTICATED, `${call.path} with token ${token}: ${outcome.details}`);
          assert.equal(outcome.errorClass, "UnauthenticatedError", call.path);
        }
      }
      // The same calls with the token pass the check (they get whatever answer the method gives).
      for (const call of CALLS) {
        const metadata = { "qmi-object": "nsg", "qmi-auth-token": TOKEN };
        const outcome =
          call.kind === "unary"
            ? await rawUnary(raw, call.path, Buffer.alloc(0), metadata, 1000)
            : await rawStream(raw, call.path, Buffer.alloc(0), metadata, { bidi: call.kind === "bidi", timeoutMs: 1000 });
        assert.notEqual(outcome.code, Status.UNAUTHENTICATED, call.path);
      }
    } finally {
      raw.close();
    }
  });
});

describe("security: TLS and mutual TLS (certificates made with openssl)", { skip: skipUnlessPresent(hasOpenssl() ? false : "openssl is not installed: install it (apt-get install openssl, or run test/setup.sh as root) to run the TLS tests") }, () => {
  let certs: TestCertificates;
  before(() => (certs = makeTestCertificates()));
  after(() => certs?.remove());

  /** Starts `name` with `security`, runs `body`, stops it. */
  async function withContext(name: string, security: QmiConfig["security"], body: (ctx: Context) => Promise<void>): Promise<void> {
    const ctx = await Context.start(name, { config: { ...quiet, ...(security ? { security } : {}) } });
    try {
      await body(ctx);
    } finally {
      await ctx.stop();
    }
  }

  it("serves TLS to clients trusting its CA, and refuses plaintext and clients trusting another CA", async () => {
    await withContext("tls_server", { tls: { cert: certs.cert, key: certs.key } }, async (server) => {
      await server.makeInstrument("nsg", NoisySineGenerator);
      await withContext("tls_client", { tls: { cert: certs.cert, key: certs.key, ca: certs.ca } }, async (client) => {
        await client.connectToPeer("tls_server", { address: server.address });
        const nsg = await client.getInstrument("tls_server.nsg", NoisySineGeneratorProxy);
        assert.equal(await nsg.isOpen(), false);
      });
      await withContext("plain_client", undefined, async (client) => {
        await assert.rejects(client.connectToPeer("tls_server", { address: server.address, timeout: 3 }), ConnectionError);
      });
      await withContext("rogue_client", { tls: { cert: certs.rogueCert, key: certs.rogueKey, ca: certs.rogueCa } }, async (client) => {
        await assert.rejects(client.connectToPeer("tls_server", { address: server.address, timeout: 3 }), ConnectionError);
      });
    });
  });

  it("carries large arrays intact over TLS, parts and reused buffers included: six echoes of 4 to 8 MB started a turn apart", async () => {
    await withContext("tls_bulk_server", { tls: { cert: certs.cert, key: certs.key } }, async (server) => {
      await (await server.makeInstrument("echo", EchoInstrument)).open();
      await withContext("tls_bulk_client", { tls: { cert: certs.cert, key: certs.key, ca: certs.ca } }, async (client) => {
        await client.connectToPeer("tls_bulk_server", { address: server.address, callPath: "channel" });
        const echo = await client.getInstrument("tls_bulk_server.echo", EchoInstrumentProxy);
        const sent = [1_000_000, 900_000, 800_000, 700_000, 600_000, 500_000].map((doubles, i) => new Float64Array(doubles).map((_, j) => Math.cos(j * 0.01 + i)));
        const echoes: Promise<Float64Array>[] = [];
        for (const one of sent) {
          echoes.push(echo.echoFloat64Array(one));
          await new Promise((resolve) => setImmediate(resolve));
        }
        (await Promise.all(echoes)).forEach((one, i) => assert.deepEqual(one, sent[i], `echo ${i}`));
      });
    });
  });

  it("with require_client_cert, accepts only clients whose certificate its CA signed; the token still applies", async () => {
    const serverSecurity = { tls: { cert: certs.cert, key: certs.key, ca: certs.ca, require_client_cert: true }, token: TOKEN };
    await withContext("mtls_server", serverSecurity, async (server) => {
      await server.makeInstrument("nsg", NoisySineGenerator);
      await withContext("mtls_client", { tls: { cert: certs.cert, key: certs.key, ca: certs.ca }, token: TOKEN }, async (client) => {
        await client.connectToPeer("mtls_server", { address: server.address });
        const nsg = await client.getInstrument("mtls_server.nsg", NoisySineGeneratorProxy);
        await nsg.open();
        assert.equal(typeof (await nsg.getSample()), "number");
      });
      await withContext("mtls_rogue", { tls: { cert: certs.rogueCert, key: certs.rogueKey, ca: certs.ca }, token: TOKEN }, async (client) => {
        await assert.rejects(client.connectToPeer("mtls_server", { address: server.address, timeout: 3 }), ConnectionError);
      });
      await withContext("mtls_no_token", { tls: { cert: certs.cert, key: certs.key, ca: certs.ca } }, async (client) => {
        await assert.rejects(client.connectToPeer("mtls_server", { address: server.address, timeout: 3 }), UnauthenticatedError);
      });
    });
  });
});

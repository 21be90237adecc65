import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { ServiceError } from "@grpc/grpc-js";
import { ConnectionError, Context, UsageError, type QmiConfig } from "qmi-ts";
import { H2GrpcStream } from "../../runtime/client/h2-grpc-stream.ts";
import { loadSecuritySettings } from "../../runtime/config/security-settings.ts";
import { checkTlsFiles, hostNameProblem } from "../../runtime/config/tls-problems.ts";
import { hasOpenssl, makeTestCertificates, type TestCertificates } from "../helpers/test-certs.ts";
import { skipUnlessPresent } from "../helpers/requirements.ts";

const quiet = { discovery: { enabled: false }, logging: { console_loglevel: "ERROR" } } satisfies QmiConfig;
type Tls = NonNullable<NonNullable<QmiConfig["security"]>["tls"]>;

describe("TLS errors name what is wrong and the security.tls key to fix", { skip: skipUnlessPresent(hasOpenssl() ? false : "openssl is not installed (test/setup.sh installs it when run as root)") }, () => {
  let certs: TestCertificates;
  before(() => (certs = makeTestCertificates()));
  after(() => certs?.remove());

  /** Starts a context with `tls` (or none), runs `body`, stops it. */
  async function withContext(name: string, tls: Tls | undefined, body: (ctx: Context) => Promise<void>): Promise<void> {
    const ctx = await Context.start(name, { config: { ...quiet, ...(tls ? { security: { tls } } : {}) } });
    try {
      await body(ctx);
    } finally {
      await ctx.stop();
    }
  }

  /** The message of a failed connect from a context with `clientTls` to `server`. */
  async function connectFailure(server: Context, clientTls: Tls | undefined): Promise<string> {
    let message = "";
    await withContext(`${server.name}_client`, clientTls, async (client) => {
      await assert.rejects(client.connectToPeer(server.name, { address: server.address, timeout: 3 }), (e: unknown) => {
        assert.ok(e instanceof ConnectionError, String(e));
        message = e.message;
        return true;
      });
    });
    return message;
  }

  describe("at start()", () => {
    it("refuses a key that is not the certificate's, naming both keys", async () => {
      await assert.rejects(
        Context.start("tls_mismatch", { config: { ...quiet, security: { tls: { cert: certs.cert, key: certs.rogueKey } } } }),
        (e: unknown) => {
          assert.ok(e instanceof UsageError, String(e));
          assert.match(e.message, /^security\.tls\.key .*rogue\.key is not the key of security\.tls\.cert .*lab\.crt/);
          return true;
        },
      );
    });

    it("refuses a private key given as ca, and a certificate given as key", async () => {
      await assert.rejects(
        Context.start("tls_key_as_ca", { config: { ...quiet, security: { tls: { cert: certs.cert, key: certs.key, ca: certs.key } } } }),
        /security\.tls\.ca .*lab\.key holds a private key, not a certificate/,
      );
      await assert.rejects(
        Context.start("tls_cert_as_key", { config: { ...quiet, security: { tls: { cert: certs.cert, key: certs.cert } } } }),
        /security\.tls\.key .*lab\.crt holds a certificate, not the private key/,
      );
      await assert.rejects(
        Context.start("tls_key_as_cert", { config: { ...quiet, security: { tls: { cert: certs.key, key: certs.key } } } }),
        /security\.tls\.cert .*lab\.key holds a private key, not a certificate/,
      );
    });

    it("refuses an expired or not yet valid certificate or CA (checked against the date given)", () => {
      const files = {
        cert: { path: certs.cert, pem: readFileSync(certs.cert) },
        key: { path: certs.key, pem: readFileSync(certs.key) },
        ca: { path: certs.ca, pem: readFileSync(certs.ca) },
      };
      const later = new Date(Date.now() + 3 * 86_400_000); // the test certificates are valid for one day
      const earlier = new Date(Date.now() - 3 * 86_400_000);
      assert.equal(checkTlsFiles(files, "").subject, "CN=localhost", "valid now");
      assert.throws(() => checkTlsFiles(files, " (in lab.conf)", later), /^UsageError: security\.tls\.cert .*lab\.crt \(in lab\.conf\) expired on .*; renew it/);
      assert.throws(() => checkTlsFiles(files, "", earlier), /^UsageError: security\.tls\.cert .*lab\.crt is not valid before /);
      const caOnly = { ...files, cert: { path: certs.cert, pem: readFileSync(certs.cert) } };
      assert.throws(() => checkTlsFiles({ ...caOnly, ca: { path: certs.rogueCa, pem: readFileSync(certs.rogueCa) } }, "", later), /^UsageError: security\.tls\.cert/);
    });

    it("checks the files when loading the security section, relative to the configuration file", () => {
      const settings = loadSecuritySettings({ security: { tls: { cert: certs.cert, key: certs.key, ca: certs.ca } } }, undefined);
      assert.equal(settings.tls?.certificate?.subject, "CN=localhost");
    });

    it("says when the certificate does not name the address served (a warning at listen)", () => {
      const certificate = checkTlsFiles({ cert: { path: certs.cert, pem: readFileSync(certs.cert) }, key: { path: certs.key, pem: readFileSync(certs.key) }, ca: undefined }, "");
      assert.equal(hostNameProblem(certificate, "127.0.0.1"), undefined);
      assert.equal(hostNameProblem(certificate, "localhost"), undefined);
      assert.equal(hostNameProblem(certificate, "0.0.0.0"), undefined);
      assert.match(hostNameProblem(certificate, "127.0.0.2") ?? "", /security\.tls\.cert does not name 127\.0\.0\.2 \(its subjectAltName: IP Address:127\.0\.0\.1, DNS:localhost\).*server_name/);
      assert.match(hostNameProblem(certificate, "lab-pc.example") ?? "", /does not name lab-pc\.example/);
    });
  });

  describe("on connect, the client says the likely cause", () => {
    it("a client trusting another CA, or none: security.tls.ca", async () => {
      await withContext("tls_ca_server", { cert: certs.cert, key: certs.key }, async (server) => {
        for (const tls of [{ cert: certs.rogueCert, key: certs.rogueKey, ca: certs.rogueCa }, { cert: certs.cert, key: certs.key }]) {
          const message = await connectFailure(server, tls);
          assert.match(message, /^Cannot connect to tls_ca_server at 127\.0\.0\.1:\d+: The peer's certificate is not signed by a CA this context trusts: set security\.tls\.ca/);
          assert.doesNotMatch(message, /Resolution note/);
        }
      });
    });

    it("a plaintext client to a TLS context: security.tls", async () => {
      await withContext("tls_plain_server", { cert: certs.cert, key: certs.key }, async (server) => {
        assert.match(await connectFailure(server, undefined), /If the peer serves TLS .* this context needs security\.tls too, with \.ca set/);
      });
    });

    it("a TLS client to a plaintext context: it does not speak TLS", async () => {
      await withContext("tls_none_server", undefined, async (server) => {
        assert.match(await connectFailure(server, { cert: certs.cert, key: certs.key, ca: certs.ca }), /The peer does not speak TLS .*same security section/);
      });
    });

    it("a client certificate refused by require_client_cert: security.tls.cert and .key", async () => {
      await withContext("tls_mutual_server", { cert: certs.cert, key: certs.key, ca: certs.ca, require_client_cert: true }, async (server) => {
        const message = await connectFailure(server, { cert: certs.rogueCert, key: certs.rogueKey, ca: certs.ca });
        assert.match(message, /require_client_cert, it refused this context's certificate: set security\.tls\.cert and \.key to a certificate signed by the peer's security\.tls\.ca/);
      });
    });

    it("the call channel's own HTTP/2 connection gives the same hint", async () => {
      await withContext("tls_channel_server", { cert: certs.cert, key: certs.key }, async (server) => {
        const settings = loadSecuritySettings({ security: { tls: { cert: certs.rogueCert, key: certs.rogueKey, ca: certs.rogueCa } } }, undefined);
        const status = await new Promise<ServiceError>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("no end within 5 s")), 5000);
          new H2GrpcStream(server.address, "/qmi.core.Channel/Exchange", {}, settings, {
            onAccepted: () => undefined,
            onMessage: () => undefined,
            onEnd: (end) => (clearTimeout(timer), resolve(end)),
          });
        });
        assert.match(status.details, /not signed by a CA this context trusts: set security\.tls\.ca/);
      });
    });

    it("a refused connection (nothing listening) gets no TLS hint", async () => {
      let address = "";
      await withContext("tls_gone_server", undefined, async (server) => void (address = server.address));
      await withContext("tls_gone_client", { cert: certs.cert, key: certs.key, ca: certs.ca }, async (client) => {
        await assert.rejects(client.connectToPeer("tls_gone_server", { address, timeout: 2 }), (e: unknown) => {
          assert.ok(e instanceof ConnectionError);
          assert.doesNotMatch(e.message, /security\.tls/);
          return true;
        });
      });
    });
  });
});

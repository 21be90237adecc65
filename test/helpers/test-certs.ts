/**
 * Certificates made at test time with `openssl` in a temporary folder: a CA, a server/client certificate for
 * 127.0.0.1 and localhost signed by it, and a second ("rogue") CA with its own certificate, for the TLS tests.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Paths of the files made by {@link makeTestCertificates}. */
export interface TestCertificates {
  readonly dir: string;
  readonly ca: string;
  /** Certificate for 127.0.0.1 / localhost signed by `ca`, usable as server and client certificate. */
  readonly cert: string;
  readonly key: string;
  readonly rogueCa: string;
  /** Certificate for 127.0.0.1 / localhost signed by `rogueCa`. */
  readonly rogueCert: string;
  readonly rogueKey: string;
  /** Removes the folder. */
  remove(): void;
}

/** True when `openssl` can be run. */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Makes the certificates (EC P-256 keys, valid for one day); throws if openssl fails. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "qmi-certs-"));
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
  const makeCa = (name: string) =>
    run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
      "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", `/CN=${name}`]);
  const makeLeaf = (name: string, ca: string) => {
    run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`,
      "-out", `${name}.csr`, "-subj", "/CN=localhost"]);
    run(["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial",
      "-days", "1", "-extfile", "ext.cnf", "-out", `${name}.crt`]);
  };
  makeCa("ca");
  makeLeaf("lab", "ca");
  makeCa("rogue-ca");
  makeLeaf("rogue", "rogue-ca");
  return {
    dir,
    ca: join(dir, "ca.crt"),
    cert: join(dir, "lab.crt"),
    key: join(dir, "lab.key"),
    rogueCa: join(dir, "rogue-ca.crt"),
    rogueCert: join(dir, "rogue.crt"),
    rogueKey: join(dir, "rogue.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

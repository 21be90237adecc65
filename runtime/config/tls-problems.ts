/**
 * TLS problems told in words that name the configuration key to fix: the certificate files of `security.tls`
 * checked at start (before anything listens or connects), and a peer connection that failed in its TLS handshake.
 *
 * OpenSSL's own words ("self-signed certificate in certificate chain", "wrong version number", "key values
 * mismatch") say what happened but not what to change; the texts here lead with that and end with the key.
 *
 * @module
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import { UsageError } from "../protocol/errors.ts";

/** The PEM blocks of one kind (`CERTIFICATE`, or any `... PRIVATE KEY`) in `pem`. */
function pemBlocks(pem: string, kind: RegExp): string[] {
  const blocks = pem.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  return blocks.filter((block) => kind.test(block.slice(11, block.indexOf("-----", 11))));
}

/** Why `certificate` cannot be used now (not yet valid, expired), or undefined. */
function validityProblem(certificate: X509Certificate, now: Date): string | undefined {
  if (now < new Date(certificate.validFrom)) return `is not valid before ${certificate.validFrom} (check this machine's clock, or make a new one)`;
  if (now > new Date(certificate.validTo)) return `expired on ${certificate.validTo}; renew it`;
  return undefined;
}

/** The certificates of `security.tls.cert` or `.ca`, or a {@link UsageError} saying what the file holds instead. */
function certificates(key: string, path: string, pem: string, where: string): X509Certificate[] {
  const blocks = pemBlocks(pem, /CERTIFICATE$/);
  if (blocks.length === 0) {
    const holds = pemBlocks(pem, /PRIVATE KEY$/).length > 0 ? "a private key" : "no certificate";
    const advice =
      key === "security.tls.ca"
        ? "give the certificate of the CA that signed the peers' certificates (never its key)"
        : "give the context's certificate (its key goes in security.tls.key)";
    throw new UsageError(`${key} ${path}${where} holds ${holds}, not a certificate: ${advice}`);
  }
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new UsageError(`${key} ${path}${where} holds a certificate that cannot be read (${(error as Error).message}); give a PEM certificate`, { cause: error });
    }
  });
}

/** The PEM files of `security.tls`, with the paths they were read from (for messages). */
interface TlsFiles {
  readonly cert: { readonly path: string; readonly pem: Buffer };
  readonly key: { readonly path: string; readonly pem: Buffer };
  readonly ca: { readonly path: string; readonly pem: Buffer } | undefined;
}

/**
 * Checks the files of `security.tls` as a context will use them: the certificate is a certificate valid now, the
 * key is a private key and is the certificate's, the CA file holds certificates valid now (not a key). Throws a
 * {@link UsageError} naming the key to fix; returns the context's certificate.
 */
export function checkTlsFiles(files: TlsFiles, where: string, now = new Date()): X509Certificate {
  const [certificate] = certificates("security.tls.cert", files.cert.path, files.cert.pem.toString("latin1"), where);
  const expired = validityProblem(certificate!, now);
  if (expired) throw new UsageError(`security.tls.cert ${files.cert.path}${where} ${expired}`);
  let key: KeyObject;
  try {
    key = createPrivateKey(files.key.pem);
  } catch (error) {
    const holds = pemBlocks(files.key.pem.toString("latin1"), /CERTIFICATE$/).length > 0 ? "a certificate" : "no readable private key";
    throw new UsageError(`security.tls.key ${files.key.path}${where} holds ${holds}, not the private key of security.tls.cert (${(error as Error).message}); give the key made with the certificate`, { cause: error });
  }
  if (!certificate!.checkPrivateKey(key)) {
    throw new UsageError(
      `security.tls.key ${files.key.path} is not the key of security.tls.cert ${files.cert.path}${where} (key values mismatch): ` +
        `give the key the certificate was made for, or the certificate made for this key`,
    );
  }
  if (files.ca) {
    for (const ca of certificates("security.tls.ca", files.ca.path, files.ca.pem.toString("latin1"), where)) {
      const problem = validityProblem(ca, now);
      if (problem) throw new UsageError(`security.tls.ca ${files.ca.path}${where}: the certificate of ${ca.subject.replace(/\n/g, ", ")} ${problem}`);
    }
  }
  return certificate!;
}

/** Why peers connecting to `host` would refuse `certificate` (its subjectAltName does not name it), or undefined. */
export function hostNameProblem(certificate: X509Certificate, host: string): string | undefined {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (bare === "0.0.0.0" || bare === "::") return undefined; // any address: peers name one we cannot know here
  const named = isIP(bare) ? certificate.checkIP(bare) : certificate.checkHost(bare);
  if (named !== undefined) return undefined;
  return (
    `security.tls.cert does not name ${bare} (its subjectAltName: ${certificate.subjectAltName ?? "none"}): peers connecting to ` +
    `${bare} will refuse it unless their security.tls.server_name names one of its names; make a certificate for ${bare}`
  );
}

/** The likely cause, and the key to fix, of a connection that failed with `message`; undefined when not TLS's. */
export function tlsFailureHint(message: string, usesTls: boolean): string | undefined {
  if (/self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate signature failure/i.test(message)) {
    return "The peer's certificate is not signed by a CA this context trusts: set security.tls.ca to the certificate of the CA that signed the peer's security.tls.cert";
  }
  if (/certificate has expired/i.test(message)) return "The peer's certificate has expired: renew the peer's security.tls.cert";
  if (/certificate is not yet valid/i.test(message)) return "The peer's certificate is not valid yet: check both machines' clocks, or renew the peer's security.tls.cert";
  if (/Hostname\/IP does not match|altnames|ERR_TLS_CERT_ALTNAME_INVALID/i.test(message)) {
    return "The peer's certificate does not name the address connected to: connect by a name its subjectAltName holds, or set security.tls.server_name to one";
  }
  if (/wrong version number|packet length too long|http request|unknown protocol/i.test(message)) {
    return "The peer does not speak TLS (it has no security.tls) while this context does: give both the same security section";
  }
  if (/alert|certificate required|ECONNRESET|socket hang up|Failed to connect|Connection dropped/i.test(message)) {
    return usesTls
      ? "If the peer has security.tls.require_client_cert, it refused this context's certificate: set security.tls.cert and .key to a certificate signed by the peer's security.tls.ca"
      : "If the peer serves TLS (security.tls in its configuration), this context needs security.tls too, with .ca set to the CA that signed the peer's certificate";
  }
  return undefined;
}

/**
 * A throwaway `sshd` for tests: listens on 127.0.0.1 on a free port, with a fresh host key and one authorized
 * client key in a temp folder (`-f` config there, `-D -e`, `StrictModes no`, `UsePAM no`). The packages
 * (openssh-server: /usr/sbin/sshd; openssh-client: ssh, ssh-keygen) are installed by `test/setup.sh` (as root);
 * when sshd still cannot run, {@link startSshd} says why, for a skip (a failure under CI: `requirements.ts`).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { ROOT } from "./child-context.ts";
import { freeTcpPort } from "./free-port.ts";

/** A running test sshd. */
export interface TestSshd {
  readonly port: number;
  /** The client's private key file. */
  readonly key: string;
  readonly user: string;
  /** `ssh` arguments (besides port and user) that trust this throwaway server without prompting. */
  readonly sshOptions: readonly string[];
  /** What sshd printed (stderr, `-e`). */
  log(): string;
  /** Kills sshd and waits (bounded) for it to exit. */
  stop(): Promise<void>;
}

const SSHD = "/usr/sbin/sshd";

/** Starts sshd with its files in `dir`; resolves with it, or with a reason why it cannot run. */
export async function startSshd(dir: string): Promise<TestSshd | { readonly skip: string }> {
  if (!existsSync(SSHD)) {
    try {
      execFileSync("bash", [join(ROOT, "test", "setup.sh")], { stdio: "ignore", timeout: 300_000 });
    } catch {
      // reported below
    }
  }
  if (!existsSync(SSHD) || !hasCommand("ssh") || !hasCommand("ssh-keygen")) {
    return { skip: `sshd/ssh not installed and not installable here (run test/setup.sh as root, or apt-get install openssh-server openssh-client)` };
  }
  try {
    mkdirSync("/run/sshd", { recursive: true }); // privilege separation directory sshd insists on
  } catch {
    // not root: sshd may still run for this user
  }
  const hostKey = join(dir, "host_ed25519");
  const key = join(dir, "client_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  writeFileSync(join(dir, "authorized_keys"), execFileSync("cat", [`${key}.pub`]));
  const port = await freeTcpPort();
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "PrintMotd no",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (!gone) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  const until = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (gone || Date.now() > until) {
      await stop();
      return { skip: `sshd could not be started on 127.0.0.1:${port}: ${log.trim().split("\n").slice(-3).join(" | ") || "no output"}` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    key,
    user: userInfo().username,
    sshOptions: ["-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"],
    log: () => log,
    stop,
  };
}

function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { Keysight33500B } from "qmi-ts/drivers/keysight/keysight-33500b";

const run = promisify(execFile);
const QMI = "cli/qmi.mjs";

describe("qmi usb and qmi sim", () => {
  it("qmi usb --help and qmi usb say what they do", async () => {
    assert.match((await run("node", [QMI, "usb", "--help"])).stdout, /Usage: qmi usb/);
    const { stdout } = await run("node", [QMI, "usb"], { timeout: 20000 });
    assert.match(stdout, /no USB bus|No USB devices found|0x[0-9a-f]{4}:0x[0-9a-f]{4}/);
  });

  it("qmi sim starts a simulator, prints its descriptor, and a driver talks to it", async () => {
    assert.match((await run("node", [QMI, "sim", "--help"])).stdout, /keysight\/keysight-33500b +tcp/);
    const child = spawn("node", [QMI, "sim", "keysight/keysight-33500b"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const descriptor = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no descriptor printed: ${out}`)), 20000);
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const match = /transport descriptor: (\S+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      assert.match(descriptor, /^tcp:127\.0\.0\.1:\d+$/);
      const awg = new Keysight33500B({ name: "awg", contextName: "cli" }, descriptor);
      await awg.open();
      assert.equal((await awg.getIdn()).model, "33522B");
      await awg.close();
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
    }
  });

  it("qmi sim refuses an unknown driver", async () => {
    await assert.rejects(run("node", [QMI, "sim", "acme/nothing"]), (e: { code: number; stderr: string }) => e.code === 2 && /unknown driver "acme\/nothing"/.test(e.stderr));
  });
});

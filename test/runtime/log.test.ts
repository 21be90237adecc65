import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context } from "qmi-ts";
import { closeLogFile, configureLogging, getLogger, logFilePath } from "../../runtime/logging/log.ts";
import { startChild } from "../helpers/child-context.ts";

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \| (\w+) +\| (\d+) \| ([\w.]+) \| (.*)$/;

/** The log lines of `text` as [level, module, message], checking the format of each. */
function parse(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.includes(" | "))
    .map((line) => {
      const match = LINE.exec(line);
      assert.ok(match, `not in the log format: ${line}`);
      return [match[2]!, match[4]!, match[5]!];
    });
}

describe("getLogger", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "qmi-log-"))));
  after(() => {
    closeLogFile();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeConfig = (name: string, logging: object, extra: object = {}) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ discovery: { enabled: false }, logging, ...extra }));
    return path;
  };

  it("shows only warnings and errors on the console by default, as `<UTC time> | LEVEL | pid | module | message`", async () => {
    const child = startChild("test/fixtures/log-writer.ts", [writeConfig("default.conf", {})], { QMI_LOGLEVEL: "" });
    assert.equal(await child.waitForExit(30), 0, child.output());
    const lines = parse(child.output());
    assert.deepEqual(lines, [
      ["WARNING", "qmi.test.app", "warning line"],
      ["ERROR", "qmi.test.app", "error line"],
      ["WARNING", "qmi.test.other", "other warning"],
    ]);
    const first = LINE.exec(child.output().split("\n").find((l) => l.includes(" | "))!)!;
    assert.equal(first[3], String(child.process.pid));
    assert.ok(Math.abs(Date.parse(first[1]!) - Date.now()) < 60_000);
  });

  it("shows the start-up lines at console_loglevel INFO, and per-module levels override it", async () => {
    const config = writeConfig("info.conf", { console_loglevel: "INFO", loglevels: { "qmi.test.other": "ERROR", "qmi.test.app": "DEBUG" } });
    const child = startChild("test/fixtures/log-writer.ts", [config]);
    assert.equal(await child.waitForExit(30), 0, child.output());
    const lines = parse(child.output());
    assert.match(lines[0]![2]!, /^Context log_writer started \(pid \d+\), serving gRPC on 127\.0\.0\.1:\d+$/);
    assert.deepEqual(lines[1], ["INFO", "qmi.core.context", `Configuration read from ${config}`]);
    const app = lines.filter((l) => l[1]!.startsWith("qmi.test"));
    assert.deepEqual(app, [
      ["DEBUG", "qmi.test.app", "debug line"],
      ["INFO", "qmi.test.app", "info line"],
      ["WARNING", "qmi.test.app", "warning line"],
      ["ERROR", "qmi.test.app", "error line"],
    ]);
    assert.deepEqual(lines.at(-1), ["INFO", "qmi.core.context", "Context log_writer stopped"]);
  });

  it("writes the log file at loglevel under log_dir (relative to the config), complete when exiting without stop()", async () => {
    const config = writeConfig("file.conf", { console_loglevel: "ERROR", loglevel: "WARNING", logfile: "exit.log" }, { log_dir: "." });
    const child = startChild("test/fixtures/log-writer.ts", [config, "exit"]);
    assert.equal(await child.waitForExit(30), 0, child.output());
    assert.deepEqual(parse(readFileSync(join(dir, "exit.log"), "utf8")), [
      ["WARNING", "qmi.test.app", "warning line"],
      ["ERROR", "qmi.test.app", "error line"],
      ["WARNING", "qmi.test.other", "other warning"],
    ]);
  });

  it("rotates the file at max_bytes, keeping backup_count files", () => {
    const path = join(dir, "rotate", "qmi.log");
    configureLogging({ consoleLevel: "ERROR", fileLevel: "INFO", moduleLevels: {}, file: { path, maxBytes: 1024, backupCount: 2 } });
    const log = getLogger("qmi.test.rotate");
    for (let i = 0; i < 100; i++) log.info(`line ${String(i).padStart(3, "0")} ${"x".repeat(40)}`);
    closeLogFile();
    for (const file of [path, `${path}.1`, `${path}.2`]) assert.ok(statSync(file).size <= 1024, file);
    assert.equal(existsSync(`${path}.3`), false);
    const last = parse(readFileSync(path, "utf8")).at(-1)!;
    assert.match(last[2]!, /^line 099 /);
    const older = parse(readFileSync(`${path}.1`, "utf8")).at(-1)!;
    const newest = parse(readFileSync(path, "utf8"))[0]!;
    assert.equal(Number(older[2]!.slice(5, 8)) + 1, Number(newest[2]!.slice(5, 8)), "no line lost between files");
  });

  it("limits the rate of file lines and says how many were dropped", async () => {
    const path = join(dir, "rate.log");
    configureLogging({ consoleLevel: "ERROR", fileLevel: "INFO", moduleLevels: {}, file: { path, maxBytes: 1 << 20, backupCount: 1, rateLimit: 20, burstLimit: 3 } });
    const log = getLogger("qmi.test.rate");
    for (let i = 0; i < 10; i++) log.info(`burst ${i}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    log.info("after the pause");
    closeLogFile();
    assert.deepEqual(parse(readFileSync(path, "utf8")).map((l) => l[2]), [
      "burst 0",
      "burst 1",
      "burst 2",
      "7 lines dropped by logging.rate_limit",
      "after the pause",
    ]);
  });

  it("closes the file when the context that opened it stops, with every line in it", async () => {
    const config = writeConfig("stop.conf", { console_loglevel: "ERROR", loglevel: "INFO", logfile: join(dir, "stop.log") });
    const context = await Context.start("log_stop", { config });
    assert.equal(logFilePath(), join(dir, "stop.log"));
    getLogger("qmi.test.stop").info("before stop");
    await context.stop();
    assert.equal(logFilePath(), undefined);
    const messages = parse(readFileSync(join(dir, "stop.log"), "utf8")).map((l) => l[2]);
    assert.ok(messages.includes("before stop"));
    assert.equal(messages.at(-1), "Context log_stop stopped");
  });
});

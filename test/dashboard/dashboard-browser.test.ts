/**
 * `qmi dashboard` in a real browser (Debian's Chromium, driven by playwright-core), the dashboard and the lab's
 * contexts each in its own process: the page lists the contexts and marks a stopped one, finds a new one by
 * discovery, calls a method from its form (checked by a separate `qmi call`), plots a signal, shows a lock taken by
 * a script and the `LockedError` a call then gets, follows a task's status; with a lab token it asks for the token
 * first, and a page of another origin cannot make it call anything.
 *
 * The screenshot it takes is kept in `test-artifacts/dashboard.png`; `QMI_UPDATE_SCREENSHOT=1` also writes the
 * README's `docs/dashboard.png`.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { Context } from "../../runtime/context/context.ts";
import "../../generated/index.ts";
import { ROOT, watchProcess, type Child } from "../helpers/child-context.ts";
import { QMI, runQmi } from "../helpers/proc-harness.ts";
import { skipUnlessPresent } from "../helpers/requirements.ts";
import { labConfig, startLabContext, type LabConfig } from "./support/lab.ts";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "dashboard-browser-test-token-0123456789";
/** Chromium's flags for a closed network: no background connections, no sandbox (tests may run as root). */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Starts `qmi dashboard` in its own process; resolves with it and its URL. */
async function startDashboardProcess(configFile: string): Promise<{ child: Child; url: string }> {
  const child = watchProcess(process.execPath, [QMI, "dashboard", "--config", configFile, "--port", "0"], process.env, ROOT);
  const [, url] = (await child.waitForLine(/at (http:\/\/127\.0\.0\.1:\d+\/)/, 60)) as unknown as [string, string];
  return { child, url };
}

/** The address of lab context `name`, as the dashboard's page shows it. */
async function addressOf(page: Page, name: string): Promise<string> {
  const text = (await page.getByTestId(`context-${name}`).textContent()) ?? "";
  return /127\.0\.0\.1:\d+/.exec(text)![0];
}

/** Polls the text of the element `testId` until `accept` is true, for at most `seconds`; resolves with it. */
async function textWhere(page: Page, testId: string, accept: (text: string) => boolean, seconds = 20): Promise<string> {
  const element = page.getByTestId(testId);
  const deadline = Date.now() + seconds * 1000;
  let text = "";
  while (Date.now() < deadline) {
    if ((await element.count()) > 0 && (await element.isVisible())) {
      text = (await element.textContent()) ?? "";
      if (accept(text)) return text;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`${testId} did not show the expected text within ${seconds} s (last: ${JSON.stringify(text)})`);
}

/** Calls `context.object.method` with `args` from the page's form (a choice by its value); resolves with the result line. */
async function callFromForm(page: Page, target: string, args: Record<string, string>): Promise<string> {
  const [context, object] = target.split(".");
  const methods = page.getByTestId(`methods-${context}.${object}`);
  if ((await methods.getAttribute("open")) === null) await methods.locator("summary").click();
  const form = page.getByTestId(`call-${target}`);
  for (const [name, value] of Object.entries(args)) {
    const field = form.locator(`[name="${name}"]`);
    if ((await field.evaluate((element) => element.tagName)) === "SELECT") await field.selectOption(value);
    else await field.fill(value);
  }
  const result = page.getByTestId(`result-${target}`);
  const before = (await result.isVisible()) ? await result.textContent() : null;
  await form.locator('button[type="submit"], input[type="submit"]').first().click();
  await page.locator(`[data-testid="result-${target}"]:not([data-state="pending"])`).waitFor({ state: "visible", timeout: 15_000 });
  return textWhere(page, `result-${target}`, (text) => text !== before && text !== "", 15);
}

describe("qmi dashboard in a browser", { skip: skipUnlessPresent(!existsSync(CHROMIUM) && `${CHROMIUM} (Debian's chromium; test/setup.sh installs it)`) }, () => {
  let lab: LabConfig;
  const children: Child[] = [];
  let labA: Child;
  let labB: Child;
  let dashboard: { child: Child; url: string };
  let browser: Browser;
  let page: Page;

  before(async () => {
    lab = await labConfig("dash_browser");
    [labA, labB] = await Promise.all([startLabContext("lab_a", lab.file), startLabContext("lab_b", lab.file)]);
    children.push(labA, labB);
    dashboard = await startDashboardProcess(lab.file);
    children.push(dashboard.child);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    await page.goto(dashboard.url);
  });

  after(async () => {
    await browser?.close();
    for (const child of children) child.kill();
  });

  it("lists both contexts of the lab, connected, with their objects", async () => {
    for (const name of ["lab_a", "lab_b"]) {
      await page.locator(`[data-testid="context-${name}"][data-connected="true"]`).waitFor();
      await page.getByTestId(`object-${name}.nsg`).waitFor();
    }
    assert.match((await page.getByTestId("context-lab_a").textContent()) ?? "", /127\.0\.0\.1:\d+/);
    assert.match((await page.getByTestId("object-lab_a.nsg").textContent()) ?? "", /NoisySineGenerator/);
  });

  it("ticks uptimes on the dashboard's clock: a browser whose clock is an hour ahead shows the same", async () => {
    const skewed = await browser.newPage();
    try {
      await skewed.addInitScript(() => {
        const browserNow = Date.now;
        Date.now = () => browserNow() + 3_600_000;
      });
      await skewed.goto(dashboard.url);
      await skewed.locator('[data-testid="context-lab_a"][data-connected="true"]').waitFor();
      // The lab's contexts started well under ten minutes ago; on the browser's own clock they would be an hour older.
      const uptime = await textWhere(skewed, "uptime-lab_a", (text) => /^\d\d:\d\d:\d\d$/.test(text), 10);
      assert.match(uptime, /^00:0\d:\d\d$/);
      assert.match(await textWhere(page, "uptime-lab_a", (text) => /^\d\d:\d\d:\d\d$/.test(text), 10), /^00:0\d:\d\d$/);
    } finally {
      await skewed.close();
    }
  });

  it("leaves out an optional boolean parameter, or gives it as true or false", async () => {
    assert.equal(await callFromForm(page, "lab_a.echo.flagGiven", {}), '"omitted"');
    assert.equal(await callFromForm(page, "lab_a.echo.flagGiven", { flag: "false" }), '"false"');
    assert.equal(await callFromForm(page, "lab_a.echo.flagGiven", { flag: "true" }), '"true"');
    assert.equal(await callFromForm(page, "lab_a.echo.flagGiven", { flag: "" }), '"omitted"', "and left out again");
  });

  it("calls setAmplitude from its form, and a separate qmi call sees the change", async () => {
    const result = await callFromForm(page, "lab_a.nsg.setAmplitude", { amplitude: "3.25" });
    assert.doesNotMatch(result, /Error/);
    const check = await runQmi(["call", "lab_a.nsg.getAmplitude", "--address", await addressOf(page, "lab_a"), "--config", lab.file]);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.stdout.trim(), "3.25");
    const refused = await callFromForm(page, "lab_a.nsg.setAmplitude", { amplitude: "-1" });
    assert.match(refused, /InvalidArgumentError/);
  });

  it("plots sampleTaken live: the page's count of received points grows", async () => {
    await page.getByTestId("plot-lab_a.nsg.sampleTaken").click();
    const first = Number(await textWhere(page, "received-lab_a.nsg.sampleTaken", (text) => Number(text) > 20));
    await textWhere(page, "received-lab_a.nsg.sampleTaken", (text) => Number(text) > first);
    assert.equal(await page.getByTestId("dropped-lab_a.nsg.sampleTaken").textContent(), "0");
    assert.equal(await page.locator('[data-testid="plot-panel-lab_a.nsg.sampleTaken"] canvas').count() > 0, true);
  });

  it("exports what the plot shows as CSV, against the time received or against the sample's own t", async () => {
    const signal = "lab_a.nsg.sampleTaken";
    const exportCsv = async () => {
      const [download] = await Promise.all([page.waitForEvent("download", { timeout: 10_000 }), page.getByTestId(`csv-${signal}`).click()]);
      const text = readFileSync((await download.path())!, "utf8");
      const [header, ...rows] = text.trim().split("\n");
      return { header, rows: rows.map((row) => row.split(",").map(Number)) };
    };
    await page.getByTestId(`pause-${signal}`).click(); // the export is then exactly what the paused chart holds
    const received = await exportCsv();
    assert.equal(received.header, "time,t,value");
    assert.ok(received.rows.length > 20, `${received.rows.length} rows`);
    for (const [time, t, value] of received.rows) {
      assert.ok(Math.abs(time! - t!) < 5, `received within seconds of the sample's t: ${time} ${t}`);
      assert.ok(Number.isFinite(value), `a value: ${value}`);
    }
    await page.getByTestId(`x-${signal}`).selectOption("t");
    const againstT = await exportCsv();
    assert.equal(againstT.header, "t,t,value");
    assert.equal(againstT.rows.length, received.rows.length, "the same points");
    againstT.rows.forEach(([x, t], i) => assert.equal(x, t, `row ${i}: x is the sample's t`));
    assert.ok(againstT.rows.every(([x], i) => i === 0 || x! >= againstT.rows[i - 1]![0]!), "t only grows");
    await page.getByTestId(`x-${signal}`).selectOption("");
    await page.getByTestId(`pause-${signal}`).click();
    assert.equal((await exportCsv()).header, "time,t,value", "back to the time received");
  });

  it("follows a task's status as it changes", async () => {
    await page.getByTestId("task-status-lab_a.task").waitFor();
    assert.match((await page.getByTestId("task-running-lab_a.task").textContent()) ?? "", /running/);
    const result = await callFromForm(page, "lab_a.task.setAmplitude", { amplitude: "42" });
    assert.doesNotMatch(result, /Error/);
    await textWhere(page, "task-status-lab_a.task", (text) => /"?updates"?\s*:\s*1\b/.test(text));
    await textWhere(page, "task-settings-lab_a.task", (text) => /\b42\b/.test(text));
  });

  it("takes the README's screenshot", async () => {
    // The plot open since the plot test, the method lists folded, from the top of the page.
    // A string, run in the page: this file is type-checked without the DOM's types.
    await page.evaluate('for (const details of document.querySelectorAll("details")) details.open = false; window.scrollTo(0, 0);');
    await page.waitForTimeout(1500);
    const artifacts = join(ROOT, "test-artifacts");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "dashboard.png") });
    if (process.env.QMI_UPDATE_SCREENSHOT === "1") await page.screenshot({ path: join(ROOT, "docs", "dashboard.png") });
  });

  it("shows a lock taken by a script, and the form's call then fails with LockedError", async () => {
    const locker = await Context.start("dash_browser_locker", { config: lab.file });
    try {
      await locker.connectToPeer("lab_a", { address: await addressOf(page, "lab_a") });
      const nsg = await locker.getInstrument("lab_a.nsg");
      await nsg.lock();
      await page.locator('[data-testid="object-lab_a.nsg"][data-locked="true"]').waitFor();
      assert.match((await page.getByTestId("object-lab_a.nsg").textContent()) ?? "", /locked by dash_browser_locker/);
      assert.match(await callFromForm(page, "lab_a.nsg.setAmplitude", { amplitude: "5" }), /LockedError/);
      await nsg.unlock();
      await page.locator('[data-testid="object-lab_a.nsg"][data-locked="false"]').waitFor();
    } finally {
      await locker.stop();
    }
  });

  it("marks a stopped context disconnected, and lists a new one found by discovery", async () => {
    labB.process.kill("SIGTERM");
    await labB.waitForExit(20);
    await page.locator('[data-testid="context-lab_b"][data-connected="false"]').waitFor({ timeout: 30_000 });
    children.push(await startLabContext("lab_c", lab.file));
    await page.locator('[data-testid="context-lab_c"][data-connected="true"]').waitFor({ timeout: 30_000 });
  });

  it("with a lab token, shows nothing until the token is typed, and refuses a POST from another origin", async () => {
    const secured = await startDashboardProcess(lab.variant("token.conf", { security: { token: TOKEN } }));
    children.push(secured.child);
    const visitor = await browser.newPage();
    let evil: Server | undefined;
    try {
      await visitor.goto(secured.url);
      await visitor.getByTestId("login").waitFor();
      assert.equal(await visitor.locator('[data-testid^="context-"]').count(), 0);
      await visitor.locator('[data-testid="login"] input[name="token"]').fill("not-the-token");
      await visitor.locator('[data-testid="login"] button, [data-testid="login"] input[type="submit"]').first().click();
      await visitor.locator('[data-testid="login-error"]:not([hidden])').waitFor();
      assert.equal(await visitor.locator('[data-testid^="context-"]').count(), 0);
      await visitor.locator('[data-testid="login"] input[name="token"]').fill(TOKEN);
      await visitor.locator('[data-testid="login"] button, [data-testid="login"] input[type="submit"]').first().click();
      await visitor.getByTestId("context-lab_a").waitFor({ timeout: 30_000 });

      // A page of another origin, in the same browser (which holds the session cookie), posts to the dashboard.
      evil = createServer((_request, response) => response.end("<!doctype html><title>elsewhere</title>"));
      await new Promise<void>((resolve) => evil!.listen(0, "127.0.0.1", resolve));
      const evilPort = (evil.address() as { port: number }).port;
      await visitor.goto(`http://localhost:${evilPort}/`);
      const body = JSON.stringify({ context: "lab_a", object: "nsg", method: "setAmplitude", args: { amplitude: "99" } });
      const status = await visitor.evaluate(
        async ([url, body]) => {
          const simple = await fetch(`${url}api/call`, { method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body });
          const json = await fetch(`${url}api/call`, { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body }).then(
            (response) => response.status,
            () => "blocked",
          );
          return { simple: simple.type, json };
        },
        [secured.url, body] as const,
      );
      assert.deepEqual(status, { simple: "opaque", json: "blocked" });
      const check = await runQmi(["call", "lab_a.nsg.getAmplitude", "--address", await addressOf(page, "lab_a"), "--config", lab.file]);
      assert.equal(check.stdout.trim(), "3.25", "the other origin's POST changed nothing");
    } finally {
      await visitor.close();
      evil?.close();
      secured.child.kill();
    }
  });
});

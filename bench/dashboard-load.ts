/**
 * Benchmark 13: the dashboard under load. An instrument's context publishes a signal of two numbers at 10 kHz
 * (`dashboard-publisher.ts`, a process of its own); `qmi dashboard` (`node cli/qmi.mjs dashboard`, another process)
 * serves it to three tabs of Debian's Chromium (driven by playwright-core), each plotting the signal. Each phase
 * lasts `seconds`:
 *
 * 1. **alone**: the publisher by itself, after a second of warm-up (the baseline);
 * 2. **with the dashboard**: the dashboard started, the three tabs opened one after another, each plotting the
 *    signal and having received its first points, a second to settle, then the same duration measured.
 *
 * Figures of each phase: the rate the publisher achieved (it publishes by the clock and skips what falls more than
 * 100 ms behind, counted as missed), its CPU and its event loop's delay (p99); of phase 2 also the dashboard
 * process's CPU, its RSS at the start and end of the phase and its peak RSS (`VmHWM`, over its whole life),
 * Chromium's CPU (all its processes, summed), and per tab the points its page counted as received in the phase
 * and the points the dashboard dropped for it (the page's `received-` and `dropped-` counters). CPU is in % of one
 * core, from `/proc/<pid>/stat` (10 ms ticks).
 *
 * Everything runs in a lab of its own (a workgroup and discovery port of its own; the dashboard finds the
 * publisher by discovery). Without `/usr/bin/chromium` it answers why it measured nothing.
 *
 * Run by `npm run bench -- --only dashboard` (30 s phases) and in the smoke run (1 s), not in the full run (see
 * bench/README.md); also alone: npx tsx bench/dashboard-load.ts [seconds=30] [--json]
 */
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { PUBLISHER_CONTEXT, type PublisherMark } from "./dashboard-publisher.ts";
import { watch, type Watched } from "./watched-child.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
/** Chromium's flags for a closed network, as in test/dashboard/dashboard-browser.test.ts. */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
/** The plotted signal. */
const SIGNAL = `${PUBLISHER_CONTEXT}.nsg.sampleTaken`;
/** The publisher's rate, Hz. */
export const RATE_HZ = 10_000;
/** Browser tabs plotting the signal. */
export const TABS = 3;
/** USER_HZ: the unit of `/proc/<pid>/stat`'s CPU times. */
const TICKS_PER_SECOND = 100;

/** The publisher over one phase. */
export interface PublisherPhase {
  readonly seconds: number;
  readonly published: number;
  readonly ratePerS: number;
  /** Samples skipped because the publishing loop was more than 100 ms behind. */
  readonly missed: number;
  /** % of one core. */
  readonly cpuPercent: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

/** What one tab's page counted over phase 2. */
export interface TabFigures {
  /** Points received in the phase. */
  readonly received: number;
  readonly receivedPerS: number;
  /** Points the dashboard dropped for this tab in the phase (it did not read fast enough). */
  readonly dropped: number;
}

/** What {@link benchDashboardLoad} measured. */
export interface DashboardLoadFigures {
  readonly rateHz: number;
  readonly tabs: number;
  /** Requested seconds of each phase. */
  readonly seconds: number;
  readonly alone: PublisherPhase;
  readonly withDashboard: PublisherPhase;
  readonly dashboard: {
    /** % of one core over phase 2. */
    readonly cpuPercent: number;
    /** RSS once it served, before any tab. */
    readonly rssIdleBytes: number;
    readonly rssStartBytes: number;
    readonly rssEndBytes: number;
    /** `VmHWM`: the largest RSS of its life, read at the end of phase 2. */
    readonly peakRssBytes: number;
    /** From starting the process to its page plotting in every tab, s. */
    readonly setupSeconds: number;
  };
  readonly chromium: {
    /** % of one core over phase 2, all of Chromium's processes summed. */
    readonly cpuPercent: number;
    readonly processes: number;
  };
  readonly perTab: readonly TabFigures[];
}

/** Runs benchmark 13 with phases of `seconds` (see the module doc); answers why not when Chromium is missing. */
export async function benchDashboardLoad(seconds: number, options: { settleSeconds?: number } = {}): Promise<DashboardLoadFigures | string> {
  if (!existsSync(CHROMIUM)) return `not measured: no ${CHROMIUM} (Debian's chromium; test/setup.sh installs it)`;
  const settle = options.settleSeconds ?? 1;
  const dir = mkdtempSync(join(tmpdir(), "qmi-bench-dashboard-"));
  const children: Watched[] = [];
  const killChildren = () => children.forEach((child) => child.kill());
  // The runner's watchdog exits the process: the children must not outlive it (playwright ends Chromium itself).
  process.on("exit", killChildren);
  let browser: Browser | undefined;
  try {
    const config = join(dir, "qmi.conf");
    const lab = { workgroup: `bench_dash_${process.pid}`, discovery: { port: await freeUdpPort() }, logging: { console_loglevel: "WARNING" } };
    writeFileSync(config, JSON.stringify(lab));

    const publisher = watch(spawn(process.execPath, ["--import", "tsx", "bench/dashboard-publisher.ts", config, String(RATE_HZ)], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }), "publisher");
    children.push(publisher);
    await publisher.waitFor(/^READY \d+$/, 60);
    const mark = async () => {
      const answer = publisher.waitFor(/^MARK (.*)$/, 20);
      publisher.process.stdin!.write("mark\n");
      return JSON.parse((await answer)[1]!) as PublisherMark;
    };

    // Phase 1: the publisher alone.
    await sleep(settle);
    const aloneStart = await mark();
    await sleep(seconds);
    const alone = publisherPhase(aloneStart, await mark());

    // Phase 2: the dashboard, and the tabs plotting the signal.
    const setupStarted = performance.now();
    const dashboard = watch(spawn(process.execPath, ["cli/qmi.mjs", "dashboard", "--config", config, "--port", "0"], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }), "qmi dashboard");
    children.push(dashboard);
    const url = (await dashboard.waitFor(/at (http:\/\/127\.0\.0\.1:\d+\/)/, 90))[1]!;
    const dashboardPid = dashboard.process.pid!;
    const rssIdleBytes = rssOf(dashboardPid);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    const browserContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const pages: Page[] = [];
    // One after another: the first page's session cookie is then the one every tab uses.
    for (let i = 0; i < TABS; i++) {
      const page = await browserContext.newPage();
      page.setDefaultTimeout(60_000);
      await page.goto(url);
      await page.getByTestId(`plot-${SIGNAL}`).click(); // waits until discovery found the publisher
      // Polled from here: the page's CSP forbids the eval with which waitForFunction polls a text expression.
      for (const until = Date.now() + 60_000; !((await countersOf(page)).received > 0); await sleep(0.05)) {
        if (Date.now() > until) throw new Error(`tab ${i + 1} received no points of ${SIGNAL} within 60 s`);
      }
      pages.push(page);
    }
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    await sleep(settle);

    const chromiumRoots = childPids(process.pid).filter((pid) => commOf(pid) === "chromium");
    if (chromiumRoots.length === 0) throw new Error("found no chromium process among this process's children");
    const chromiumCpu = () => new Map(chromiumRoots.flatMap((root) => treeOf(root)).map((pid) => [pid, cpuSecondsOf(pid)] as const));
    const counters = () => Promise.all(pages.map(countersOf));

    const start = { publisher: await mark(), at: performance.now(), dashboardCpu: cpuSecondsOf(dashboardPid), chromium: chromiumCpu(), tabs: await counters(), rss: rssOf(dashboardPid) };
    await sleep(seconds);
    const end = { publisher: await mark(), at: performance.now(), dashboardCpu: cpuSecondsOf(dashboardPid), chromium: chromiumCpu(), tabs: await counters(), rss: rssOf(dashboardPid) };
    const peakRssBytes = peakRssOf(dashboardPid);
    const wall = (end.at - start.at) / 1000;
    let chromiumSeconds = 0;
    for (const [pid, cpu] of end.chromium) chromiumSeconds += cpu - (start.chromium.get(pid) ?? 0);

    return {
      rateHz: RATE_HZ,
      tabs: TABS,
      seconds,
      alone,
      withDashboard: publisherPhase(start.publisher, end.publisher),
      dashboard: {
        cpuPercent: (100 * (end.dashboardCpu - start.dashboardCpu)) / wall,
        rssIdleBytes,
        rssStartBytes: start.rss,
        rssEndBytes: end.rss,
        peakRssBytes,
        setupSeconds,
      },
      chromium: { cpuPercent: (100 * chromiumSeconds) / wall, processes: end.chromium.size },
      perTab: end.tabs.map((tab, i) => {
        const received = tab.received - start.tabs[i]!.received;
        return { received, receivedPerS: received / wall, dropped: tab.dropped - start.tabs[i]!.dropped };
      }),
    };
  } finally {
    await browser?.close().catch(() => undefined);
    for (const child of children.reverse()) await child.stop();
    process.off("exit", killChildren);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Evaluated in a page (as text: this project is type-checked without the DOM's types, and tsx would wrap a
 * function's inner functions in a helper the page does not have): the plot's `received-` and `dropped-` counters.
 */
const COUNTERS = `(() => {
  const count = (what) => Number(document.querySelector('[data-testid="' + what + '-${SIGNAL}"]')?.textContent ?? NaN);
  return { received: count("received"), dropped: count("dropped") };
})()`;

function countersOf(page: Page): Promise<{ received: number; dropped: number }> {
  return page.evaluate(COUNTERS) as Promise<{ received: number; dropped: number }>;
}

function publisherPhase(start: PublisherMark, end: PublisherMark): PublisherPhase {
  const seconds = (end.atMs - start.atMs) / 1000;
  return {
    seconds,
    published: end.published - start.published,
    ratePerS: (end.published - start.published) / seconds,
    missed: end.missed - start.missed,
    cpuPercent: (100 * (end.cpuSeconds - start.cpuSeconds)) / seconds,
    loopDelayP99Ms: end.loopDelayP99Ms,
    loopDelayMaxMs: end.loopDelayMaxMs,
  };
}

/** CPU seconds (user + system) of process `pid`, from `/proc/<pid>/stat`; 0 when it is gone. */
function cpuSecondsOf(pid: number): number {
  const stat = readProc(`${pid}/stat`);
  if (stat === undefined) return 0;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // from the 3rd field (state) on
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
}

/** `VmRSS` of process `pid`, bytes. */
function rssOf(pid: number): number {
  return statusKb(pid, "VmRSS") * 1024;
}

/** `VmHWM` (the largest RSS so far) of process `pid`, bytes. */
function peakRssOf(pid: number): number {
  return statusKb(pid, "VmHWM") * 1024;
}

function statusKb(pid: number, field: string): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readProc(`${pid}/status`) ?? "");
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

function commOf(pid: number): string | undefined {
  return readProc(`${pid}/comm`)?.trim();
}

/** The processes whose parent is `pid`. */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`${entry}/stat`);
    if (stat !== undefined && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) children.push(Number(entry));
  }
  return children;
}

/** `pid` and every process below it. */
function treeOf(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...childPids(tree[i]!));
  return tree;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(`/proc/${path}`, "utf8");
  } catch {
    return undefined; // the process is gone
  }
}

/** A UDP port free on loopback a moment ago: the lab's own discovery port. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** One line per figure, for a run of this file alone. */
export function describeDashboardLoad(r: DashboardLoadFigures): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  const phase = (p: PublisherPhase) =>
    `${p.ratePerS.toFixed(0)}/s (missed ${p.missed}), CPU ${p.cpuPercent.toFixed(1)} %, event loop delay p99 ${p.loopDelayP99Ms.toFixed(1)} ms (max ${p.loopDelayMaxMs.toFixed(1)} ms)`;
  return [
    `${r.rateHz / 1000} kHz signal, ${r.tabs} tabs, ${r.seconds} s each phase`,
    `publisher alone:          ${phase(r.alone)}`,
    `publisher with dashboard: ${phase(r.withDashboard)}`,
    `dashboard process: CPU ${r.dashboard.cpuPercent.toFixed(1)} %, RSS ${mb(r.dashboard.rssIdleBytes)} idle, ${mb(r.dashboard.rssStartBytes)} → ${mb(r.dashboard.rssEndBytes)} over the phase, peak ${mb(r.dashboard.peakRssBytes)}; set up in ${r.dashboard.setupSeconds.toFixed(1)} s`,
    `chromium (${r.chromium.processes} processes): CPU ${r.chromium.cpuPercent.toFixed(1)} %`,
    ...r.perTab.map((tab, i) => `tab ${i + 1}: received ${tab.received} (${tab.receivedPerS.toFixed(0)}/s), dropped ${tab.dropped}`),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv.slice(2).find((arg) => !arg.startsWith("--")) ?? 30);
  const r = await benchDashboardLoad(seconds);
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else console.log(typeof r === "string" ? r : describeDashboardLoad(r));
  process.exit(0);
}

/**
 * The dashboard's HTTP API from a plain HTTP client, against a lab context in a child process found by discovery:
 * sessions, the lab's state as events, calls (arguments checked, locks honoured), plots, and every refusal (another
 * origin, no CSRF token, no session, a foreign Host, a large body, wrong tokens).
 */
import assert from "node:assert/strict";
import { get } from "node:http";
import { after, before, describe, it } from "node:test";
import { Context } from "../../runtime/context/context.ts";
import "../../generated/index.ts";
import { startDashboard, type Dashboard } from "../../dashboard/server/dashboard-server.ts";
import type { CallResult, ContextState, HelloEvent, LabState, PointsEvent, SessionInfo } from "../../dashboard/api.ts";
import type { Child } from "../helpers/child-context.ts";
import { EventReader, labConfig, startLabContext, type LabConfig } from "./support/lab.ts";

const TOKEN = "dashboard-api-test-token-0123456789";

/** A browser-like client of one dashboard: its cookie, CSRF token and origin. */
class Client {
  cookie = "";
  csrf = "";
  constructor(readonly base: string) {}

  get origin(): string {
    return this.base.replace(/\/$/, "");
  }

  async session(): Promise<SessionInfo> {
    const response = await fetch(`${this.base}api/session`, { headers: { cookie: this.cookie } });
    this.#keepCookie(response);
    const info = (await response.json()) as SessionInfo;
    if (info.csrf) this.csrf = info.csrf;
    return info;
  }

  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: this.origin, cookie: this.cookie, "x-qmi-csrf": this.csrf, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    this.#keepCookie(response);
    return response;
  }

  async call(context: string, object: string, method: string, args: Record<string, string> = {}): Promise<CallResult> {
    const response = await this.post("api/call", { context, object, method, args });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as CallResult;
  }

  async events(): Promise<{ reader: EventReader; hello: HelloEvent }> {
    const response = await fetch(`${this.base}api/events`, { headers: { cookie: this.cookie } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const reader = new EventReader(response);
    const hello = (await reader.next((e) => e.event === "hello", 5, "hello")).data as HelloEvent;
    return { reader, hello };
  }

  #keepCookie(response: Response): void {
    const set = response.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0]!;
  }
}

/** The next lab state in which `context` satisfies `accept`. */
async function labWhere(reader: EventReader, accept: (context: ContextState | undefined) => boolean, what: string): Promise<LabState> {
  const event = await reader.next((e) => e.event === "lab" && accept((e.data as LabState).contexts.find((c) => c.name === "lab_a")), 30, what);
  return event.data as LabState;
}

describe("the dashboard's HTTP API", () => {
  let lab: LabConfig;
  let labContext: Child;
  let context: Context;
  let dashboard: Dashboard;
  let client: Client;

  before(async () => {
    lab = await labConfig("dash_api");
    labContext = await startLabContext("lab_a", lab.file);
    context = await Context.start("dash_api_dashboard", { config: lab.file });
    dashboard = await startDashboard({ context, port: 0, refreshSeconds: 0.25, discoverySeconds: 0.5 });
    client = new Client(dashboard.url);
  });

  after(async () => {
    await dashboard?.close();
    await context?.stop();
    labContext?.kill();
  });

  it("makes a session without a token: an HttpOnly, SameSite=Strict cookie and a CSRF token", async () => {
    const response = await fetch(`${dashboard.url}api/session`);
    const cookie = response.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^qmi_dashboard_session=[\w-]{40,};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const info = (await response.json()) as SessionInfo;
    assert.equal(info.tokenRequired, false);
    assert.equal(info.authenticated, true);
    assert.match(info.csrf ?? "", /^[\w-]{20,}$/);
    assert.equal((await client.session()).authenticated, true);
  });

  it("serves the page with a strict content security policy, and its bundled script and styles", async () => {
    const page = await fetch(dashboard.url);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    const script = await fetch(`${dashboard.url}app.js`);
    assert.match(script.headers.get("content-type") ?? "", /javascript/);
    // uPlot is bundled in: nothing is loaded from elsewhere.
    const text = await script.text();
    assert.ok(text.length > 30_000, `app.js is ${text.length} bytes`);
    assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org)[\w.-]+\//);
    assert.match(await (await fetch(`${dashboard.url}app.css`)).text(), /\.uplot/);
  });

  it("streams the lab: the context found by discovery, its objects, methods with parameters, signals and the task", async () => {
    const { reader, hello } = await client.events();
    assert.equal(hello.maxBufferedPoints, 20_000);
    assert.ok(Math.abs(hello.serverTime - Date.now()) < 10_000, `the dashboard's clock, ms since 1970: ${hello.serverTime}`);
    const state = await labWhere(reader, (c) => c?.connected === true && c.objects.some((o) => o.task?.status !== undefined), "lab_a with its task");
    await reader.cancel();
    assert.equal(state.dashboard.name, "dash_api_dashboard");
    assert.equal(state.dashboard.workgroup, "dash_api");
    const labA = state.contexts.find((c) => c.name === "lab_a")!;
    assert.match(labA.address, /^127\.0\.0\.1:\d+$/);
    assert.ok(labA.pid! > 0 && labA.version !== undefined && labA.uptimeSeconds! >= 0);
    const nsg = labA.objects.find((o) => o.name === "nsg")!;
    assert.equal(nsg.kind, "instrument");
    assert.equal(nsg.className, "NoisySineGenerator");
    assert.equal(nsg.locked, false);
    assert.equal(nsg.problem, undefined);
    const setAmplitude = nsg.methods.find((m) => m.name === "setAmplitude")!;
    assert.deepEqual(setAmplitude.params?.map((p) => [p.name, p.input, p.type, p.optional]), [["amplitude", "number", "number", false]]);
    assert.deepEqual(nsg.signals.find((s) => s.name === "sampleTaken")?.numericFields, ["t", "value"]);
    const task = labA.objects.find((o) => o.name === "task")!;
    assert.equal(task.kind, "task");
    assert.deepEqual(task.task?.status, { updates: 0 });
    assert.deepEqual(task.task?.settings, { amplitude: 100 });
  });

  it("calls methods with their arguments read by type, and returns the error of a failed call", async () => {
    assert.deepEqual(await client.call("lab_a", "nsg", "setAmplitude", { amplitude: "2.5" }), { ok: true, result: null });
    assert.deepEqual(await client.call("lab_a", "nsg", "getAmplitude"), { ok: true, result: 2.5 });
    const refusals: [Record<string, string>, RegExp][] = [
      [{ amplitude: "five" }, /parameter amplitude: expected number, got "five"/],
      [{}, /parameter amplitude is required/],
      [{ amplitude: "1", volume: "2" }, /setAmplitude has no parameter volume/],
      [{ amplitude: "-1" }, /amplitude/],
    ];
    for (const [args, message] of refusals) {
      const result = await client.call("lab_a", "nsg", "setAmplitude", args);
      assert.equal(result.ok, false, JSON.stringify(args));
      if (!result.ok) {
        assert.equal(result.error.name, "InvalidArgumentError");
        assert.match(result.error.message, message);
      }
    }
    const unknown = await client.call("lab_a", "nsg", "selfDestruct");
    assert.equal(unknown.ok || unknown.error.name, "UnknownNameError");
    assert.deepEqual(await client.call("lab_a", "nsg", "getAmplitude"), { ok: true, result: 2.5 });
  });

  it("shows a lock taken by another context, by name and never its token, and the call then fails with LockedError", async () => {
    const locker = await Context.start("dash_api_locker", { config: lab.file });
    try {
      await locker.connectToPeer("lab_a", { address: dashboard.lab.state.contexts.find((c) => c.name === "lab_a")!.address });
      const nsg = await locker.getInstrument("lab_a.nsg");
      await nsg.lock({ lockToken: "secret-lock-token-of-the-locker" });
      const { reader } = await client.events();
      const locked = await labWhere(reader, (c) => c?.objects.find((o) => o.name === "nsg")?.locked === true, "nsg locked");
      assert.equal(locked.contexts.find((c) => c.name === "lab_a")!.objects.find((o) => o.name === "nsg")!.lockedBy, "dash_api_locker");
      assert.doesNotMatch(JSON.stringify(locked), /secret-lock-token/);
      const refused = await client.call("lab_a", "nsg", "setAmplitude", { amplitude: "7" });
      assert.equal(refused.ok || refused.error.name, "LockedError");
      await nsg.unlock({ lockToken: "secret-lock-token-of-the-locker" });
      await labWhere(reader, (c) => c?.objects.find((o) => o.name === "nsg")?.locked === false, "nsg unlocked");
      await reader.cancel();
      assert.deepEqual(await client.call("lab_a", "nsg", "setAmplitude", { amplitude: "7" }), { ok: true, result: null });
    } finally {
      await locker.stop();
    }
  });

  it("updates a task's status and settings as the task publishes them", async () => {
    const { reader } = await client.events();
    assert.deepEqual(await client.call("lab_a", "task", "setAmplitude", { amplitude: "42" }), { ok: true, result: null });
    const state = await labWhere(reader, (c) => (c?.objects.find((o) => o.name === "task")?.task?.status as { updates?: number })?.updates === 1, "the task's status");
    const task = state.contexts.find((c) => c.name === "lab_a")!.objects.find((o) => o.name === "task")!.task!;
    assert.equal(task.running, true);
    assert.deepEqual(task.settings, { amplitude: 42 });
    // The runner's setSettings takes the settings as JSON, checked against the task's settings type.
    const setSettings = state.contexts.find((c) => c.name === "lab_a")!.objects.find((o) => o.name === "task")!.methods.find((m) => m.name === "setSettings")!;
    assert.deepEqual(setSettings.params?.map((p) => [p.name, p.input, p.type]), [["settings", "json", "DemoLoopTaskSettings"]]);
    const wrong = await client.call("lab_a", "task", "setSettings", { settings: '{"amplitude": 12, "gain": 2}' });
    assert.equal(wrong.ok || wrong.error.message, "parameter settings: DemoLoopTaskSettings has no field gain (fields: sample, amplitude)");
    assert.deepEqual(await client.call("lab_a", "task", "setSettings", { settings: '{"amplitude": 12, "sample": 0.5}' }), { ok: true, result: null });
    const applied = await labWhere(reader, (c) => (c?.objects.find((o) => o.name === "task")?.task?.status as { updates?: number })?.updates === 2, "the second update");
    await reader.cancel();
    assert.deepEqual(applied.contexts.find((c) => c.name === "lab_a")!.objects.find((o) => o.name === "task")!.task!.settings, { amplitude: 12, sample: 0.5 });
  });

  it("plots a signal: points of its numeric fields arrive on the stream that asked, until it stops", async () => {
    const { reader, hello } = await client.events();
    const plotted = await client.post("api/plots", { stream: hello.stream, signal: "lab_a.nsg.sampleTaken", subscribe: true });
    assert.equal(plotted.status, 204, await plotted.text());
    let points = 0;
    while (points < 50) {
      const event = (await reader.next((e) => e.event === "points", 10, "points")).data as PointsEvent;
      assert.equal(event.signal, "lab_a.nsg.sampleTaken");
      assert.deepEqual(event.fields, ["t", "value"]);
      assert.equal(event.values.length, 2);
      assert.equal(event.values[1]!.length, event.t.length);
      assert.ok(event.values[1]!.every((v) => typeof v === "number"));
      assert.equal(event.dropped, 0);
      points += event.t.length;
    }
    const refusals: [unknown, number, RegExp][] = [
      [{ stream: hello.stream, signal: "lab_a.nsg.noSuchSignal", subscribe: true }, 400, /no numbers to plot/],
      [{ stream: hello.stream, signal: "not a signal", subscribe: true }, 400, /not a signal/],
      [{ stream: "someone-elses-stream", signal: "lab_a.nsg.sampleTaken", subscribe: true }, 404, /No such event stream/],
      [{ stream: hello.stream, signal: "lab_a.nsg.sampleTaken" }, 400, /stream, signal, subscribe/],
    ];
    for (const [body, status, message] of refusals) {
      const response = await client.post("api/plots", body);
      assert.equal(response.status, status, JSON.stringify(body));
      assert.match(((await response.json()) as { error: string }).error, message);
    }
    assert.equal((await client.post("api/plots", { stream: hello.stream, signal: "lab_a.nsg.sampleTaken", subscribe: false })).status, 204);
    await reader.cancel();
  });

  it("refuses requests from another origin, without the CSRF token or a session, to another Host, and large bodies", async () => {
    const body = { context: "lab_a", object: "nsg", method: "setAmplitude", args: { amplitude: "99" } };
    const refusals: [Record<string, string>, number, RegExp][] = [
      [{ origin: "http://evil.example" }, 403, /another origin/],
      [{ origin: "" }, 403, /another origin/],
      [{ "sec-fetch-site": "cross-site" }, 403, /another site/],
      [{ "content-type": "text/plain" }, 403, /application\/json/],
      [{ "x-qmi-csrf": "" }, 403, /x-qmi-csrf/],
      [{ "x-qmi-csrf": "guessed-csrf-token-of-the-right-size" }, 403, /x-qmi-csrf/],
      [{ cookie: "" }, 401, /No session/],
      [{ cookie: "qmi_dashboard_session=forged" }, 401, /No session/],
    ];
    for (const [headers, status, message] of refusals) {
      const response = await client.post("api/call", body, headers);
      assert.equal(response.status, status, JSON.stringify(headers));
      assert.match(((await response.json()) as { error: string }).error, message);
    }
    // fetch() sends its own Host header, so this one goes through node:http.
    const foreignHost = await new Promise<number>((resolve, reject) =>
      get(dashboard.url, { headers: { host: "rebound.example:80" } }, (response) => (response.resume(), resolve(response.statusCode!))).on("error", reject),
    );
    assert.equal(foreignHost, 421);
    const large = await client.post("api/call", JSON.stringify({ ...body, args: { amplitude: "1".repeat(2 * 1024 * 1024) } }));
    assert.equal(large.status, 413);
    assert.deepEqual(await client.call("lab_a", "nsg", "getAmplitude"), { ok: true, result: 7 });
  });

  it("with a lab token, opens a session only for the right token and refuses guessing after ten wrong ones", async () => {
    const tokenContext = await Context.start("dash_api_token", { config: lab.variant("token.conf", { security: { token: TOKEN } }) });
    const secured = await startDashboard({ context: tokenContext, port: 0, refreshSeconds: 0.25, discoverySeconds: 0.5 });
    try {
      const visitor = new Client(secured.url);
      assert.deepEqual(await visitor.session(), { tokenRequired: true, authenticated: false });
      assert.equal(visitor.cookie, "");
      assert.equal((await fetch(`${secured.url}api/events`)).status, 401);
      assert.equal((await visitor.post("api/call", { context: "lab_a", object: "nsg", method: "getAmplitude", args: {} })).status, 401);
      const wrong = await visitor.post("api/session", { token: "not-the-token" });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.headers.get("set-cookie"), null);
      const right = await visitor.post("api/session", { token: TOKEN });
      assert.equal(right.status, 200);
      assert.match(right.headers.get("set-cookie") ?? "", /HttpOnly/);
      const info = (await visitor.session()).csrf;
      assert.ok(info);
      const { reader } = await visitor.events();
      await reader.cancel();
      // A login from another origin is refused like any POST.
      assert.equal((await visitor.post("api/session", { token: TOKEN }, { origin: "http://evil.example" })).status, 403);
      const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => new Client(secured.url).post("api/session", { token: `guess-${i}` }).then((r) => r.status)));
      assert.deepEqual(guesses.filter((s) => s === 401).length, 9, `statuses ${guesses}`);
      assert.deepEqual(guesses.filter((s) => s === 429).length, 3, `statuses ${guesses}`);
      // Even the right token waits out the minute now.
      assert.equal((await new Client(secured.url).post("api/session", { token: TOKEN })).status, 429);
    } finally {
      await secured.close();
      await tokenContext.stop();
    }
  });
});

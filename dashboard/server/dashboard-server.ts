/**
 * The dashboard's web server (fastify): the page, its session, the lab's live state and plots as Server-Sent
 * Events, and calls. See `../api.ts` for the requests.
 *
 * Safe by default: it listens on 127.0.0.1 unless told otherwise, and answers only requests addressed to it by its
 * own name (the `Host` header, against DNS rebinding) unless it listens on every interface. Every POST must come
 * from its own origin (`Origin`, and `Sec-Fetch-Site` where the browser sends it), as JSON, with the session's CSRF
 * token; the session is an HttpOnly, SameSite=Strict cookie, made by typing the lab's token when it has one.
 * Bodies are limited to {@link MAX_BODY_BYTES}, event streams to {@link MAX_EVENT_STREAMS}, connections to
 * {@link MAX_CONNECTIONS}.
 *
 * @module
 */
import { isIP } from "node:net";
import fastifyCookie from "@fastify/cookie";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import type { Context } from "../../runtime/context/context.ts";
import { QmiError } from "../../runtime/protocol/errors.ts";
import { CSRF_HEADER, SESSION_COOKIE, type PlotRequest, type SessionInfo } from "../api.ts";
import { EventStream } from "./event-stream.ts";
import { LabMonitor, type LabMonitorOptions } from "./lab-monitor.ts";
import { callMethod, checkCallRequest } from "./method-calls.ts";
import { loadPageAssets } from "./page-assets.ts";
import { Sessions, type Session } from "./sessions.ts";
import { SignalPlots } from "./signal-plots.ts";

/** The largest request body, bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The most event streams (browser tabs) at once. */
export const MAX_EVENT_STREAMS = 64;
/** The most open connections at once. */
export const MAX_CONNECTIONS = 256;

/** The dashboard's default port. */
export const DEFAULT_DASHBOARD_PORT = 8420;

const PAGE_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

/** Options of {@link startDashboard}. */
export interface DashboardOptions extends LabMonitorOptions {
  /** The context the dashboard joins the lab as (started by the caller, stopped by the caller). */
  readonly context: Context;
  /** The address to listen on; default 127.0.0.1 (this machine only). */
  readonly host?: string;
  /** The port; default {@link DEFAULT_DASHBOARD_PORT}, 0 for any free one. */
  readonly port?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** Where the page is, e.g. `http://127.0.0.1:8420/`. */
  readonly url: string;
  /** The lab as the dashboard sees it. */
  readonly lab: LabMonitor;
  /** Closes the page's connections and stops watching the lab (the context stays up). */
  close(): Promise<void>;
}

/** Starts a dashboard for the lab `options.context` is part of; resolves once it serves. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { context } = options;
  const host = options.host ?? "127.0.0.1";
  const assets = await loadPageAssets();
  const lab = new LabMonitor(context, options);
  const sessions = new Sessions(context.security.token);
  const plots = new SignalPlots(context, (signal) => lab.fieldsOf(signal));
  const streams = new Map<string, { stream: EventStream; session: string }>();

  const app = Fastify({ logger: false, bodyLimit: MAX_BODY_BYTES, forceCloseConnections: true, return503OnClosing: true });
  await app.register(fastifyCookie);
  // Nothing is answered until the port is known; then only requests addressed to it (undefined: any).
  let allowedHosts: Set<string> | undefined = new Set();

  app.addHook("onRequest", async (request, reply) => {
    if (allowedHosts && !allowedHosts.has(request.headers.host ?? "")) {
      return reply.code(421).send({ error: `This dashboard answers to ${[...allowedHosts].join(", ")}, not ${JSON.stringify(request.headers.host ?? "")}` });
    }
    if (request.method === "POST") {
      const problem = crossOriginProblem(request);
      if (problem) return reply.code(403).send({ error: problem });
    }
  });

  const sessionOf = (request: FastifyRequest): Session | undefined => sessions.get(request.cookies[SESSION_COOKIE]);
  const setCookie = (reply: FastifyReply, session: Session) =>
    reply.setCookie(SESSION_COOKIE, session.id, { httpOnly: true, sameSite: "strict", path: "/" });
  /** The session of a request that needs one, with a valid CSRF token for a POST; else answers 401 or 403. */
  const requireSession = (request: FastifyRequest, reply: FastifyReply): Session | undefined => {
    const session = sessionOf(request);
    if (!session) {
      void reply.code(401).send({ error: "No session: load the page (and type the lab's token when asked)" });
      return undefined;
    }
    if (request.method === "POST" && !Sessions.csrfMatches(session, request.headers[CSRF_HEADER])) {
      void reply.code(403).send({ error: `Missing or wrong ${CSRF_HEADER} header` });
      return undefined;
    }
    return session;
  };

  app.get("/", (_request, reply) => reply.headers({ ...PAGE_HEADERS, "content-type": "text/html; charset=utf-8" }).send(assets.html));
  app.get("/app.js", (_request, reply) => reply.headers({ ...PAGE_HEADERS, "content-type": "text/javascript; charset=utf-8" }).send(assets.js));
  app.get("/app.css", (_request, reply) => reply.headers({ ...PAGE_HEADERS, "content-type": "text/css; charset=utf-8" }).send(assets.css));

  app.get("/api/session", (request, reply) => {
    let session = sessionOf(request);
    if (!session && !sessions.tokenRequired) setCookie(reply, (session = sessions.open()));
    const info: SessionInfo = { tokenRequired: sessions.tokenRequired, authenticated: session !== undefined, ...(session && { csrf: session.csrf }) };
    return reply.header("cache-control", "no-store").send(info);
  });

  app.post("/api/session", async (request, reply) => {
    const token = (request.body as { token?: unknown } | null)?.token;
    const session = await sessions.login(token);
    if (session === "too-many-attempts") return reply.code(429).send({ error: "Too many wrong tokens in the last minute; wait and try again" });
    if (session === "wrong-token") return reply.code(401).send({ error: "That is not the lab's token" });
    setCookie(reply, session);
    const info: SessionInfo = { tokenRequired: sessions.tokenRequired, authenticated: true, csrf: session.csrf };
    return reply.send(info);
  });

  app.get("/api/events", (request, reply) => {
    const session = requireSession(request, reply);
    if (!session) return reply;
    if (streams.size >= MAX_EVENT_STREAMS) return reply.code(503).send({ error: `At most ${MAX_EVENT_STREAMS} pages may watch at once` });
    reply.hijack();
    const stream = new EventStream(reply.raw);
    streams.set(stream.id, { stream, session: session.id });
    stream.setLab(lab.state);
    const stopListening = lab.onChange((state) => stream.setLab(state));
    stream.onClose(() => {
      stopListening();
      plots.stopAll(stream);
      streams.delete(stream.id);
    });
    return reply;
  });

  app.post("/api/call", async (request, reply) => {
    if (!requireSession(request, reply)) return reply;
    let call;
    try {
      call = checkCallRequest(request.body);
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
    return reply.send(await callMethod(context, lab, call));
  });

  app.post("/api/plots", async (request, reply) => {
    const session = requireSession(request, reply);
    if (!session) return reply;
    const body = request.body as Partial<Record<keyof PlotRequest, unknown>> | null;
    if (typeof body?.stream !== "string" || typeof body.signal !== "string" || typeof body.subscribe !== "boolean") {
      return reply.code(400).send({ error: "A plot request is { stream, signal, subscribe }" });
    }
    const owned = streams.get(body.stream);
    if (!owned || owned.session !== session.id) return reply.code(404).send({ error: "No such event stream of this session (it may have closed)" });
    try {
      if (body.subscribe) await plots.start(owned.stream, body.signal);
      else plots.stop(owned.stream, body.signal);
    } catch (error) {
      const qmiError = QmiError.from(error);
      return reply.code(400).send({ error: `${qmiError.name}: ${qmiError.message}` });
    }
    return reply.code(204).send();
  });

  await lab.start();
  try {
    await app.listen({ host, port: options.port ?? DEFAULT_DASHBOARD_PORT });
  } catch (error) {
    await lab.close();
    throw error;
  }
  app.server.maxConnections = MAX_CONNECTIONS;
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? DEFAULT_DASHBOARD_PORT);
  allowedHosts = hostsFor(host, port);
  const url = `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/`;
  let closing: Promise<void> | undefined;
  return {
    url,
    lab,
    close() {
      closing ??= (async () => {
        for (const { stream } of streams.values()) stream.close();
        plots.close();
        await app.close();
        await lab.close();
      })();
      return closing;
    },
  };
}

/** The `Host` headers a dashboard listening on `host:port` answers; undefined (any) when it listens everywhere. */
function hostsFor(host: string, port: number): Set<string> | undefined {
  if (host === "0.0.0.0" || host === "::") return undefined;
  const names = [isIP(host) === 6 ? `[${host}]` : host];
  if (host === "127.0.0.1" || host === "::1" || host === "localhost") names.push("127.0.0.1", "localhost", "[::1]");
  return new Set(names.map((name) => `${name}:${port}`));
}

/** Why a POST is refused as coming from another origin, if it is. */
function crossOriginProblem(request: FastifyRequest): string | undefined {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return `Refused: a request from another site (sec-fetch-site: ${site})`;
  if (request.headers.origin !== `http://${request.headers.host}`) return `Refused: a request from another origin (${request.headers.origin ?? "no Origin header"})`;
  if (!/^application\/json\s*(;|$)/i.test(request.headers["content-type"] ?? "")) return "Refused: a POST must be application/json";
  return undefined;
}

/**
 * The dashboard page: asks for the lab's token if needed, then follows the event stream, rendering the lab live.
 * Start-up and every lost session go through {@link start}: `GET /api/session` makes a session when no token is
 * required, and says when one is.
 */

import "uplot/dist/uPlot.min.css";
import "./style.css";
import { EventStream } from "./events.ts";
import type { RetryDecision, StreamStatus } from "./events.ts";
import { LabView } from "./lab-view.ts";
import { showLogin } from "./login-view.ts";
import { Plots } from "./plots.ts";
import { setServerTime } from "./server-clock.ts";
import { Session } from "./session.ts";
import { setNote, setText } from "./dom.ts";

const STATUS_TEXT: Record<StreamStatus, string> = { connecting: "connecting…", live: "live", reconnecting: "reconnecting…", offline: "offline" };
const RETRY_MS = 3000;

type SessionState = "ready" | "login" | "unreachable";
const RETRY_DECISION: Record<SessionState, RetryDecision> = { ready: "open", login: "stop", unreachable: "wait" };

const page = {
  status: byId("stream-status"),
  dashboard: byId("dashboard-info"),
  notice: byId("notice"),
  login: byId("login"),
  plots: byId("plots"),
  lab: byId("lab"),
};

const session = new Session(() => void start());
const plots = new Plots(page.plots, session);
const lab = new LabView(page.lab, page.dashboard, { session, plots });
const stream = new EventStream("/api/events", {
  hello: (event) => {
    setServerTime(event.serverTime);
    plots.setStream(event.stream);
  },
  lab: (event) => lab.update(event),
  points: (event) => plots.points(event),
  plotEnded: (event) => plots.ended(event),
  status: (status) => {
    setText(page.status, STATUS_TEXT[status]);
    page.status.dataset["state"] = status;
  },
  // The stream was refused: renew the session (or ask for the token) before trying again.
  beforeRetry: async () => RETRY_DECISION[await readSession()],
});

let starting: Promise<void> | undefined;

/** (Re)starts from the session; concurrent calls (several 401s at once) share one start. */
function start(): Promise<void> {
  starting ??= (async () => {
    stream.close();
    const state = await readSession().catch(() => "unreachable" as const);
    if (state === "ready") stream.open();
    else if (state === "unreachable") setTimeout(() => void start(), RETRY_MS);
  })().finally(() => (starting = undefined));
  return starting;
}

/** Reads the session and shows the login or the lab accordingly. */
async function readSession(): Promise<SessionState> {
  let info;
  try {
    info = await session.read();
  } catch (error) {
    setNote(page.notice, `Cannot reach the dashboard server (${String(error)}); retrying.`);
    return "unreachable";
  }
  setNote(page.notice, undefined);
  const needsLogin = info.tokenRequired && !info.authenticated;
  page.lab.hidden = needsLogin;
  page.plots.hidden = needsLogin;
  page.login.hidden = !needsLogin;
  if (needsLogin) showLogin(page.login, login);
  return needsLogin ? "login" : "ready";
}

async function login(token: string): Promise<string | undefined> {
  const error = await session.login(token);
  if (error === undefined) await start();
  return error;
}

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no element #${id}; the page and its script do not match`);
  return element;
}

void start();

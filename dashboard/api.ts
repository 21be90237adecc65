/**
 * The dashboard's HTTP API: what the page (`web/`) and the server (`server/`) say to each other. Plain types and
 * constants only, imported by both sides, so that neither can drift from the other.
 *
 * Requests:
 * - `GET /` the page; `GET /app.js`, `GET /app.css` its script (uPlot bundled in) and styles. Nothing else is
 *   loaded: the page works offline.
 * - `GET /api/session` → {@link SessionInfo}. Without a lab token the session is made here; with one,
 *   `POST /api/session` with {@link LoginRequest} makes it (401 and `{ error }` for a wrong token).
 * - `GET /api/events`: Server-Sent Events, see {@link EventName}. Needs a session.
 * - `POST /api/call` with {@link CallRequest} → {@link CallResult}.
 * - `POST /api/plots` with {@link PlotRequest} → 204.
 *
 * Every POST carries `content-type: application/json` and comes from the dashboard's own origin; every POST but
 * the login (`POST /api/session`, made before there is a session) also carries the session's CSRF token in the
 * {@link CSRF_HEADER} header. Anything else is refused with 403. A request without a session
 * gets 401. Errors of the API itself (not of a call) are `{ error: string }` with a 4xx status.
 *
 * @module
 */

/** The header carrying the session's CSRF token on every POST. */
export const CSRF_HEADER = "x-qmi-csrf";

/** The session cookie's name (HttpOnly, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = "qmi_dashboard_session";

/** `GET /api/session`, and the answer of a successful `POST /api/session`. */
export interface SessionInfo {
  /** True when the lab has a `security.token`: the page must ask for it before anything else. */
  readonly tokenRequired: boolean;
  /** True when this browser holds a valid session. */
  readonly authenticated: boolean;
  /** The session's CSRF token, for the {@link CSRF_HEADER} header; present when authenticated. */
  readonly csrf?: string;
}

/** `POST /api/session`: the lab's token, typed by the user. */
export interface LoginRequest {
  readonly token: string;
}

/**
 * The events of `GET /api/events`, each an SSE event of this name whose data is JSON:
 * - `hello`: {@link HelloEvent}, first, once;
 * - `lab`: {@link LabState}, the whole lab, after `hello` and whenever it changes (at most a few times a second);
 * - `points`: {@link PointsEvent}, new points of a plotted signal (batched, a few times a second);
 * - `plot-ended`: {@link PlotEndedEvent}, a plotted signal's subscription ended (its context stopped).
 */
export type EventName = "hello" | "lab" | "points" | "plot-ended";

/** The first event of a stream. */
export interface HelloEvent {
  /** This event stream's id, for {@link PlotRequest.stream}. */
  readonly stream: string;
  /** The most points kept per plotted signal for this stream while the browser does not read; more are dropped and counted. */
  readonly maxBufferedPoints: number;
  /** The dashboard's clock as the stream opened, milliseconds since 1970: the clock of every `lastSeen`. */
  readonly serverTime: number;
}

/** The lab as the dashboard sees it. */
export interface LabState {
  /** The dashboard's own context. */
  readonly dashboard: { readonly name: string; readonly workgroup: string; readonly version: string };
  /** Every context the dashboard knows (configured, discovered or connected), by name. */
  readonly contexts: readonly ContextState[];
}

/** One context of the lab. */
export interface ContextState {
  readonly name: string;
  /** `host:port` of its server. */
  readonly address: string;
  /** True while the dashboard is connected and the context answers. */
  readonly connected: boolean;
  readonly version?: string;
  readonly pid?: number;
  /** Seconds since the context started, when it last answered. */
  readonly uptimeSeconds?: number;
  /** When it last answered, milliseconds since 1970. */
  readonly lastSeen?: number;
  /** Why it is not connected or not described, e.g. `ConnectionError: ...`. */
  readonly problem?: string;
  /** Its hosted objects (the last known list while disconnected). */
  readonly objects: readonly ObjectState[];
}

/** One hosted object. */
export interface ObjectState {
  readonly name: string;
  /** `instrument`, `task` or `object`. */
  readonly kind: string;
  readonly className: string;
  /** The fully qualified gRPC service. */
  readonly service: string;
  readonly doc: string;
  readonly methods: readonly MethodInfo[];
  readonly signals: readonly SignalInfo[];
  readonly constants: readonly ConstantInfo[];
  readonly locked: boolean;
  /** The context holding the lock, when locked ("" for a client that sent no context name). Never the token. */
  readonly lockedBy?: string;
  /** For task runners: running state, status and settings. */
  readonly task?: TaskState;
  /**
   * Why its call forms and plots are not available, e.g. its generated code is not loaded in the dashboard
   * (`qmi dashboard --import generated/index.ts`). Its methods are still listed.
   */
  readonly problem?: string;
}

/** How a parameter is typed in, and how the server reads the text. */
export type InputKind =
  /** A finite decimal number, or `NaN`, `Infinity`, `-Infinity`. */
  | "number"
  /** Decimal digits with an optional sign (safe integers; 64-bit ones exact). */
  | "integer"
  /** `true` or `false`. */
  | "boolean"
  /** One of {@link ParamInfo.choices}. */
  | "enum"
  /** The text as given. */
  | "string"
  /** Base64. */
  | "bytes"
  /** An ISO 8601 date. */
  | "date"
  /** JSON: a message, list, map or typed array. */
  | "json";

/** One parameter of a method. */
export interface ParamInfo {
  readonly name: string;
  readonly input: InputKind;
  /** The TypeScript type, for a hint, e.g. `number`, `Waveform`, `Float64Array`. */
  readonly type: string;
  /** True when it may be left empty (omitted). */
  readonly optional: boolean;
  /** The choices of an enum (its TypeScript values, as text). */
  readonly choices?: readonly string[];
  readonly doc: string;
}

/** One RPC method. */
export interface MethodInfo {
  readonly name: string;
  /** The TypeScript signature, e.g. `setAmplitude(amplitude: number): Promise<void>`. */
  readonly signature: string;
  readonly doc: string;
  /** Its parameters; absent when the dashboard does not have the object's generated code. */
  readonly params?: readonly ParamInfo[];
}

/** One signal. */
export interface SignalInfo {
  readonly name: string;
  readonly doc: string;
  /** Fields that can be plotted: `value` for a bare number, else paths like `sample` or `position.x`; empty: none. */
  readonly numericFields: readonly string[];
}

/** One constant. */
export interface ConstantInfo {
  readonly name: string;
  readonly type: string;
  /** Its value as JSON text. */
  readonly valueJson: string;
  readonly doc: string;
}

/** What the dashboard knows of a task runner. */
export interface TaskState {
  readonly running?: boolean;
  /** The last status the task published (or read), as JSON. */
  readonly status?: unknown;
  /** The active settings, as JSON. */
  readonly settings?: unknown;
}

/** `POST /api/call`: calls `context.object.method`. */
export interface CallRequest {
  readonly context: string;
  readonly object: string;
  readonly method: string;
  /**
   * The parameters as typed, by name, read by their {@link InputKind} (a checkbox sends `true` or `false`); an
   * optional parameter left out or empty is omitted.
   */
  readonly args: Readonly<Record<string, string>>;
}

/** The answer of `POST /api/call`, status 200 whether the call succeeded or not. */
export type CallResult =
  /** `result` as JSON: 64-bit integers as text, bytes as base64, dates as ISO text, typed arrays as arrays. */
  | { readonly ok: true; readonly result: unknown }
  /** The error's class (e.g. `LockedError`, `InvalidArgumentError`) and message. */
  | { readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

/** `POST /api/plots`: starts or stops sending a signal's points to an event stream. */
export interface PlotRequest {
  /** The {@link HelloEvent.stream} id. */
  readonly stream: string;
  /** `context.object.signal`. */
  readonly signal: string;
  readonly subscribe: boolean;
}

/** New points of one plotted signal. */
export interface PointsEvent {
  /** `context.object.signal`. */
  readonly signal: string;
  /** The plotted fields, as in {@link SignalInfo.numericFields}. */
  readonly fields: readonly string[];
  /** When the dashboard received each point, milliseconds since 1970. */
  readonly t: readonly number[];
  /** `values[f][i]`: field `f` of point `i` (`null` for an absent or non-finite value). */
  readonly values: readonly (readonly (number | null)[])[];
  /** Points of this signal dropped for this stream so far, because the browser did not keep up. */
  readonly dropped: number;
}

/** A plotted signal's subscription ended. */
export interface PlotEndedEvent {
  readonly signal: string;
  readonly reason: string;
}

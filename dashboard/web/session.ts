/**
 * The page's side of the session: reads it, logs in, and sends every POST with the CSRF token. A 401 on any request
 * means the session is gone (the server restarted, or the token changed); the page then starts over from
 * `GET /api/session`, which either makes a new session or asks for the token again.
 */

import { CSRF_HEADER } from "../api.ts";
import type { LoginRequest, SessionInfo } from "../api.ts";

/** The outcome of a POST: its JSON body on success, else the server's `{ error }` text. */
export type PostOutcome = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly error: string };

export class Session {
  #csrf = "";

  /** @param onUnauthorized called when the server answers 401: the session is gone. */
  constructor(private readonly onUnauthorized: () => void) {}

  async read(): Promise<SessionInfo> {
    const response = await fetch("/api/session", { credentials: "same-origin", headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(await errorText(response));
    const info = (await response.json()) as SessionInfo;
    this.#csrf = info.csrf ?? "";
    return info;
  }

  /** Sends the lab's token; resolves to the server's error text when refused, else undefined. */
  async login(token: string): Promise<string | undefined> {
    const request: LoginRequest = { token };
    const response = await fetch("/api/session", this.#postInit(request));
    return response.ok ? undefined : await errorText(response);
  }

  /** Never rejects: a failure to reach the server is an outcome like the server's own errors. */
  async post(path: string, body: unknown): Promise<PostOutcome> {
    try {
      return await this.#post(path, body);
    } catch (error) {
      return { ok: false, error: `the dashboard server did not answer (${String(error)})` };
    }
  }

  async #post(path: string, body: unknown): Promise<PostOutcome> {
    const response = await fetch(path, this.#postInit(body));
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) return { ok: false, error: await errorText(response) };
    const text = await response.text();
    try {
      return { ok: true, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
    } catch {
      return { ok: false, error: `the server's answer to ${path} is not JSON` };
    }
  }

  #postInit(body: unknown): RequestInit {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    // Before login there is no session and so no CSRF token yet.
    if (this.#csrf) headers[CSRF_HEADER] = this.#csrf;
    return { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body) };
  }
}

/** The `{ error }` of an API error, or the status when the body is not one. */
async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === "string") return body.error;
  } catch {
    // Not JSON: fall back to the status line.
  }
  return `${response.status} ${response.statusText}`.trim();
}

/**
 * The dashboard's browser sessions: an id kept in an HttpOnly cookie, and a CSRF token the page sends back on
 * every POST. With a lab token, a session is made only by typing the token ({@link Sessions.login}); without one,
 * by loading the page.
 *
 * Bounded: at most {@link MAX_SESSIONS} sessions (the oldest go first), each ending after {@link SESSION_IDLE_MS}
 * unused; wrong tokens are answered slowly and at most {@link MAX_FAILED_LOGINS} a minute, so that guessing does
 * not scale.
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** The most sessions kept at once. */
export const MAX_SESSIONS = 256;
/** A session unused this long ends, milliseconds (12 hours). */
export const SESSION_IDLE_MS = 12 * 3600 * 1000;
/** The most wrong tokens accepted for checking in a minute; later tries are refused unchecked until it passes. */
export const MAX_FAILED_LOGINS = 10;

/** One browser's session. */
export interface Session {
  readonly id: string;
  readonly csrf: string;
  lastUsed: number;
}

/** Why a login failed: a wrong token, or too many wrong ones lately. */
export type LoginFailure = "wrong-token" | "too-many-attempts";

/** The sessions of one dashboard. */
export class Sessions {
  readonly #sessions = new Map<string, Session>();
  readonly #tokenDigest: Buffer | undefined;
  #failures: number[] = [];

  constructor(
    /** The lab's `security.token`, if it has one. */
    token: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokenDigest = token === undefined ? undefined : digest(token);
  }

  /** True when a session needs the lab's token. */
  get tokenRequired(): boolean {
    return this.#tokenDigest !== undefined;
  }

  /** The live session of cookie value `id`, if any; marks it used. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (this.now() - session.lastUsed > SESSION_IDLE_MS) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastUsed = this.now();
    // Most recently used last, so that eviction takes the least recently used.
    this.#sessions.delete(id);
    this.#sessions.set(id, session);
    return session;
  }

  /** A new session; only when no token is required (else use {@link login}). */
  open(): Session {
    if (this.tokenRequired) throw new Error("a session needs the lab's token");
    return this.#create();
  }

  /** A new session if `token` is the lab's, else why not. */
  async login(token: unknown): Promise<Session | LoginFailure> {
    const now = this.now();
    this.#failures = this.#failures.filter((at) => now - at < 60_000);
    if (this.#failures.length >= MAX_FAILED_LOGINS) return "too-many-attempts";
    if (this.#tokenDigest === undefined) return this.#create();
    if (typeof token === "string" && token.length <= 4096 && timingSafeEqual(digest(token), this.#tokenDigest)) return this.#create();
    this.#failures.push(now);
    // A wrong token costs the caller a quarter of a second.
    await new Promise((resolve) => setTimeout(resolve, 250));
    return "wrong-token";
  }

  /** True when `csrf` is the session's CSRF token. */
  static csrfMatches(session: Session, csrf: unknown): boolean {
    return typeof csrf === "string" && csrf.length === session.csrf.length && timingSafeEqual(Buffer.from(csrf), Buffer.from(session.csrf));
  }

  #create(): Session {
    while (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    const session: Session = { id: randomBytes(32).toString("base64url"), csrf: randomBytes(24).toString("base64url"), lastUsed: this.now() };
    this.#sessions.set(session.id, session);
    return session;
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** One context's card: its server, whether it answers, its uptime (ticking), and its objects. */

import type { ContextState, ObjectState } from "../api.ts";
import { KeyedList, el, setAttr, setNote, setText } from "./dom.ts";
import type { ItemView } from "./dom.ts";
import { ObjectView } from "./object-view.ts";
import type { ObjectServices } from "./object-view.ts";
import { serverNow } from "./server-clock.ts";

export class ContextView implements ItemView<ContextState> {
  readonly element: HTMLElement;
  readonly #state = el("span", { class: "state" });
  readonly #address = el("dd");
  readonly #version = el("dd");
  readonly #pid = el("dd");
  readonly #uptime: HTMLElement;
  readonly #problem = el("p", { class: "problem", role: "note" });
  readonly #objects: KeyedList<ObjectState, ObjectView>;
  #context: ContextState;

  constructor(services: ObjectServices, context: ContextState) {
    this.#context = context;
    this.#uptime = el("dd", { "data-testid": `uptime-${context.name}` });
    const objects = el("div", { class: "objects" });
    this.#objects = new KeyedList(objects, (object) => object.name, (object) => new ObjectView(services, context.name, object));
    const facts = el("dl", { class: "facts" });
    for (const [term, value] of [["address", this.#address], ["version", this.#version], ["pid", this.#pid], ["uptime", this.#uptime]] as const) facts.append(el("div", {}, el("dt", {}, term), value));
    this.element = el("article", { class: "context", "data-testid": `context-${context.name}` }, el("header", {}, el("h2", {}, context.name), this.#state), facts, this.#problem, objects);
  }

  update(context: ContextState): void {
    this.#context = context;
    setAttr(this.element, "data-connected", String(context.connected));
    setText(this.#state, context.connected ? "connected" : "not connected");
    setText(this.#address, context.address);
    setText(this.#version, context.version ?? "–");
    setText(this.#pid, context.pid === undefined ? "–" : String(context.pid));
    setNote(this.#problem, context.problem);
    this.#objects.update(context.objects);
    this.tick(serverNow());
  }

  /** Advances the uptime from when the context last answered (`now` on the server's clock); a context that does not answer does not age. */
  tick(now: number): void {
    const { uptimeSeconds, lastSeen, connected } = this.#context;
    if (uptimeSeconds === undefined) return setText(this.#uptime, "–");
    const since = connected && lastSeen !== undefined ? Math.max(0, (now - lastSeen) / 1000) : 0;
    const text = formatDuration(uptimeSeconds + since);
    setText(this.#uptime, connected ? text : `${text} when last seen`);
  }
}

/** `3 d 04:05:06`, or `04:05:06` under a day. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.floor(totalSeconds);
  const days = Math.floor(seconds / 86_400);
  const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, "0")).join(":");
  return days > 0 ? `${days} d ${clock}` : clock;
}

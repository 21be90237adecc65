/**
 * One hosted object's card: description, lock, task state, constants, signals with their plot toggles, and the
 * call forms behind a "methods" disclosure. Each part is rebuilt only when its own data changed, so that the
 * frequent `lab` updates leave the forms (and what is typed in them) alone.
 */

import type { ConstantInfo, MethodInfo, ObjectState, SignalInfo } from "../api.ts";
import { callForm } from "./call-form.ts";
import { KeyedList, el, formatJson, setAttr, setNote, setText } from "./dom.ts";
import type { ItemView } from "./dom.ts";
import type { Plots } from "./plots.ts";
import type { Session } from "./session.ts";

export interface ObjectServices {
  readonly session: Session;
  readonly plots: Plots;
}

export class ObjectView implements ItemView<ObjectState> {
  readonly element: HTMLElement;
  readonly #id: string;
  readonly #kind = el("span", { class: "kind" });
  readonly #className = el("code", { class: "class-name" });
  readonly #service = el("p", { class: "service" });
  readonly #doc = el("p", { class: "doc" });
  readonly #lock = el("p", { class: "lock" });
  readonly #problem = el("p", { class: "problem", role: "note" });
  readonly #task: TaskView;
  readonly #constants = el("div", { class: "constants" });
  readonly #signals = el("div", { class: "signals" });
  readonly #methodsSummary = el("summary", {}, "methods");
  readonly #methods: KeyedList<MethodItem, MethodView>;
  /** What each part was last built from, to skip rebuilding unchanged parts. */
  #builtFrom = { constants: "", signals: "" };

  constructor(
    private readonly services: ObjectServices,
    context: string,
    object: ObjectState,
  ) {
    this.#id = `${context}.${object.name}`;
    this.#task = new TaskView(this.#id);
    const methodList = el("div", { class: "methods" });
    this.#methods = new KeyedList(methodList, (item) => item.method.name, (item) => new MethodView(services, context, object.name, item));
    this.element = el(
      "section",
      { class: "object", "data-testid": `object-${this.#id}` },
      el("header", {}, el("h3", {}, object.name), this.#kind, this.#className),
      this.#service,
      this.#doc,
      this.#lock,
      this.#problem,
      this.#task.element,
      this.#constants,
      this.#signals,
      el("details", { class: "methods-disclosure", "data-testid": `methods-${this.#id}` }, this.#methodsSummary, methodList),
    );
  }

  update(object: ObjectState): void {
    setText(this.#kind, object.kind);
    setText(this.#className, object.className);
    setText(this.#service, object.service);
    setNote(this.#doc, object.doc || undefined);
    setAttr(this.element, "data-locked", String(object.locked));
    setAttr(this.#lock, "data-locked", String(object.locked));
    setText(this.#lock, lockText(object));
    setNote(this.#problem, object.problem);
    this.#task.update(object);
    this.#rebuildIfChanged("constants", JSON.stringify(object.constants), () => constantsTable(object.constants));
    const plottable = object.problem === undefined;
    this.#rebuildIfChanged("signals", JSON.stringify([object.signals, plottable]), () => this.#signalList(object.signals, plottable));
    setText(this.#methodsSummary, `methods (${object.methods.length})`);
    this.#methods.update(object.methods.map((method) => ({ method, callable: object.problem === undefined })));
  }

  #rebuildIfChanged(part: "constants" | "signals", from: string, build: () => Node | undefined): void {
    if (this.#builtFrom[part] === from) return;
    this.#builtFrom[part] = from;
    const node = build();
    (part === "constants" ? this.#constants : this.#signals).replaceChildren(...(node ? [node] : []));
  }

  #signalList(signals: readonly SignalInfo[], plottable: boolean): Node | undefined {
    if (signals.length === 0) return undefined;
    const list = el("ul", { class: "signal-list" });
    for (const signal of signals) {
      const id = `${this.#id}.${signal.name}`;
      const fields = signal.numericFields.length > 0 ? el("span", { class: "fields" }, signal.numericFields.join(", ")) : undefined;
      const toggle = plottable && signal.numericFields.length > 0 ? this.services.plots.toggleButton(id, signal.numericFields) : undefined;
      list.append(el("li", { title: signal.doc || undefined }, el("code", {}, signal.name), fields, toggle));
    }
    return el("div", {}, el("h4", {}, "signals"), list);
  }
}

function lockText(object: ObjectState): string {
  if (!object.locked) return "not locked";
  if (object.lockedBy === undefined) return "locked";
  return object.lockedBy === "" ? "locked by an unnamed client" : `locked by ${object.lockedBy}`;
}

function constantsTable(constants: readonly ConstantInfo[]): Node | undefined {
  if (constants.length === 0) return undefined;
  const body = el("tbody");
  for (const constant of constants) {
    body.append(el("tr", { title: constant.doc || undefined }, el("td", {}, el("code", {}, constant.name)), el("td", { class: "type" }, constant.type), el("td", {}, el("code", {}, formatJson(parseOrText(constant.valueJson), 300)))));
  }
  return el("div", {}, el("h4", {}, "constants"), el("table", { class: "constants-table" }, body));
}

/** Constants arrive as JSON text; shown compactly re-serialised, or as given if the text is not JSON. */
function parseOrText(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

/** A task runner's running state, status and settings. */
class TaskView {
  readonly element = el("div", { class: "task", hidden: true });
  readonly #running: HTMLElement;
  readonly #status: HTMLElement;
  readonly #settings: HTMLElement;

  constructor(id: string) {
    this.#running = el("span", { class: "running", "data-testid": `task-running-${id}` });
    this.#status = el("pre", { "data-testid": `task-status-${id}` });
    this.#settings = el("pre", { "data-testid": `task-settings-${id}` });
    this.element.append(
      el("p", {}, "task: ", this.#running),
      el("div", { class: "task-json" }, el("div", {}, el("h4", {}, "status"), this.#status), el("div", {}, el("h4", {}, "settings"), this.#settings)),
    );
  }

  update(object: ObjectState): void {
    const task = object.task;
    this.element.hidden = task === undefined;
    if (!task) return;
    const running = task.running === undefined ? "unknown" : task.running ? "running" : "stopped";
    setText(this.#running, running);
    setAttr(this.#running, "data-state", running);
    setText(this.#status, formatJson(task.status));
    setText(this.#settings, formatJson(task.settings));
  }
}

interface MethodItem {
  readonly method: MethodInfo;
  /** False when the object has a problem: its forms are not available. */
  readonly callable: boolean;
}

/** A method's signature and doc, and its call form when it can be called. */
class MethodView implements ItemView<MethodItem> {
  readonly element = el("div", { class: "method" });
  #builtFrom = "";

  constructor(
    private readonly services: ObjectServices,
    private readonly context: string,
    private readonly object: string,
    item: MethodItem,
  ) {
    this.element.dataset["method"] = item.method.name;
  }

  update(item: MethodItem): void {
    const from = JSON.stringify(item);
    if (from === this.#builtFrom) return;
    this.#builtFrom = from;
    const { method } = item;
    const form = item.callable && method.params ? callForm(this.services.session, this.context, this.object, method, method.params) : undefined;
    const doc = method.doc ? el("p", { class: "doc" }, method.doc) : undefined;
    this.element.replaceChildren(...[el("code", { class: "signature" }, method.signature), doc, form].filter((node) => node !== undefined));
  }
}

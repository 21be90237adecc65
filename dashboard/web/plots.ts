/**
 * The open live plots, and the toggle buttons that open them. A plot is a subscription of this page's event stream
 * (`POST /api/plots`); each new stream (after a reconnect) has a new id, so the open plots subscribe again on every
 * `hello`.
 */

import type { PlotEndedEvent, PlotRequest, PointsEvent } from "../api.ts";
import { el } from "./dom.ts";
import { PlotPanel } from "./plot-panel.ts";
import type { Session } from "./session.ts";

export class Plots {
  readonly #panels = new Map<string, PlotPanel>();
  #stream: string | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly session: Session,
  ) {}

  /** A button `data-testid="plot-ctx.obj.signal"` that opens or closes the plot of `signal`. */
  toggleButton(signal: string, fields: readonly string[]): HTMLButtonElement {
    const button = el("button", { type: "button", class: "toggle", "data-testid": `plot-${signal}`, title: `plot ${fields.join(", ")}` });
    this.#showState(button, this.#panels.has(signal));
    button.addEventListener("click", () => (this.#panels.has(signal) ? this.close(signal) : this.open(signal, fields)));
    return button;
  }

  open(signal: string, fields: readonly string[]): void {
    if (this.#panels.has(signal)) return;
    const panel = new PlotPanel(signal, fields, () => this.close(signal));
    this.#panels.set(signal, panel);
    this.container.append(panel.element);
    this.#syncButtons(signal);
    if (this.#stream !== undefined) void this.#subscribe(panel, this.#stream);
    else panel.note("waiting for the event stream…");
  }

  close(signal: string): void {
    const panel = this.#panels.get(signal);
    if (!panel) return;
    this.#panels.delete(signal);
    panel.element.remove();
    panel.dispose();
    this.#syncButtons(signal);
    if (this.#stream !== undefined) void this.#request({ stream: this.#stream, signal, subscribe: false });
  }

  /** A new event stream: its points only come for signals subscribed with its id. */
  setStream(stream: string): void {
    this.#stream = stream;
    for (const panel of this.#panels.values()) void this.#subscribe(panel, stream);
  }

  points(event: PointsEvent): void {
    this.#panels.get(event.signal)?.addPoints(event);
  }

  ended(event: PlotEndedEvent): void {
    this.#panels.get(event.signal)?.note(`ended: ${event.reason}`);
  }

  async #subscribe(panel: PlotPanel, stream: string): Promise<void> {
    const error = await this.#request({ stream, signal: panel.signal, subscribe: true });
    panel.note(error === undefined ? undefined : `could not subscribe: ${error}`);
  }

  async #request(request: PlotRequest): Promise<string | undefined> {
    const outcome = await this.session.post("/api/plots", request);
    return outcome.ok ? undefined : outcome.error;
  }

  #syncButtons(signal: string): void {
    const open = this.#panels.has(signal);
    for (const button of document.querySelectorAll<HTMLButtonElement>(`button[data-testid="plot-${CSS.escape(signal)}"]`)) this.#showState(button, open);
  }

  #showState(button: HTMLButtonElement, open: boolean): void {
    button.setAttribute("aria-pressed", String(open));
    button.textContent = open ? "stop plot" : "plot";
  }
}

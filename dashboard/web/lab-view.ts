/** The whole lab: the header's dashboard line and one card per context, kept in step with each `lab` event. */

import type { ContextState, LabState } from "../api.ts";
import { ContextView } from "./context-view.ts";
import { KeyedList, setText } from "./dom.ts";
import { serverNow } from "./server-clock.ts";
import type { ObjectServices } from "./object-view.ts";

export class LabView {
  readonly #contexts: KeyedList<ContextState, ContextView>;

  constructor(
    container: HTMLElement,
    private readonly header: HTMLElement,
    services: ObjectServices,
  ) {
    this.#contexts = new KeyedList(container, (context) => context.name, (context) => new ContextView(services, context));
    // Uptimes tick between lab events, which only come when something changed.
    setInterval(() => {
      const now = serverNow();
      for (const view of this.#contexts.views()) view.tick(now);
    }, 1000);
  }

  update(lab: LabState): void {
    const { name, workgroup, version } = lab.dashboard;
    setText(this.header, `${name} · workgroup ${workgroup} · version ${version}`);
    const title = `${name} – QMI dashboard`;
    if (document.title !== title) document.title = title;
    this.#contexts.update(lab.contexts);
  }
}

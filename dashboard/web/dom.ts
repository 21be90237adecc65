/**
 * Small DOM helpers. Data is only ever put into the page as text or attribute values, never as HTML, so nothing a
 * context reports can inject markup. The setters skip unchanged values, because the lab state arrives whole a few
 * times a second and most of it has not changed.
 */

type Child = Node | string | undefined;

/** Creates an element with attributes (`true` → present, `false`/`undefined` → absent) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string | boolean | undefined>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) setAttr(element, name, value);
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

export function setAttr(element: Element, name: string, value: string | boolean | undefined): void {
  if (value === undefined || value === false) {
    if (element.hasAttribute(name)) element.removeAttribute(name);
  } else {
    const text = value === true ? "" : value;
    if (element.getAttribute(name) !== text) element.setAttribute(name, text);
  }
}

/** Shows `text` in `element`, or hides the element when there is none. */
export function setNote(element: HTMLElement, text: string | undefined): void {
  setText(element, text ?? "");
  element.hidden = !text;
}

/** Pretty JSON, cut at `limit` characters with a note, for results and task state that may be large. */
export function formatJson(value: unknown, limit = 2000): string {
  const text = value === undefined ? "(none)" : JSON.stringify(value, null, 2);
  return text.length <= limit ? text : `${text.slice(0, limit)}\n… (${text.length - limit} more characters not shown)`;
}

/** A view of one item of a keyed list: made once per key, then updated in place. */
export interface ItemView<T> {
  readonly element: HTMLElement;
  update(item: T): void;
  dispose?(): void;
}

/**
 * Keeps a container's children in step with a list of items, one {@link ItemView} per key. Views of surviving keys
 * keep their elements, so focus, typed text and `<details>` state survive updates.
 */
export class KeyedList<T, V extends ItemView<T>> {
  readonly #views = new Map<string, V>();

  constructor(
    private readonly container: HTMLElement,
    private readonly keyOf: (item: T) => string,
    private readonly create: (item: T) => V,
  ) {}

  update(items: readonly T[]): void {
    const seen = new Set<string>();
    let previous: Element | null = null;
    for (const item of items) {
      const key = this.keyOf(item);
      seen.add(key);
      let view = this.#views.get(key);
      if (!view) {
        view = this.create(item);
        this.#views.set(key, view);
      }
      view.update(item);
      const expected: Element | null = previous ? previous.nextElementSibling : this.container.firstElementChild;
      if (expected !== view.element) {
        if (previous) previous.after(view.element);
        else this.container.prepend(view.element);
      }
      previous = view.element;
    }
    for (const [key, view] of this.#views) {
      if (seen.has(key)) continue;
      view.element.remove();
      view.dispose?.();
      this.#views.delete(key);
    }
  }

  views(): IterableIterator<V> {
    return this.#views.values();
  }
}

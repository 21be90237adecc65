/**
 * A form per method, built from its {@link ParamInfo}s: `POST /api/call` with the typed text by parameter name, and
 * the result or error shown below. Numbers are text inputs so that `NaN`, `Infinity` and 64-bit integers can be
 * typed; the server reads each text by its {@link InputKind}.
 */

import type { CallRequest, CallResult, MethodInfo, ParamInfo } from "../api.ts";
import { el, formatJson } from "./dom.ts";
import type { Session } from "./session.ts";

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

const PLACEHOLDERS: Partial<Record<ParamInfo["input"], string>> = {
  number: "number, NaN, Infinity",
  integer: "integer",
  bytes: "base64",
  date: "ISO 8601, e.g. 2024-05-01T12:00:00Z",
  json: "JSON",
};

/** `<form data-testid="call-ctx.obj.method">` plus its result line; `params` must be present. */
export function callForm(session: Session, context: string, object: string, method: MethodInfo, params: readonly ParamInfo[]): HTMLElement {
  const id = `${context}.${object}.${method.name}`;
  const fields = params.map((param) => ({ param, field: fieldFor(param) }));
  const button = el("button", { type: "submit" }, method.name);
  const form = el("form", { class: "call", "data-testid": `call-${id}` });
  for (const { param, field } of fields) {
    const label = el("label", { title: param.doc || undefined }, el("span", { class: "param-name" }, param.name + (param.optional ? "?" : "")), el("span", { class: "param-type" }, param.type), field);
    if (field instanceof HTMLInputElement && field.type === "checkbox") label.classList.add("checkbox");
    form.append(label);
  }
  form.append(button);
  const result = el("pre", { class: "result", "data-testid": `result-${id}`, "aria-live": "polite", hidden: true });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const args: Record<string, string> = {};
    for (const { param, field } of fields) {
      const value = field instanceof HTMLInputElement && field.type === "checkbox" ? String(field.checked) : field.value;
      if (value === "" && param.optional) continue;
      args[param.name] = value;
    }
    const request: CallRequest = { context, object, method: method.name, args };
    void call(session, request, button, result);
  });
  return el("div", { class: "call-wrap" }, form, result);
}

async function call(session: Session, request: CallRequest, button: HTMLButtonElement, result: HTMLElement): Promise<void> {
  button.disabled = true;
  showResult(result, "calling…", "pending");
  try {
    const outcome = await session.post("/api/call", request);
    if (!outcome.ok) return showResult(result, outcome.error, "error");
    const answer = outcome.body as CallResult | undefined;
    if (answer?.ok === true) showResult(result, formatJson(answer.result), "ok");
    else if (answer?.ok === false) showResult(result, `${answer.error.name}: ${answer.error.message}`, "error");
    else showResult(result, "the server's answer is not a call result", "error");
  } finally {
    button.disabled = false;
  }
}

function showResult(result: HTMLElement, text: string, state: "pending" | "ok" | "error"): void {
  result.hidden = false;
  result.textContent = text;
  result.dataset["state"] = state;
}

function fieldFor(param: ParamInfo): Field {
  const name = param.name;
  switch (param.input) {
    case "boolean": {
      if (!param.optional) return el("input", { type: "checkbox", name });
      // An optional flag has three states: left out, true, false.
      const select = el("select", { name });
      select.append(el("option", { value: "" }, ""), el("option", { value: "true" }, "true"), el("option", { value: "false" }, "false"));
      return select;
    }
    case "enum": {
      const select = el("select", { name });
      if (param.optional) select.append(el("option", { value: "" }, ""));
      for (const choice of param.choices ?? []) select.append(el("option", { value: choice }, choice));
      return select;
    }
    case "json":
      return el("textarea", { name, rows: "2", placeholder: PLACEHOLDERS.json, spellcheck: "false" });
    case "number":
    case "integer":
      return el("input", { type: "text", inputmode: "decimal", name, placeholder: PLACEHOLDERS[param.input], autocomplete: "off" });
    default:
      return el("input", { type: "text", name, placeholder: PLACEHOLDERS[param.input], autocomplete: "off", spellcheck: "false" });
  }
}

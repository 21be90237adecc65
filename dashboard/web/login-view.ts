/** The login form, shown alone while the lab's token is required and this browser has no session. */

import { el } from "./dom.ts";

/** Fills `container` with the form; `submit` resolves to the server's error text, or undefined once logged in. */
export function showLogin(container: HTMLElement, submit: (token: string) => Promise<string | undefined>): void {
  const token = el("input", { name: "token", type: "password", autocomplete: "current-password", required: true });
  const button = el("button", { type: "submit" }, "Log in");
  const error = el("p", { class: "error", "data-testid": "login-error", role: "alert", hidden: true });
  const form = el(
    "form",
    { "data-testid": "login" },
    el("h2", {}, "Log in"),
    el("p", {}, "This lab needs its token (security.token in the lab configuration)."),
    el("label", {}, "Lab token ", token),
    button,
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    void submit(token.value).then(
      (message) => {
        button.disabled = false;
        if (message === undefined) return;
        error.textContent = message;
        error.hidden = false;
        token.select();
      },
      (failure: unknown) => {
        button.disabled = false;
        error.textContent = `the dashboard server did not answer (${String(failure)})`;
        error.hidden = false;
      },
    );
  });
  container.replaceChildren(form);
  container.hidden = false;
  token.focus();
}

/**
 * `POST /api/call`: a method called for the page, as any client calls it. The dashboard's proxies carry their own
 * lock token, so an object another client has locked answers with a `LockedError`, as it would to a script.
 *
 * @module
 */
import type { Context } from "../../runtime/context/context.ts";
import { invoke, type RpcProxy } from "../../runtime/client/proxy.ts";
import { InvalidArgumentError, QmiError, UnknownNameError } from "../../runtime/protocol/errors.ts";
import type { CallRequest, CallResult } from "../api.ts";
import type { LabMonitor } from "./lab-monitor.ts";
import { readArgument, resultJson } from "./typed-values.ts";

/** A call's deadline, seconds. */
const CALL_TIMEOUT = 30;

/** Checks the body of `POST /api/call` (any JSON) and returns it typed, or throws an `InvalidArgumentError`. */
export function checkCallRequest(body: unknown): CallRequest {
  const request = body as Partial<Record<keyof CallRequest, unknown>> | null;
  const names = ["context", "object", "method"] as const;
  if (typeof request !== "object" || request === null || names.some((name) => typeof request[name] !== "string")) {
    throw new InvalidArgumentError("A call needs { context, object, method, args } with names as strings");
  }
  const args = request.args ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args) || Object.values(args).some((value) => typeof value !== "string")) {
    throw new InvalidArgumentError("A call's args are { <parameter>: <text> }");
  }
  return request as CallRequest;
}

/** Calls what `request` names through `context`; an error of the call (or of its arguments) is the result, not thrown. */
export async function callMethod(context: Context, lab: LabMonitor, request: CallRequest): Promise<CallResult> {
  try {
    const found = lab.methodOf(request.context, request.object, request.method);
    if (!found) {
      throw new UnknownNameError(
        `${request.context}.${request.object}.${request.method} is not a method the dashboard knows (an unknown name, or its generated code is not loaded)`,
      );
    }
    const { service, method } = found;
    const unknown = Object.keys(request.args).find((name) => !method.params.some((p) => p.name === name));
    if (unknown !== undefined) throw new InvalidArgumentError(`${method.name} has no parameter ${unknown} (${method.signature})`);
    const args = method.params.map((param) => {
      const text = request.args[param.name];
      if (text === undefined || (text === "" && param.optional)) {
        if (!param.optional) throw new InvalidArgumentError(`parameter ${param.name} is required (${method.signature})`);
        return undefined;
      }
      return readArgument(text, param, service);
    });
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    const proxy: RpcProxy = await context.getInstrument(`${request.context}.${request.object}`);
    const result = await proxy[invoke](method.name, args, { timeout: CALL_TIMEOUT });
    return { ok: true, result: result === undefined ? null : resultJson(result) };
  } catch (error) {
    const qmiError = QmiError.from(error);
    return { ok: false, error: { name: qmiError.name, message: qmiError.message } };
  }
}

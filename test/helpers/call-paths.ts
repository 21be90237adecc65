/**
 * The call paths between qmi-ts contexts: scenario tests run once over each (see `ConnectOptions.callPath`).
 */
import type { CallPath } from "qmi-ts";

/** Every call path, in the order the tests run them. */
export const CALL_PATHS: readonly CallPath[] = ["unary", "channel"];

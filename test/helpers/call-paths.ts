/**
 * The call paths between qmi-ts contexts: scenario tests run once over each (see `ConnectOptions.callPath`).
 */
import type { CallPath } from "../../runtime/client/channel-client.ts";

/** Every call path, in the order the tests run them. */
export const CALL_PATHS: readonly CallPath[] = ["unary", "channel"];

/**
 * The core `qmi.core.Context` service: what the context hosts (`Describe`), `Ping`, and `Shutdown` (asks the
 * context's program to stop gracefully).
 *
 * @module
 */
import type { WireMessage } from "../protocol/codec.ts";
import { CONTEXT_PROTO, CONTEXT_SERVICE } from "../protocol/core-services.ts";
import type { ServedService } from "./served-service.ts";

/** What `qmi.core.Context` needs from its context. */
export interface ContextServiceHost {
  describe(): WireMessage;
  ping(): WireMessage;
  requestShutdown(reason: string): void;
}

/** `qmi.core.Context`: `Describe`, `Ping` and `Shutdown`, unary (on the call channel too). */
export function contextService(host: ContextServiceHost): ServedService {
  return {
    protoFile: CONTEXT_PROTO,
    service: CONTEXT_SERVICE,
    calls: {
      Describe: async () => host.describe(),
      Ping: async () => host.ping(),
      // A Shutdown whose caller's deadline passed before it arrived does nothing (unaryHandler refuses it); the
      // shutdown starts once the answer is on its way (a stopping server would drop it).
      Shutdown: async (call) => {
        const reason = call.request.reason;
        setImmediate(() => host.requestShutdown(typeof reason === "string" && reason !== "" ? reason : "requested over gRPC"));
        return {};
      },
    },
  };
}

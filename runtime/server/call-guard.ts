/**
 * The checks every call and stream of a context's server passes before any handler sees it, whatever its
 * service (core, generated, reflection, health, or a later one such as `qmi.core.Channel`):
 *
 * - the shared-secret token, when the context has one: a missing or wrong `qmi-auth-token` ends the call with
 *   `UNAUTHENTICATED` and the trailer `qmi-error: UnauthenticatedError` before the request is read;
 * - a request that does not decode exactly ends with `INVALID_ARGUMENT` and `qmi-error: InvalidArgumentError`
 *   (grpc-js alone would answer `INTERNAL`), before any handler runs: random bytes, but also what protobufjs
 *   would let through: a field cut short, a known field with the wrong wire type, a 32-bit integer out of range,
 *   invalid UTF-8, a `__proto__` map key (the strict wire check of `strict-wire.ts`, applied to every service's
 *   request deserializers by `strict-requests.ts`).
 *
 * {@link GuardedServer} is a grpc-js `Server` that applies both to every service added to it, so nothing has to
 * remember to. Messages over `grpc.max_receive_message_length` are refused by grpc-js itself with
 * `RESOURCE_EXHAUSTED`; unknown methods with `UNIMPLEMENTED`.
 *
 * @module
 */
import {
  Server,
  ServerInterceptingCall,
  ServerListenerBuilder,
  ResponderBuilder,
  type Metadata,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerOptions,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { AUTH_TOKEN_METADATA, tokenMatches } from "../protocol/auth-token.ts";
import { InvalidArgumentError, UnauthenticatedError, type QmiError } from "../protocol/errors.ts";
import { getLogger } from "../logging/log.ts";
import { toStatus } from "../protocol/status-mapping.ts";
import { strictRequestDeserializer } from "../protocol/strict-requests.ts";

const log = getLogger("qmi.core.security");

/** What a request deserializer yields instead of throwing, so that the guard can answer INVALID_ARGUMENT. */
export class UndecodableRequest {
  constructor(
    /** Why decoding failed. */
    readonly reason: string,
  ) {}
}

/**
 * `definition` with strict request deserializers (see `strict-requests.ts`) that never throw: a request that
 * does not decode exactly yields an {@link UndecodableRequest}.
 */
function guardDeserializers(definition: ServiceDefinition): ServiceDefinition {
  const guarded: Record<string, ServiceDefinition[string]> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = strictRequestDeserializer(method);
    guarded[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (error) {
          return new UndecodableRequest(error instanceof Error ? error.message : String(error));
        }
      },
    };
  }
  return guarded as ServiceDefinition;
}

/** Why `metadata` does not authenticate against `token`, or undefined when it does. */
export function tokenProblem(token: string, metadata: Metadata): string | undefined {
  const given = metadata.get(AUTH_TOKEN_METADATA);
  if (given.length === 0) {
    return `This context requires a shared-secret token (${AUTH_TOKEN_METADATA} metadata) and the call carried none; set security.token or security.token_file in the caller's configuration`;
  }
  if (given.length > 1 || typeof given[0] !== "string" || !tokenMatches(token, given[0])) {
    return `The ${AUTH_TOKEN_METADATA} of the call does not match this context's token; use the same security.token (or token_file) as the context`;
  }
  return undefined;
}

/** Counts refused calls; logs the first and then every 100th, so a flood cannot flood the log. */
export class RefusalLog {
  #count = 0;
  note(path: string, peer: string, why: string): void {
    this.#count++;
    if (this.#count === 1 || this.#count % 100 === 0) {
      log.warning(`Refused ${path} from ${peer} (${this.#count} refused so far): ${why}`);
    }
  }
}

/** Ends `call` with the status and `qmi-error` trailer of `error`. */
function sendRefusal(call: ServerInterceptingCallInterface, error: QmiError): void {
  const status = toStatus(error);
  call.sendStatus({ code: status.code!, details: status.details ?? error.message, metadata: status.metadata ?? null });
}

/** The interceptor of {@link GuardedServer}: the token check (when `token` is set) and the decode check. */
function callGuard(token: string | undefined): ServerInterceptor {
  const refusals = new RefusalLog();
  return (method, call) => {
    let refused = false;
    // No named closure here: under tsx each one made per call costs an Object.defineProperty (its name).
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const problem = token === undefined ? undefined : tokenProblem(token, metadata);
        if (problem === undefined) return next(metadata);
        refusals.note(method.path, call.getPeer(), "bad or missing token");
        refused = true;
        sendRefusal(call, new UnauthenticatedError(problem));
      })
      .withOnReceiveMessage((message: unknown, next) => {
        if (refused) return;
        if (message instanceof UndecodableRequest) {
          refused = true;
          return sendRefusal(call, new InvalidArgumentError(`Cannot decode the request of ${method.path}: ${message.reason}`));
        }
        next(message);
      })
      .withOnReceiveHalfClose((next) => {
        if (!refused) next();
      })
      .build();
    return new ServerInterceptingCall(call, new ResponderBuilder().withStart((next) => next(listener)).build());
  };
}

/** A grpc-js server whose every call passes {@link callGuard}, for every service added to it. */
export class GuardedServer extends Server {
  constructor(options: ServerOptions, token: string | undefined) {
    super({ ...options, interceptors: [...(options.interceptors ?? []), callGuard(token)] });
  }

  override addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    super.addService(guardDeserializers(service), implementation);
  }
}

/**
 * The one gRPC server of a context: the core services (`qmi.core.Context`, `Lock`, `Task`, `Channel`, `Signals`),
 * the generated services of hosted objects (registered when the first object of a service is hosted), gRPC server
 * reflection and `grpc.health.v1.Health`.
 *
 * @module
 */
import {
  status as Status,
  type Server,
  type ServerDuplexStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { GuardedServer, RefusalLog } from "./call-guard.ts";
import { ConnectionError, SubscriptionEndedError } from "../protocol/errors.ts";
import { ChannelRoutes, channelDefinition, channelServiceImplementation, exchangeServer } from "./channel-service.ts";
import { serveExchangeStream, type DirectExchange } from "./h2-exchange-stream.ts";
import { divertStreams } from "./grpc-http2-server.ts";
import { EXCHANGE_PATH } from "../protocol/channel-codec.ts";
import { implementationOf, type ServedService } from "./served-service.ts";
import { coreServices, type CoreServicesHost } from "./core-services.ts";
import { objectService } from "./object-service.ts";
import { loadCallService, loadProtoFile, loadTogetherForReflection } from "../protocol/proto-files.ts";
import type { ServiceDescriptor } from "../protocol/service-descriptor.ts";
import { StreamTracker } from "./stream-tracker.ts";
import { INSECURE, type SecuritySettings } from "../config/security-settings.ts";
import { ConnectionGate } from "./connection-gate.ts";
import { getLogger } from "../logging/log.ts";
import { hostNameProblem } from "../config/tls-problems.ts";
import { CHANNEL_PROTO, CHANNEL_SERVICE } from "../protocol/core-services.ts";

const log = getLogger("qmi.core.security");

/** What the server needs from its context: hosting objects, and what its core services answer. */
export type ContextServerHost = CoreServicesHost;

/**
 * Server options: no channelz bookkeeping (it costs time on every call); keepalive pings, so that a peer whose
 * host vanished is noticed (and its lock leases end) within half a minute.
 */
const serverOptions = { "grpc.enable_channelz": 0, "grpc.keepalive_time_ms": 20_000, "grpc.keepalive_timeout_ms": 10_000 };

/**
 * With a token, a method the server does not serve is refused like one it serves (`UNAUTHENTICATED`) until the
 * caller shows the token; with it, the answer is grpc-js's own `UNIMPLEMENTED`. grpc-js answers an unknown path
 * before any interceptor runs, which told a caller without the token which object services are hosted, and it
 * has no hook for a fallback handler: so the handler lookup of its `Server` (grpc-js is pinned) is wrapped to give
 * unknown paths a handler that passes the call guard and then answers `UNIMPLEMENTED`. `security.test.ts` and
 * `connections.test.ts` fail if an upgrade of grpc-js changes that lookup.
 */
function guardUnknownMethods(server: Server): void {
  const internals = server as unknown as { _retrieveHandler?: (path: string) => unknown };
  const retrieve = internals._retrieveHandler;
  if (typeof retrieve !== "function") throw new Error("grpc-js's Server has no _retrieveHandler: update guardUnknownMethods for this grpc-js version");
  const identity = (bytes: Buffer) => bytes;
  internals._retrieveHandler = function (this: Server, path: string): unknown {
    return (
      retrieve.call(this, path) ?? {
        type: "bidi",
        path,
        serialize: identity,
        deserialize: identity,
        func: (call: ServerDuplexStream<Buffer, Buffer>) =>
          call.emit("error", { code: Status.UNIMPLEMENTED, details: `The server does not implement the method ${path}` }),
      }
    );
  };
}

/** The gRPC server of one context. */
export class ContextServer {
  /** Every call passes the token and decode checks of `call-guard.ts`, whatever its service. */
  readonly #server: GuardedServer;
  readonly #health = new HealthImplementation({ "": "SERVING" });
  /** The core services served (and the call channel): their health goes NOT_SERVING on close. */
  readonly #coreServiceNames: string[] = [CHANNEL_SERVICE];
  readonly #objectServices = new Set<string>();
  #reflectionPackages: PackageDefinition;
  #reflectionServices: ServiceDefinition[] = [];
  #port = 0;
  /** Owns the listening sockets: the handshake bound and the connection limits, TLS. */
  readonly #gate: ConnectionGate;
  readonly #security: SecuritySettings;
  /** Open server streams, ended when the server closes. */
  readonly streams = new StreamTracker();
  /** True when the call channel's streams are served on HTTP/2 directly (`h2-exchange-stream.ts`), not by grpc-js. */
  readonly channelOnHttp2: boolean;
  /** The RPCs `qmi.core.Channel` carries: the unary RPCs of the core services and of every object service served. */
  readonly #channelRoutes = new ChannelRoutes();

  constructor(
    private readonly host: ContextServerHost,
    security: SecuritySettings = INSECURE,
  ) {
    const limits = { "grpc.max_receive_message_length": security.maxMessageBytes, "grpc.max_send_message_length": security.maxMessageBytes };
    this.#server = new GuardedServer({ ...serverOptions, ...limits }, security.token);
    if (security.token !== undefined) guardUnknownMethods(this.#server);
    this.#gate = new ConnectionGate(this.#server, security.tls);
    this.#security = security;
    const core = coreServices(host, this.streams);
    for (const served of core) {
      this.#serve(served);
      this.#coreServiceNames.push(served.service);
    }
    const serveExchange = exchangeServer(this.#channelRoutes, this.streams, security.maxMessageBytes);
    const channel = channelDefinition();
    // grpc-js serves the channel only where the context cannot serve it on the HTTP/2 stream itself.
    this.#server.addService(channel, channelServiceImplementation(serveExchange));
    const direct: DirectExchange = {
      token: security.token,
      maxMessageBytes: security.maxMessageBytes,
      decode: channel.Exchange!.requestDeserialize as DirectExchange["decode"],
      serve: serveExchange,
      refusals: new RefusalLog(),
    };
    const http2Server = this.#gate.http2Server;
    this.channelOnHttp2 = http2Server !== undefined && divertStreams(http2Server, EXCHANGE_PATH, (stream, headers) => serveExchangeStream(stream, headers, direct));
    if (http2Server && !this.channelOnHttp2) {
      log.warning("grpc-js's HTTP/2 server has other stream listeners than expected: the call channel is served through grpc-js (slower for large messages)");
    }
    this.#reflectionPackages = loadTogetherForReflection([...core.map((served) => served.protoFile), CHANNEL_PROTO]);
    for (const service of this.#coreServiceNames) this.#health.setStatus(service, "SERVING");
    this.#health.addToServer(this.#server);
    this.#rebuildReflection();
  }

  /** The bound TCP port (0 before {@link listen}). */
  get port(): number {
    return this.#port;
  }

  /** Binds `host:port` (port 0 = ephemeral) and starts serving; resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const address = host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
    const certificate = this.#security.tls?.certificate;
    const unnamed = certificate && hostNameProblem(certificate, host);
    if (unnamed) log.warning(`Context ${this.host.name} serves TLS on ${address}, but ${unnamed}`);
    try {
      this.#port = await this.#gate.listen(host, port);
    } catch (error) {
      throw new ConnectionError(`Cannot serve on ${address}: ${(error as Error).message}`, { cause: error });
    }
    return this.#port;
  }

  /** Connections open now: in their handshake, and in all (see `connection-gate.ts`). */
  get connections(): { readonly handshaking: number; readonly open: number } {
    return this.#gate.counts;
  }

  /** Serves the generated service of `descriptor`, once per service. */
  ensureService(descriptor: ServiceDescriptor): void {
    if (this.#objectServices.has(descriptor.protoService)) return;
    this.#serve(objectService(this.host, descriptor, this.streams));
    this.#objectServices.add(descriptor.protoService);
    this.#health.setStatus(descriptor.protoService, "SERVING");
    Object.assign(this.#reflectionPackages, loadProtoFile(descriptor.protoFile));
    this.#rebuildReflection();
  }

  /** Serves `served` on its own gRPC service, and its unary RPCs on the call channel too. */
  #serve(served: ServedService): void {
    const definition = loadCallService(served.protoFile, served.service);
    this.#server.addService(definition, implementationOf(served));
    this.#channelRoutes.add(definition, served.calls);
  }

  /** Stops serving: waits up to `graceSeconds` for calls in flight, then cuts the rest. */
  async close(graceSeconds = 2): Promise<void> {
    for (const service of ["", ...this.#coreServiceNames, ...this.#objectServices]) this.#health.setStatus(service, "NOT_SERVING");
    this.#gate.close();
    this.streams.endAll(new SubscriptionEndedError(`Context ${this.host.name} stopped; the stream ended`));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, graceSeconds * 1000);
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Reflection describes the core service and every object service served so far. */
  #rebuildReflection(): void {
    for (const service of this.#reflectionServices) this.#server.removeService(service);
    this.#reflectionServices = [];
    const collector = {
      addService: (service: ServiceDefinition, implementation: UntypedServiceImplementation) => {
        this.#reflectionServices.push(service);
        this.#server.addService(service, implementation);
      },
    };
    new ReflectionService(this.#reflectionPackages).addToServer(collector);
  }


}

/**
 * A context: a named participant in the qmi-ts network that hosts objects and connects to peers.
 *
 * A context wires a few collaborators and owns little else: the {@link ObjectRegistry} of hosted objects, the
 * {@link dispatch} function every call goes through, one {@link ContextServer} (gRPC) and the
 * {@link PeerConnection}s to other contexts. Most scripts use the process-wide context through `start()`,
 * `makeInstrument()`, `getInstrument()` and `stop()` rather than this class directly.
 *
 * @module
 */
import { LocalTarget } from "../client/call-targets.ts";
import type { CallOptions } from "../protocol/call-options.ts";
import { loadConfig, type ConfigSource, type QmiConfig } from "../config/config.ts";
import { ContextServer } from "../server/context-server.ts";
import { deadlineOf, raceDeadline } from "../protocol/deadline.ts";
import { dispatch, dispatchLock, type DispatchRequest, type LockDispatchRequest } from "../host/dispatcher.ts";
import { UnknownNameError, UsageError } from "../protocol/errors.ts";
import { findGeneratedForClass, missingHostImportHint } from "../protocol/generated-services.ts";
import { applyLoggingConfig, getLogger } from "../logging/log.ts";
import { configuredAddress, connectConfiguredPeers } from "../config/configured-peers.ts";
import { discoverContexts, type DiscoveredContext, type DiscoverPeerOptions } from "../discovery/discover-contexts.ts";
import type { DiscoveryResponder } from "../discovery/discovery-responder.ts";
import { discoverySettings } from "../discovery/discovery-settings.ts";
import { isLoopbackHost } from "../discovery/scope.ts";
import { startResponder } from "../discovery/start-responder.ts";
import { explainListenError } from "../server/listen-error.ts";
import { descriptorFromMetadata, makeProxy } from "../client/local-proxy.ts";
import { describeObject } from "./object-description.ts";
import { peerDescription, type PeerDescription } from "./peer-description.ts";
import { remoteProxy } from "../client/remote-proxy.ts";
import { LockLeases } from "../host/lock-leases.ts";
import { ObjectRegistry, type HostedObject } from "../host/object-registry.ts";
import { PeerTable, type ConnectOptions } from "../client/peer-table.ts";
import { loadSecuritySettings, type SecuritySettings } from "../config/security-settings.ts";
import { RpcProxy, type Proxied, type ProxyClass, type UntypedProxy } from "../client/proxy.ts";
import type { RpcObject, RpcObjectInit } from "../driver/rpc-object.ts";
import type { MakeTaskOptions } from "../tasks/make-task-options.ts";
import type { Task } from "../tasks/task.ts";
import { TaskRunner, type TaskClass } from "../tasks/task-runner.ts";
import { TaskRunnerProxy, type TaskProxy } from "../client/task-runner-proxy.ts";
import { QMI_VERSION } from "./version.ts";

const log = getLogger("qmi.core.context");

/** Options of {@link Context.start}. */
export interface ContextOptions {
  /** Configuration file path, a config object, or `null` for none; default `QMI_CONFIG` or `~/qmi.conf`. */
  readonly config?: ConfigSource;
}

/** Options of {@link Context.getInstrument}. */
export interface GetInstrumentOptions {
  /** Connect to the peer context if not connected yet. */
  readonly autoConnect?: boolean;
  /** With `autoConnect`: the peer's `host:port` (default from the configuration). */
  readonly hostPort?: string;
  /** Default call timeout of the proxy, seconds. */
  readonly timeout?: number;
}

/** A class a context can host: constructed with its init record and the extra arguments. */
export type HostableClass<T extends RpcObject, A extends unknown[]> = new (init: RpcObjectInit, ...args: A) => T;

/** A driver class or a generated proxy class, to type `getInstrument`. */
type ProxyOrClass = ProxyClass | (abstract new (...args: never[]) => RpcObject);

const DEFAULT_HOST = "127.0.0.1";

/** Seconds {@link Context.stop} and {@link Context.removeInstrument} wait for an object's queued calls. */
const RELEASE_TIMEOUT = 5;

/** A qmi-ts context. */
export class Context {
  /** Hosted objects. */
  readonly objects: ObjectRegistry;
  /** Open lock leases of peers (see `qmi.core.Lock/Lease`). @internal */
  readonly leases: LockLeases;
  /** The loaded configuration. */
  readonly config: QmiConfig;
  /** The configuration file in use, if any. */
  readonly configPath: string | undefined;
  /** TLS, token and message limit from the configuration's `security` section. @internal */
  readonly security: SecuritySettings;
  readonly #server: ContextServer;
  readonly #peers: PeerTable;
  readonly #startedAt = Date.now();
  #host = DEFAULT_HOST;
  #stopped = false;
  #shutdownReason: string | undefined;
  #shutdownWaiters: ((reason: string) => void)[] = [];
  #discovery: DiscoveryResponder | undefined;
  readonly #releaseLogging: () => void;

  private constructor(
    /** The context name. */
    readonly name: string,
    options: ContextOptions,
  ) {
    const loaded = loadConfig(options.config);
    this.config = loaded.config;
    this.configPath = loaded.path;
    this.security = loadSecuritySettings(this.config, this.configPath);
    this.#peers = new PeerTable(name, this.security, (peer) => this.#configuredAddress(peer));
    this.#releaseLogging = applyLoggingConfig(this.config, this.configPath);
    this.objects = new ObjectRegistry(name);
    this.leases = new LockLeases(name, this.objects);
    this.#server = new ContextServer(this, this.security);
  }

  /** Creates a context and starts its gRPC server (host and port from `contexts.<name>` of the config). */
  static async start(name: string, options: ContextOptions = {}): Promise<Context> {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      throw new UsageError(`Invalid context name ${JSON.stringify(name)}: use letters, digits, '_' and '-'`);
    }
    const context = new Context(name, options);
    const own = context.config.contexts?.[name];
    context.#host = own?.host ?? DEFAULT_HOST;
    try {
      const requested = `${context.#host}:${own?.tcp_server_port ?? 0}`;
      const port = await context.#server
        .listen(context.#host, own?.tcp_server_port ?? 0)
        .catch((error: unknown) => Promise.reject(explainListenError(error, name, requested, context.configPath)));
      const { tls, token } = context.security;
      const protection = [tls && (tls.requireClientCert ? "mutual TLS" : "TLS"), token && "token required"].filter(Boolean);
      const secured = protection.length > 0 ? ` (${protection.join(", ")})` : "";
      log.info(`Context ${name} started (pid ${process.pid}), serving gRPC on ${context.#host}:${port}${secured}`);
      if (!isLoopbackHost(context.#host) && !(tls && token)) {
        log.warning(
          `Context ${name} serves ${context.#host}:${port} beyond this machine without ${tls ? "" : "TLS"}${!tls && !token ? " and " : ""}` +
            `${token ? "" : "a token"}: anyone who can reach it can call it; set security.tls and security.token_file (README, "Security")`,
        );
      }
      if (context.configPath) log.info(`Configuration read from ${context.configPath}`);
      context.#discovery = await startResponder(name, context.config, context.#host, port);
      await connectConfiguredPeers(context, own?.connect_to_peers ?? []);
    } catch (error) {
      await context.stop();
      throw error;
    }
    return context;
  }

  /** The TCP port of this context's gRPC server. */
  get tcpServerPort(): number {
    return this.#server.port;
  }

  /** `host:port` of this context's gRPC server. */
  get address(): string {
    return `${this.#host}:${this.tcpServerPort}`;
  }

  /** Calls a hosted object; every in-process and remote call ends up here. @internal */
  dispatch(request: DispatchRequest): Promise<unknown> {
    return dispatch(this.objects, this.name, request);
  }

  /** Applies a lock operation to a hosted object; every in-process and remote one ends up here. @internal */
  dispatchLock(request: LockDispatchRequest): Promise<boolean> {
    return dispatchLock(this.objects, this.name, request);
  }

  /**
   * Hosts a new instrument (or other object) `name` of class `cls`, constructed with `args`, and returns a proxy.
   * The object is reachable by peers when its class has generated code.
   */
  async makeInstrument<T extends RpcObject, A extends unknown[]>(
    name: string,
    cls: HostableClass<T, A>,
    ...args: A
  ): Promise<Proxied<T>> {
    this.#checkRunning();
    if (this.objects.get(name)) throw new UsageError(`Context ${this.name} already has an object named ${name}`);
    const generated = await findGeneratedForClass(cls);
    const instance = new cls({ name, contextName: this.name }, ...args);
    const hosted = this.objects.add(instance, generated);
    if (generated) {
      this.#server.ensureService(generated.descriptor);
    } else {
      log.info(`${this.name}.${name} is reachable in-process only: ${missingHostImportHint(cls.name)}`);
    }
    return this.#localProxy(hosted, {}) as Proxied<T>;
  }

  /**
   * Hosts a background task `name` of class `taskClass` (constructed with `options` minus `taskRunner`) under a
   * runner (`options.taskRunner`, default {@link TaskRunner}) and returns the runner's proxy. A constructor
   * failure is a `TaskInitError`; stopping the context or removing the runner stops and joins the task.
   */
  async makeTask<T extends Task<object, object>, O = undefined, R extends TaskRunner<T> = TaskRunner<T>>(
    name: string,
    taskClass: TaskClass<T, O>,
    options?: MakeTaskOptions<T, O, R>,
  ): Promise<TaskProxy<T, R>> {
    this.#checkRunning();
    if (this.objects.get(name)) throw new UsageError(`Context ${this.name} already has an object named ${name}`);
    const { taskRunner, ...taskOptions } = (options ?? {}) as MakeTaskOptions<T, O, R> & Record<string, unknown>;
    const runnerClass = (taskRunner ?? TaskRunner) as unknown as typeof TaskRunner;
    const generated = await findGeneratedForClass(taskRunner ?? taskClass);
    const runner = new runnerClass({ name, contextName: this.name }, taskClass as never, options ? taskOptions : undefined);
    const hosted = this.objects.add(runner, generated);
    if (generated) this.#server.ensureService(generated.descriptor);
    const target = new LocalTarget(this, name, this.name);
    const fallback = descriptorFromMetadata(hosted.className, hosted.metadata);
    return makeProxy(`${this.name}.${name}`, target, generated, fallback, {}, TaskRunnerProxy) as TaskProxy<T, R>;
  }

  /**
   * Removes a hosted object, releasing it (an open instrument is closed) once the calls queued before have run,
   * waiting at most {@link RELEASE_TIMEOUT} seconds for them.
   */
  async removeInstrument(name: string): Promise<void> {
    const hosted = this.objects.getOrThrow(name);
    this.objects.remove(name);
    await this.#release(hosted);
  }

  /**
   * A proxy to the object at `address` (`"<context>.<object>"`), in this context or a connected peer. Pass the
   * generated proxy class or the driver class for a typed proxy.
   */
  getInstrument<P extends RpcProxy>(address: string, proxyClass: ProxyClass<P>, options?: GetInstrumentOptions): Promise<P>;
  getInstrument<T extends RpcObject>(
    address: string,
    cls: abstract new (...args: never[]) => T,
    options?: GetInstrumentOptions,
  ): Promise<Proxied<T>>;
  getInstrument(address: string, options?: GetInstrumentOptions): Promise<UntypedProxy>;
  async getInstrument(
    address: string,
    classOrOptions?: ProxyOrClass | GetInstrumentOptions,
    maybeOptions?: GetInstrumentOptions,
  ): Promise<RpcProxy> {
    this.#checkRunning();
    const expected = typeof classOrOptions === "function" ? classOrOptions : undefined;
    const options = (typeof classOrOptions === "function" ? maybeOptions : classOrOptions) ?? {};
    const match = /^([^.]+)\.([^.]+)$/.exec(address);
    if (!match) throw new UsageError(`Invalid object address ${JSON.stringify(address)}: expected "<context>.<object>"`);
    const [, contextName, objectName] = match as unknown as [string, string, string];
    const defaults: CallOptions = options.timeout === undefined ? {} : { timeout: options.timeout };
    const proxy =
      contextName === this.name
        ? this.#localProxy(this.objects.getOrThrow(objectName), defaults)
        : await this.#remoteProxy(contextName, objectName, options, defaults);
    if (expected) checkExpectedClass(proxy, expected, address);
    return proxy;
  }

  /**
   * Connects to the peer context `name`, at `options.address` or the address the configuration gives it. Fails
   * when the context answering there has another name, or when already connected (unless `ignoreDuplicate`).
   */
  async connectToPeer(name: string, options: ConnectOptions = {}): Promise<void> {
    this.#checkRunning();
    await this.#peers.connect(name, options);
    if (this.#stopped) {
      // stop() ran while connecting, and may have closed the other connections already: close this one too.
      if (this.#peers.get(name)) this.#peers.disconnect(name);
      throw new UsageError(`Context ${this.name} stopped while connecting to ${name}`);
    }
  }

  /**
   * Disconnects from a peer; its proxies fail from then on (`ConnectionError`), its subscriptions and task
   * watches end (`SubscriptionEndedError`), its leased locks are released and its calls in flight fail.
   */
  disconnectFromPeer(name: string): void {
    this.#peers.disconnect(name);
  }

  /**
   * Asks the connected peer `name` to stop gracefully; its program sees `shutdownRequested()`. Resolves once the
   * peer has accepted the request (not when it has stopped).
   */
  async requestPeerShutdown(name: string, reason = `requested by ${this.name}`): Promise<void> {
    await this.#peers.getOrThrow(name).requestShutdown(reason, Date.now() + 5000);
  }

  /**
   * What the connected peer `name` says about itself and its objects (Describe and Ping), within `timeout` seconds
   * (default 5): among them, whether each object is locked and by which context (never the lock token). Fails with
   * an `UnknownNameError` when not connected to `name`, and with a `ConnectionError` or `DeadlineError` when the
   * peer does not answer in time.
   */
  async describePeer(name: string, options: { timeout?: number } = {}): Promise<PeerDescription> {
    const peer = this.#peers.getOrThrow(name);
    const deadline = deadlineOf({ timeout: options.timeout ?? 5 });
    const [describe, ping] = await Promise.all([peer.describe(deadline), peer.ping(deadline)]);
    return peerDescription(describe, ping);
  }

  /**
   * Finds other contexts by discovery (UDP in this context's discovery scope: loopback only unless the
   * configuration binds a LAN host or names `discovery.address`). Default: every context of this workgroup;
   * `*` and `?` wildcards in `workgroup` and `contextName`. This context is not in the list.
   */
  async discoverPeerContexts(options: DiscoverPeerOptions = {}): Promise<DiscoveredContext[]> {
    this.#checkRunning();
    const settings = discoverySettings(this.config, this.#host);
    return discoverContexts({
      scope: settings.scope,
      port: settings.port,
      workgroup: options.workgroup ?? settings.workgroup,
      contextName: options.contextName ?? "*",
      timeout: options.timeout ?? settings.timeout,
      exclude: { name: this.name, pid: process.pid },
    });
  }

  /** Names and addresses of the connected peers. */
  peers(): { name: string; address: string }[] {
    return this.#peers.list();
  }

  /** True once a shutdown was requested (e.g. by `qmi proc stop` through `qmi.core.Context/Shutdown`). */
  shutdownRequested(): boolean {
    return this.#shutdownReason !== undefined;
  }

  /** True while the program awaits {@link waitUntilShutdown} (so it decides when to stop). @internal */
  get shutdownAwaited(): boolean {
    return this.#shutdownWaiters.length > 0;
  }

  /** Resolves with the reason once a shutdown is requested. */
  waitUntilShutdown(): Promise<string> {
    if (this.#shutdownReason !== undefined) return Promise.resolve(this.#shutdownReason);
    return new Promise((resolve) => this.#shutdownWaiters.push(resolve));
  }

  /** Records a shutdown request; the program decides when to stop. @internal */
  requestShutdown(reason: string): void {
    if (this.#shutdownReason !== undefined) return;
    this.#shutdownReason = reason;
    log.info(`Context ${this.name}: shutdown requested (${reason})`);
    for (const waiter of this.#shutdownWaiters.splice(0)) waiter(reason);
  }

  /**
   * Stops, in this order: stops answering discovery and accepting calls, lets calls in flight finish (at most 2 s,
   * then cuts them), closes peer connections (ending their subscriptions, task watches, lock leases and calls in
   * flight, so that none keeps the process alive), stops and joins tasks, releases the other hosted objects (open
   * instruments are closed; each release waits at most {@link RELEASE_TIMEOUT} s), then flushes and closes logs.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    log.info(`Context ${this.name} stopping: no new calls; waiting for calls in flight`);
    this.#discovery?.close();
    await this.#server.close();
    this.#peers.closeAll();
    const hostedNewestFirst = this.objects.list().reverse();
    const isTask = (hosted: HostedObject) => hosted.instance instanceof TaskRunner;
    for (const hosted of [...hostedNewestFirst.filter(isTask), ...hostedNewestFirst.filter((h) => !isTask(h))]) {
      this.objects.remove(hosted.name);
      try {
        await this.#release(hosted);
        log.info(`Context ${this.name}: released ${hosted.name} (${isTask(hosted) ? "task stopped and joined" : hosted.kind})`);
      } catch (error) {
        log.warning(`Releasing ${this.name}.${hosted.name} failed: ${(error as Error).message}`);
      }
    }
    log.info(`Context ${this.name} stopped`);
    this.#releaseLogging();
  }

  /** True when this context serves the call channel on HTTP/2 itself rather than through grpc-js. @internal */
  get channelOnHttp2(): boolean {
    return this.#server.channelOnHttp2;
  }

  /** The `qmi.core.Context/Describe` answer. @internal */
  describe(): Record<string, unknown> {
    return {
      name: this.name,
      version: QMI_VERSION,
      workgroup: this.config.workgroup ?? "default",
      pid: process.pid,
      objects: this.objects.list().map((hosted) => describeObject(hosted)),
    };
  }

  /** The `qmi.core.Context/Ping` answer. @internal */
  ping(): Record<string, unknown> {
    return {
      name: this.name,
      pid: process.pid,
      version: QMI_VERSION,
      uptime_seconds: (Date.now() - this.#startedAt) / 1000,
    };
  }

  /** `Context(name='hello_world')`, like QMI. */
  toString(): string {
    return `Context(name='${this.name}')`;
  }

  /** What `console.log(context)` prints: the same as {@link toString}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Releases a removed object after the calls queued before; a hung call does not hold this up for ever. */
  async #release(hosted: HostedObject): Promise<void> {
    const what = `Releasing ${this.name}.${hosted.name}`;
    await raceDeadline(hosted.queue.run(() => hosted.instance.release()), Date.now() + RELEASE_TIMEOUT * 1000, what);
  }

  #checkRunning(): void {
    if (this.#stopped) throw new UsageError(`Context ${this.name} is stopped`);
  }

  #configuredAddress(name: string): string {
    const address = configuredAddress(this.config, name);
    if (address === undefined) {
      throw new UnknownNameError(
        `No address known for context ${name}: give one ({ address: "host:port" }) or configure ` +
          `contexts.${name}.host and tcp_server_port${this.configPath ? ` in ${this.configPath}` : ""}`,
      );
    }
    return address;
  }

  #localProxy(hosted: HostedObject, defaults: CallOptions): RpcProxy {
    const target = new LocalTarget(this, hosted.name, this.name);
    const fallback = descriptorFromMetadata(hosted.className, hosted.metadata);
    return makeProxy(`${this.name}.${hosted.name}`, target, hosted.generated, fallback, defaults);
  }

  async #remoteProxy(
    contextName: string,
    objectName: string,
    options: GetInstrumentOptions,
    defaults: CallOptions,
  ): Promise<RpcProxy> {
    if (!this.#peers.get(contextName)) {
      if (!options.autoConnect) {
        throw new UnknownNameError(
          `Context ${this.name} is not connected to ${contextName}; call connectToPeer("${contextName}") first, ` +
            `or pass { autoConnect: true }`,
        );
      }
      await this.connectToPeer(contextName, { address: options.hostPort, ignoreDuplicate: true });
    }
    return remoteProxy(this.#peers.getOrThrow(contextName), objectName, options.timeout ?? 5, defaults);
  }
}

function checkExpectedClass(proxy: RpcProxy, expected: ProxyOrClass, address: string): void {
  const descriptor = (proxy.constructor as { descriptor?: { className: string; protoService: string } }).descriptor;
  const actualClass = descriptor?.className;
  const isProxyClass = expected.prototype instanceof RpcProxy;
  const ok = isProxyClass ? proxy instanceof expected : actualClass === undefined || actualClass === expected.name;
  if (!ok) {
    throw new UsageError(`${address} is a ${actualClass ?? "object of another class"}, not a ${expected.name}`);
  }
}

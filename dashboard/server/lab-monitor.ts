/**
 * The lab as the dashboard sees it, kept up to date by its own context.
 *
 * Every {@link LabMonitorOptions.refreshSeconds} each known context is asked what it hosts and who holds which
 * lock (`describePeer`: Describe and Ping, bounded by a deadline); one that does not answer is marked disconnected
 * and reconnected when it answers again. Contexts are known from the configuration (those with a port), from
 * discovery (every {@link LabMonitorOptions.discoverySeconds}) and from the dashboard context's own peers; one found
 * only by discovery is forgotten {@link FORGET_AFTER_MS} after it stopped answering. Task runners are watched
 * (`watchStatus`, `watchSettings`) while their context is connected.
 *
 * What the dashboard can do with an object comes from its generated code (forms from the methods' parameters,
 * plots from the signals' number fields): qmi-ts's own drivers are known, a lab's own need their generated code
 * imported (`qmi dashboard --import`); without it the object is listed with a problem saying so.
 *
 * @module
 */
import type { Context } from "../../runtime/context/context.ts";
import { configuredAddress } from "../../runtime/config/configured-peers.ts";
import type { PeerDescription, PeerObjectInfo } from "../../runtime/context/peer-description.ts";
import { QMI_VERSION } from "../../runtime/context/version.ts";
import { QmiError } from "../../runtime/protocol/errors.ts";
import { findGeneratedForService } from "../../runtime/protocol/generated-services.ts";
import type { MethodDescriptor, ServiceDescriptor } from "../../runtime/protocol/service-descriptor.ts";
import type { TaskRunnerProxy } from "../../runtime/client/task-runner-proxy.ts";
import type { ContextState, LabState, ObjectState, TaskState } from "../api.ts";
import { numericFields, paramInfo, resultJson } from "./typed-values.ts";

/** A context found only by discovery is forgotten this long after it last answered, milliseconds. */
export const FORGET_AFTER_MS = 60_000;
/** The most contexts listed; more found by discovery are ignored. */
export const MAX_CONTEXTS = 256;

/** Options of {@link LabMonitor}. */
export interface LabMonitorOptions {
  /** Seconds between two rounds of asking every context; default 1. */
  readonly refreshSeconds?: number;
  /** Seconds between two discoveries; default 2. */
  readonly discoverySeconds?: number;
}

/** What the monitor knows of one context. */
interface KnownContext {
  name: string;
  address: string;
  configured: boolean;
  connected: boolean;
  description?: PeerDescription;
  lastSeen?: number;
  problem?: string;
  /** The generated code of each of its objects, by name (undefined: not loaded here). */
  services: Map<string, ServiceDescriptor | undefined>;
  tasks: Map<string, TaskWatch>;
}

/** The status and settings of one task runner, watched while its context is connected. */
class TaskWatch {
  readonly state: { running?: boolean; status?: unknown; settings?: unknown } = {};
  readonly #abort = new AbortController();

  constructor(
    readonly proxy: TaskRunnerProxy,
    onUpdate: () => void,
  ) {
    const follow = async (what: "status" | "settings", watch: AsyncIterable<unknown>) => {
      try {
        for await (const value of watch) {
          this.state[what] = resultJson(value);
          onUpdate();
        }
      } catch {
        // The watch ends with its context; the next refresh restarts it when the context answers again.
      }
    };
    void follow("status", proxy.watchStatus({ signal: this.#abort.signal, maxQueueLength: 10 }));
    void follow("settings", proxy.watchSettings({ signal: this.#abort.signal, maxQueueLength: 10 }));
    void proxy.getStatus({ timeout: 5 }).then((status) => (this.state.status ??= resultJson(status)), () => undefined);
    void proxy.getSettings({ timeout: 5 }).then((settings) => (this.state.settings ??= resultJson(settings)), () => undefined);
  }

  async refresh(): Promise<void> {
    this.state.running = await this.proxy.isRunning({ timeout: 2 });
  }

  stop(): void {
    this.#abort.abort();
  }
}

/** Keeps {@link LabMonitor.state} current and tells its listeners when it changes. */
export class LabMonitor {
  readonly #known = new Map<string, KnownContext>();
  readonly #listeners = new Set<(state: LabState) => void>();
  readonly #refreshMs: number;
  readonly #discoveryMs: number;
  #state: LabState;
  #stateJson = "";
  #lastDiscovery = 0;
  #timer: NodeJS.Timeout | undefined;
  #publishTimer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly context: Context,
    options: LabMonitorOptions = {},
  ) {
    this.#refreshMs = (options.refreshSeconds ?? 1) * 1000;
    this.#discoveryMs = (options.discoverySeconds ?? 2) * 1000;
    this.#state = this.#build();
    for (const name of Object.keys(context.config.contexts ?? {})) {
      const address = configuredAddress(context.config, name);
      if (address !== undefined) this.#know(name, address, true);
    }
  }

  /** The lab now. */
  get state(): LabState {
    return this.#state;
  }

  /** Calls `listener` with the new state whenever it changes; returns a function that stops it. */
  onChange(listener: (state: LabState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts refreshing; resolves after the first round. */
  async start(): Promise<void> {
    await this.refresh();
    const tick = () => {
      if (this.#closed) return;
      this.#running = this.refresh().finally(() => {
        this.#running = undefined;
        if (!this.#closed) this.#timer = setTimeout(tick, this.#refreshMs);
      });
    };
    this.#timer = setTimeout(tick, this.#refreshMs);
  }

  /** One round: discovery when due, then every known context asked in parallel. */
  async refresh(): Promise<void> {
    if (Date.now() - this.#lastDiscovery >= this.#discoveryMs) {
      this.#lastDiscovery = Date.now();
      const found = await this.context.discoverPeerContexts({ timeout: 0.3 }).catch(() => []);
      for (const { name, address } of found) this.#know(name, address, false);
    }
    for (const { name, address } of this.context.peers()) this.#know(name, address, false);
    await Promise.all([...this.#known.values()].map((known) => this.#refreshContext(known)));
    const now = Date.now();
    for (const known of this.#known.values()) {
      if (!known.configured && !known.connected && now - (known.lastSeen ?? 0) > FORGET_AFTER_MS) this.#known.delete(known.name);
    }
    this.#publish();
  }

  /** The generated code and method descriptor of `context.object.method`, if the dashboard has them. */
  methodOf(contextName: string, objectName: string, methodName: string): { service: ServiceDescriptor; method: MethodDescriptor } | undefined {
    const service = this.#known.get(contextName)?.services.get(objectName);
    const method = service?.methods.find((m) => m.name === methodName);
    return service && method ? { service, method } : undefined;
  }

  /** The plottable fields of `context.object.signal` (empty when unknown or not numeric). */
  fieldsOf(signal: string): string[] {
    const [contextName, objectName, signalName] = signal.split(".");
    const service = this.#known.get(contextName ?? "")?.services.get(objectName ?? "");
    const descriptor = service?.signals.find((s) => s.name === signalName);
    return service && descriptor ? numericFields(descriptor.payload, service) : [];
  }

  /** Stops refreshing and watching. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#publishTimer);
    await this.#running;
    for (const known of this.#known.values()) this.#stopTasks(known);
    this.#listeners.clear();
  }

  #know(name: string, address: string, configured: boolean): void {
    if (name === this.context.name) return;
    const known = this.#known.get(name);
    if (known) {
      if (!known.connected) known.address = address;
      known.configured ||= configured;
      return;
    }
    if (this.#known.size >= MAX_CONTEXTS) return;
    this.#known.set(name, { name, address, configured, connected: false, services: new Map(), tasks: new Map() });
  }

  async #refreshContext(known: KnownContext): Promise<void> {
    try {
      if (!this.context.peers().some((peer) => peer.name === known.name)) {
        await this.context.connectToPeer(known.name, { address: known.address });
      }
      const description = await this.context.describePeer(known.name, { timeout: 2 });
      known.description = description;
      known.connected = true;
      known.lastSeen = Date.now();
      known.problem = undefined;
      await this.#learnObjects(known, description.objects);
      await Promise.all([...known.tasks.values()].map((task) => task.refresh().catch(() => undefined)));
    } catch (error) {
      if (this.#closed) return;
      const qmiError = QmiError.from(error);
      known.connected = false;
      known.problem = `${qmiError.name}: ${qmiError.message}`;
      this.#stopTasks(known);
      if (this.context.peers().some((peer) => peer.name === known.name)) this.context.disconnectFromPeer(known.name);
    }
  }

  /** Loads the generated code of objects not seen before, and watches new task runners. */
  async #learnObjects(known: KnownContext, objects: readonly PeerObjectInfo[]): Promise<void> {
    for (const object of objects) {
      if (!known.services.has(object.name)) {
        known.services.set(object.name, (await findGeneratedForService(object.protoService).catch(() => undefined))?.descriptor);
      }
      if (object.kind === "task" && !known.tasks.has(object.name) && known.services.get(object.name)) {
        try {
          const proxy = (await this.context.getInstrument(`${known.name}.${object.name}`)) as unknown as TaskRunnerProxy;
          known.tasks.set(object.name, new TaskWatch(proxy, () => this.#publishSoon()));
        } catch {
          // Listed without task state; tried again next round.
        }
      }
    }
    for (const name of known.services.keys()) {
      if (!objects.some((o) => o.name === name)) {
        known.services.delete(name);
        known.tasks.get(name)?.stop();
        known.tasks.delete(name);
      }
    }
  }

  #stopTasks(known: KnownContext): void {
    for (const task of known.tasks.values()) task.stop();
    known.tasks.clear();
  }

  /** Publishes within 100 ms: a task publishing its status fast makes one update per period, not one per status. */
  #publishSoon(): void {
    if (this.#publishTimer !== undefined || this.#closed) return;
    this.#publishTimer = setTimeout(() => {
      this.#publishTimer = undefined;
      this.#publish();
    }, 100);
  }

  #publish(): void {
    const state = this.#build();
    const json = JSON.stringify(state);
    if (json === this.#stateJson) return;
    this.#stateJson = json;
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }

  #build(): LabState {
    const contexts = [...this.#known.values()].sort((a, b) => a.name.localeCompare(b.name)).map((known) => this.#contextState(known));
    return {
      dashboard: { name: this.context.name, workgroup: this.context.config.workgroup ?? "default", version: QMI_VERSION },
      contexts,
    };
  }

  #contextState(known: KnownContext): ContextState {
    const { description } = known;
    return {
      name: known.name,
      address: known.address,
      connected: known.connected,
      ...(description && { version: description.version, pid: description.pid, uptimeSeconds: Math.floor(description.uptimeSeconds) }),
      ...(known.lastSeen !== undefined && { lastSeen: known.lastSeen }),
      ...(known.problem !== undefined && { problem: known.problem }),
      objects: (description?.objects ?? []).map((object) => this.#objectState(known, object)),
    };
  }

  #objectState(known: KnownContext, object: PeerObjectInfo): ObjectState {
    const service = known.services.get(object.name);
    const task = known.tasks.get(object.name);
    const taskState: TaskState | undefined = task ? { ...task.state } : undefined;
    return {
      name: object.name,
      kind: object.kind,
      className: object.className,
      service: object.protoService,
      doc: object.doc,
      methods: object.methods.map((m) => {
        const params = service?.methods.find((d) => d.name === m.name)?.params.map((p) => paramInfo(p, service));
        return { name: m.name, signature: m.signature, doc: m.doc, ...(params && { params }) };
      }),
      signals: object.signals.map((s) => {
        const signal = service?.signals.find((d) => d.name === s.name);
        return { name: s.name, doc: s.doc, numericFields: service && signal ? numericFields(signal.payload, service) : [] };
      }),
      constants: object.constants.map((c) => ({ name: c.name, type: c.type, valueJson: c.valueJson, doc: c.doc })),
      locked: object.locked,
      ...(object.locked && { lockedBy: object.lockedBy }),
      ...(taskState && { task: taskState }),
      ...(!service && {
        problem: `The dashboard does not have the generated code of ${object.className}: start it with --import <your project's generated/index.ts> to call its methods and plot its signals`,
      }),
    };
  }
}

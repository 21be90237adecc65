/**
 * The lab of the dashboard tests: a configuration file with its own workgroup and discovery port (so that parallel
 * test files never see each other's contexts), lab contexts in child processes, and reading a dashboard's
 * Server-Sent Events with every wait bounded.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, type Child } from "../../helpers/child-context.ts";
import { freeUdpPort } from "../../helpers/free-port.ts";

/** A lab's configuration file. */
export interface LabConfig {
  readonly dir: string;
  readonly file: string;
  readonly discoveryPort: number;
  /** Writes another configuration file of the same lab (same workgroup and discovery port) with `extra` settings. */
  variant(name: string, extra: Record<string, unknown>): string;
}

/** A configuration of a lab of its own: workgroup `workgroup`, discovery on a free port. */
export async function labConfig(workgroup: string): Promise<LabConfig> {
  const dir = mkdtempSync(join(tmpdir(), `qmi-${workgroup}-`));
  const discoveryPort = await freeUdpPort();
  const base = { workgroup, discovery: { port: discoveryPort } };
  const write = (name: string, extra: Record<string, unknown>) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ ...base, ...extra }));
    return file;
  };
  return { dir, file: write("qmi.conf", {}), discoveryPort, variant: write };
}

/** Starts lab context `name` (nsg publishing samples, nsg2, a running task) in a child process. */
export async function startLabContext(name: string, configFile: string): Promise<Child> {
  const child = startChild("test/fixtures/dashboard-lab.ts", [name, configFile]);
  await child.waitForLine(/^LISTENING \d+/, 60);
  return child;
}

/** One Server-Sent Event. */
export interface ServerEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Reads the events of a `GET /api/events` response, each wait bounded. */
export class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #text = "";
  readonly #events: ServerEvent[] = [];

  constructor(response: Response) {
    this.#reader = response.body!.getReader();
  }

  /** The next event for which `accept` is true (others are skipped), within `seconds`. */
  async next(accept: (event: ServerEvent) => boolean, seconds: number, what: string): Promise<ServerEvent> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const index = this.#events.findIndex(accept);
      if (index >= 0) return this.#events.splice(0, index + 1).pop()!;
      this.#events.length = 0;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No ${what} within ${seconds} s`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.#reader.read(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`No ${what} within ${seconds} s`)), left))),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error(`The event stream ended while waiting for ${what}`);
      this.#text += this.#decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = this.#text.indexOf("\n\n")) >= 0) {
        const block = this.#text.slice(0, end);
        this.#text = this.#text.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) this.#events.push({ event, data: JSON.parse(data) });
      }
    }
  }

  /** Stops reading (the dashboard sees the stream close). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }
}

/**
 * The files `qmi init` writes into a new lab project, as text: the README's "Your own lab project" flow (a
 * simulated power supply driver, a server and a client script, a test) ready to run after `npm install` and
 * `npx qmi gen`.
 *
 * @module
 */

/** What the templates depend on: the project's npm name and the dependency specs to pin. */
export interface InitTemplateOptions {
  /** The npm package name of the project. */
  readonly name: string;
  /** The proto package prefix of the project's services (the `qmi.protoPackage` setting). */
  readonly protoPackage: string;
  /** The `qmi-ts` dependency spec: a version, or e.g. `file:/path/qmi-ts-0.1.0.tgz`. */
  readonly qmiTsSpec: string;
  /** The `tsx` dependency spec, the version qmi-ts itself depends on. */
  readonly tsxSpec: string;
}

/** The TCP port of `psu_server` in the scaffolded `qmi.conf`. */
export const SERVER_PORT = 41901;

function packageJson(options: InitTemplateOptions): string {
  const pkg = {
    name: options.name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      gen: "qmi gen",
      test: "node --import tsx --test test/*.test.ts",
      typecheck: "tsc --noEmit",
      server: "tsx scripts/server.ts",
      client: "tsx scripts/client.ts",
    },
    dependencies: { "qmi-ts": options.qmiTsSpec, tsx: options.tsxSpec },
    qmi: { roots: ["drivers"], protoPackage: options.protoPackage },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext",
    "lib": ["ES2023", "esnext.decorators"], "types": ["node"],
    "strict": true, "allowImportingTsExtensions": true, "noEmit": true
  },
  "include": ["drivers", "generated", "scripts", "test"]
}
`;

const DRIVER = `import { InvalidArgumentError, Instrument, Signal, rpcMethod, signal } from "qmi-ts";

/** A simulated bench power supply. */
export class AcmePsu extends Instrument {
  /** Published when the output voltage changes. */
  @signal readonly voltageSet = new Signal<{ volts: number }>();
  private volts = 0;

  /**
   * Set the output voltage.
   * @param volts - 0 to 30
   */
  @rpcMethod
  async setVoltage(volts: number): Promise<void> {
    if (!(volts >= 0 && volts <= 30)) throw new InvalidArgumentError(\`volts must be in [0, 30], got \${volts}\`);
    this.volts = volts;
    this.voltageSet.publish({ volts });
  }

  /** The output voltage. */
  @rpcMethod
  async getVoltage(): Promise<number> {
    return this.volts;
  }
}
`;

const QMI_CONF = `// The qmi-ts configuration of this project (JSON5), read by scripts/server.ts and scripts/client.ts.
{
  contexts: {
    // The context hosting the power supply; the client connects to it here.
    psu_server: { host: "127.0.0.1", tcp_server_port: ${SERVER_PORT} },
  },
}
`;

const SERVER = `import { fileURLToPath } from "node:url";
import * as qmi from "qmi-ts";
import "../generated/index.ts";
import { AcmePsu } from "../drivers/acme/psu.ts";

const config = fileURLToPath(new URL("../qmi.conf", import.meta.url));
const context = await qmi.start("psu_server", { config });
await qmi.makeInstrument("psu", AcmePsu);
console.log(\`psu_server listening on port \${context.tcpServerPort}; Ctrl-C to stop\`);
await context.waitUntilShutdown();
await qmi.stop();
`;

const CLIENT = `import { fileURLToPath } from "node:url";
import * as qmi from "qmi-ts";
import { AcmePsuProxy } from "../generated/drivers/acme/psu.ts";

const config = fileURLToPath(new URL("../qmi.conf", import.meta.url));
const context = await qmi.start("psu_client", { config });
await context.connectToPeer("psu_server"); // its address is in qmi.conf
const psu = await context.getInstrument("psu_server.psu", AcmePsuProxy);
await psu.open();
const receiver = new qmi.SignalReceiver<{ volts: number }>();
await psu.subscribe("voltageSet", receiver);
await psu.setVoltage(12);
console.log(\`voltage \${await psu.getVoltage()} V; signal: \${(await receiver.getNextSignal(5)).args.volts} V\`);
await psu.setVoltage(99).catch((error: Error) => console.log(\`refused: \${error.name}: \${error.message}\`));
await psu.close();
await qmi.stop();
`;

const TEST = `import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as qmi from "qmi-ts";
import "../generated/index.ts";
import { AcmePsu } from "../drivers/acme/psu.ts";

describe("AcmePsu", () => {
  before(async () => {
    await qmi.start("psu_test", { config: null });
  });
  after(async () => {
    await qmi.stop();
  });

  it("sets and reads the voltage, and refuses 99 V", async () => {
    const psu = await qmi.makeInstrument("psu", AcmePsu);
    await psu.open();
    await psu.setVoltage(12);
    assert.equal(await psu.getVoltage(), 12);
    await assert.rejects(psu.setVoltage(99), qmi.InvalidArgumentError);
    assert.equal(await psu.getVoltage(), 12);
    await psu.close();
  });
});
`;

function readme(options: InitTemplateOptions): string {
  return `# ${options.name}

A lab project on [qmi-ts](https://www.npmjs.com/package/qmi-ts): the simulated power supply \`drivers/acme/psu.ts\`,
a server hosting it and a client calling it (\`scripts/\`, addresses in \`qmi.conf\`), and a test.

\`\`\`sh
npm install
npx qmi gen          # writes idl/ and generated/ from drivers/; run it after every driver change
npm run server       # terminal 1: hosts the power supply on 127.0.0.1:${SERVER_PORT}
npm run client       # terminal 2: sets and reads the voltage
npm test
npm run typecheck
\`\`\`
`;
}

/** The files of a new lab project, by path relative to its folder, in the order they are written. */
export function initTemplates(options: InitTemplateOptions): ReadonlyMap<string, string> {
  return new Map([
    ["package.json", packageJson(options)],
    ["tsconfig.json", TSCONFIG],
    ["drivers/acme/psu.ts", DRIVER],
    ["scripts/server.ts", SERVER],
    ["scripts/client.ts", CLIENT],
    ["qmi.conf", QMI_CONF],
    ["test/psu.test.ts", TEST],
    ["README.md", readme(options)],
    [".gitignore", "node_modules/\n"],
  ]);
}

/**
 * Finds the generated code (descriptor and typed proxy class) of a service: by implementing class when hosting,
 * by proto service name when a peer names a service.
 *
 * Generated code registers itself when imported: each generated module registers its services and its `.proto`
 * text ({@link registerGeneratedModule}), and a project's `generated/index.ts` registers the whole project, each
 * service loaded on demand ({@link registerGeneratedServices}). So importing a project's `generated/index.ts` (or a
 * generated proxy module) is all a process needs. The runtime never imports generated code itself: qmi-ts's
 * built-in drivers register the same way, each driver module importing its generated module.
 *
 * @module
 */
import { registerProtoSource } from "./proto-files.ts";
import type { GeneratedModuleExports, GeneratedServiceEntry } from "./service-descriptor.ts";

/** Services registered by a project's `generated/index.ts`, loaded on demand. */
const entries: GeneratedServiceEntry[] = [];

/** Services whose generated module has been imported, by proto service name. */
const modules = new Map<string, GeneratedModuleExports>();

/** Adds the entries of a project's `generated/index.ts` (which calls this itself when imported). */
export function registerGeneratedServices(more: readonly GeneratedServiceEntry[]): void {
  for (const entry of more) {
    if (!entries.some((e) => e.protoService === entry.protoService)) entries.push(entry);
  }
}

/** What a generated module registers when it is imported. */
export interface GeneratedModuleRegistration {
  /** The `.proto` file of the module, relative to its idl folder. */
  readonly protoFile: string;
  /** Its text, so that no `.proto` file is read at run time. */
  readonly protoSource: string;
  /** Its services. */
  readonly services: readonly GeneratedModuleExports[];
}

/** Registers a generated module's services and `.proto` text; generated code calls this. @internal */
export function registerGeneratedModule(registration: GeneratedModuleRegistration): void {
  registerProtoSource(registration.protoFile, registration.protoSource);
  for (const service of registration.services) {
    const name = service.descriptor.protoService;
    if (!modules.has(name)) modules.set(name, service);
  }
}

/**
 * The generated code of `cls`, or undefined when none is registered: found through a registry entry whose
 * implementation is `cls`, else through an imported generated module, when only one has a class of that name.
 */
export async function findGeneratedForClass(
  cls: abstract new (...args: never[]) => unknown,
): Promise<GeneratedModuleExports | undefined> {
  for (const entry of entries.filter((e) => e.className === cls.name)) {
    if ((await entry.loadImplementation()) === cls) return entry.loadGenerated();
  }
  const named = [...modules.values()].filter((m) => m.descriptor.className === cls.name);
  return named.length === 1 ? named[0] : undefined;
}

/** The generated code of the service named `protoService`, or undefined. */
export async function findGeneratedForService(protoService: string): Promise<GeneratedModuleExports | undefined> {
  return modules.get(protoService) ?? entries.find((e) => e.protoService === protoService)?.loadGenerated();
}

/**
 * What a hosting process must import so that `className` is served to peers: the sentence that ends the errors and
 * log lines about a class without registered generated code.
 */
export function missingHostImportHint(className: string): string {
  return (
    `the process hosting it has no generated code registered for ${className}: run \`qmi gen\` in the project of ` +
    "its driver, and import that project's generated/index.ts (or the generated module of the driver) before hosting it"
  );
}

/** What a calling process must import to reach `protoService` (of class `className`) through a proxy. */
export function missingProxyImportHint(protoService: string, className: string): string {
  const builtIn = protoService.startsWith("qmi.drivers.");
  return builtIn
    ? `import qmi-ts's generated code first (\`import "qmi-ts/generated/index"\`, or the proxy module of ${className} ` +
        `under qmi-ts/generated/drivers/)`
    : `import the generated code of ${className} first: the generated/index.ts of the project that defines it ` +
        "(run `qmi gen` there), or the generated proxy module of its driver";
}

/**
 * Finds the generated code (descriptor and typed proxy class) of a service: by implementing class when hosting,
 * by proto service name when a peer names a service.
 *
 * Generated code registers itself when imported: each generated module registers its services and its `.proto`
 * text ({@link registerGeneratedModule}), and a project's `generated/index.ts` registers the whole project, each
 * service loaded on demand ({@link registerGeneratedServices}). So importing a project's `generated/index.ts` (or a
 * generated proxy module) is all a process needs. This package's own registry (its built-in drivers) is imported
 * the first time a lookup runs, after the runtime has loaded.
 *
 * @module
 */
import { registerProtoSource } from "./proto-files.ts";
import type { GeneratedModuleExports, GeneratedServiceEntry } from "./service-descriptor.ts";

/** Services registered by a project's `generated/index.ts`, loaded on demand. */
const entries: GeneratedServiceEntry[] = [];

/** Services whose generated module has been imported, by proto service name. */
const modules = new Map<string, GeneratedModuleExports>();

let builtIns: Promise<unknown> | undefined;

/** The package's own registry, imported lazily: it imports the runtime, which must have loaded first. */
function withBuiltIns(): Promise<unknown> {
  return (builtIns ??= import("../generated/index.ts"));
}

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
  await withBuiltIns();
  for (const entry of entries.filter((e) => e.className === cls.name)) {
    if ((await entry.loadImplementation()) === cls) return entry.loadGenerated();
  }
  const named = [...modules.values()].filter((m) => m.descriptor.className === cls.name);
  return named.length === 1 ? named[0] : undefined;
}

/** The generated code of the service named `protoService`, or undefined. */
export async function findGeneratedForService(protoService: string): Promise<GeneratedModuleExports | undefined> {
  await withBuiltIns();
  return modules.get(protoService) ?? entries.find((e) => e.protoService === protoService)?.loadGenerated();
}

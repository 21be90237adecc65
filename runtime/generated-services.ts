/**
 * Finds the generated code (descriptor and typed proxy class) of a service: by implementing class when hosting,
 * by proto service name when a peer names a service.
 *
 * The registry of this package (`generated/index.ts`) is known from the start; a project that runs `qmi gen` over
 * its own drivers registers its own with {@link registerGeneratedServices}.
 *
 * @module
 */
import { generatedServices } from "../generated/index.ts";
import type { GeneratedModuleExports, GeneratedServiceEntry } from "./service-descriptor.ts";

const entries: GeneratedServiceEntry[] = [...generatedServices];

/** Adds the entries of a project's own `generated/index.ts`. */
export function registerGeneratedServices(more: readonly GeneratedServiceEntry[]): void {
  for (const entry of more) {
    if (!entries.some((e) => e.protoService === entry.protoService)) entries.push(entry);
  }
}

/** The generated code of `cls`, or undefined when the class was never generated. */
export async function findGeneratedForClass(
  cls: abstract new (...args: never[]) => unknown,
): Promise<GeneratedModuleExports | undefined> {
  for (const entry of entries.filter((e) => e.className === cls.name)) {
    if ((await entry.loadImplementation()) === cls) return entry.loadGenerated();
  }
  return undefined;
}

/** The generated code of the service named `protoService`, or undefined. */
export async function findGeneratedForService(protoService: string): Promise<GeneratedModuleExports | undefined> {
  return entries.find((e) => e.protoService === protoService)?.loadGenerated();
}

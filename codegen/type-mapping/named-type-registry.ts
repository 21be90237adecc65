/**
 * The messages and enums of one proto package, by name, in first-use order; detects name collisions.
 *
 * @module
 */
import type { NamedTypeModel } from "../model.ts";

/** What a name was first claimed by: a declaration node, or a generated request/response/event message. */
export interface NameOwner {
  /** Identity of the owner (a ts-morph node, or a string for generated messages). */
  readonly key: object | string;
  /** How to name the owner in a collision message, e.g. "interface `Sample` (drivers/x.ts:3)". */
  readonly description: string;
}

/** Result of {@link NamedTypeRegistry.claim}. */
export type ClaimResult =
  | { readonly status: "new" }
  | { readonly status: "existing" }
  | { readonly status: "collision"; readonly owner: NameOwner };

/** Names of one proto package. */
export class NamedTypeRegistry {
  readonly #owners = new Map<string, NameOwner>();
  readonly #models = new Map<string, NamedTypeModel>();
  readonly #order: string[] = [];

  /** Claims `name` for `owner`; "existing" when the same owner claimed it before. */
  claim(name: string, owner: NameOwner): ClaimResult {
    const previous = this.#owners.get(name);
    if (previous === undefined) {
      this.#owners.set(name, owner);
      if (typeof owner.key !== "string") this.#order.push(name);
      return { status: "new" };
    }
    return previous.key === owner.key ? { status: "existing" } : { status: "collision", owner: previous };
  }

  /** Stores the model of a claimed name. */
  define(model: NamedTypeModel): void {
    this.#models.set(model.descriptor.name, model);
  }

  /** The model of `name`, if defined. */
  get(name: string): NamedTypeModel | undefined {
    return this.#models.get(name);
  }

  /** All defined models, in first-use order. */
  models(): NamedTypeModel[] {
    return this.#order.flatMap((name) => {
      const model = this.#models.get(name);
      return model ? [model] : [];
    });
  }
}

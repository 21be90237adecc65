/**
 * The base of everything a context hosts: instruments, task runners and any other object a context serves.
 *
 * @module
 */

/** What a context hands to each object it constructs. */
export interface RpcObjectInit {
  /** The object's name inside its context, e.g. `nsg`. */
  readonly name: string;
  /** The name of the hosting context, e.g. `nsg_demo`. */
  readonly contextName: string;
}

/** Base class of objects hosted by a context. Subclasses mark their remote methods with `@rpcMethod`. */
export abstract class RpcObject {
  /** The object's name inside its context. */
  readonly name: string;
  /** The name of the hosting context. */
  readonly contextName: string;

  constructor(init: RpcObjectInit) {
    this.name = init.name;
    this.contextName = init.contextName;
  }

  /** Called by the context when the object is removed or the context stops; override to release resources. */
  async release(): Promise<void> {}
}

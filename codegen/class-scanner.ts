/**
 * Finds the service classes of a source file and their remote members, following `extends` across files.
 *
 * A service class is exported, not abstract, and has `@rpcMethod`s of its own or through base classes. Members
 * are listed base classes first, in declaration order. An override keeps the base's position and RPC status
 * even without a decorator, and takes the subclass's TSDoc if it has some. A base class read from a declaration
 * file (an installed qmi-ts) has no decorators; its members are marked by TSDoc tags instead (`member-marker.ts`).
 *
 * @module
 */
import {
  Node,
  type TypeNode,
  type ClassDeclaration,
  type MethodDeclaration,
  type PropertyDeclaration,
  type SourceFile,
} from "ts-morph";
import { readDocComment, type DocComment } from "./doc-comment.ts";
import { hasMarker } from "./member-marker.ts";

/** A decorated member, as declared by the most derived class that declares it. */
export interface ScannedMember<D> {
  readonly name: string;
  /** The most derived declaration (its signature is the one served). */
  readonly declaration: D;
  /** The most derived TSDoc. */
  readonly doc: DocComment | undefined;
}

/** A service class and its remote members. */
export interface ScannedClass {
  readonly declaration: ClassDeclaration;
  readonly name: string;
  readonly doc: DocComment | undefined;
  readonly methods: readonly ScannedMember<MethodDeclaration>[];
  readonly signals: readonly ScannedMember<PropertyDeclaration>[];
  readonly constants: readonly ScannedMember<PropertyDeclaration>[];
  /** Set for task services: a task class (default runner) or a custom `TaskRunner<TaskClass>` subclass. */
  readonly task?: ScannedTask;
}

/** What a task service is generated from. */
export interface ScannedTask {
  /** The task class. */
  readonly taskClass: ClassDeclaration;
  /** The settings and status type arguments of `Task<S, St>` / `LoopTask<S, St>`, when given. */
  readonly settings: TypeNode | undefined;
  readonly status: TypeNode | undefined;
}

const taskBases = new Set(["Task", "LoopTask"]);

/** The `Task<S, St>` type arguments of a task class, following `extends` up to `Task` or `LoopTask`. */
function taskTypeArguments(declaration: ClassDeclaration): ScannedTask {
  for (let c: ClassDeclaration | undefined = declaration; c !== undefined; c = c.getBaseClass()) {
    const heritage = c.getExtends();
    if (heritage && taskBases.has(heritage.getExpression().getText())) {
      const [settings, status] = heritage.getTypeArguments();
      return { taskClass: declaration, settings, status };
    }
  }
  return { taskClass: declaration, settings: undefined, status: undefined };
}

/** Scans a task class or a custom task runner class; undefined for other classes. */
function scanTaskClass(declaration: ClassDeclaration, chain: readonly ClassDeclaration[]): ScannedClass | undefined {
  const name = declaration.getName()!;
  const names = chain.map((c) => c.getName());
  const own = chain.filter((c) => !["TaskRunner", "RpcObject"].includes(c.getName() ?? ""));
  if (names.includes("TaskRunner") && name !== "TaskRunner") {
    const taskNode = chain
      .map((c) => c.getExtends())
      .find((h) => h?.getExpression().getText() === "TaskRunner")
      ?.getTypeArguments()[0];
    const taskClass = taskNode?.getType().getSymbol()?.getDeclarations().find(Node.isClassDeclaration);
    if (!taskClass) return undefined;
    return {
      declaration,
      name,
      doc: readDocComment(declaration),
      methods: collect(own, (c) => c.getInstanceMethods() as MethodDeclaration[], "rpcMethod"),
      signals: [],
      constants: [],
      task: taskTypeArguments(taskClass),
    };
  }
  if ((names.includes("Task") || names.includes("LoopTask")) && !taskBases.has(name)) {
    return { declaration, name, doc: readDocComment(declaration), methods: [], signals: [], constants: [], task: taskTypeArguments(declaration) };
  }
  return undefined;
}

/** Base classes first, the class itself last. */
function inheritanceChain(declaration: ClassDeclaration): ClassDeclaration[] {
  const chain: ClassDeclaration[] = [];
  for (let c: ClassDeclaration | undefined = declaration; c !== undefined; c = c.getBaseClass()) {
    if (chain.includes(c)) break;
    chain.unshift(c);
  }
  return chain;
}

/** Collects one kind of member along the chain, applying the override rule. */
function collect<D extends MethodDeclaration | PropertyDeclaration>(
  chain: readonly ClassDeclaration[],
  membersOf: (c: ClassDeclaration) => readonly D[],
  decorator: string,
): ScannedMember<D>[] {
  const members: ScannedMember<D>[] = [];
  for (const c of chain) {
    for (const declaration of membersOf(c)) {
      const name = declaration.getName();
      const index = members.findIndex((m) => m.name === name);
      const doc = readDocComment(declaration);
      if (index >= 0) {
        members[index] = { name, declaration, doc: doc ?? members[index]!.doc };
      } else if (hasMarker(declaration, decorator)) {
        members.push({ name, declaration, doc });
      }
    }
  }
  return members;
}

/** Scans one class; undefined when it is not a service class. */
export function scanClass(declaration: ClassDeclaration): ScannedClass | undefined {
  const name = declaration.getName();
  if (name === undefined || !declaration.isExported() || declaration.isAbstract()) return undefined;
  const chain = inheritanceChain(declaration);
  const task = scanTaskClass(declaration, chain);
  if (task) return task;
  const methods = collect(chain, (c) => c.getInstanceMethods() as MethodDeclaration[], "rpcMethod");
  if (methods.length === 0) return undefined;
  return {
    declaration,
    name,
    doc: readDocComment(declaration),
    methods,
    signals: collect(chain, (c) => c.getInstanceProperties().filter(Node.isPropertyDeclaration), "signal"),
    constants: collect(chain, (c) => c.getStaticProperties().filter(Node.isPropertyDeclaration), "rpcConstant"),
  };
}

/** The service classes of a source file, in declaration order. */
export function scanServiceClasses(sourceFile: SourceFile): ScannedClass[] {
  return sourceFile.getClasses().flatMap((c) => scanClass(c) ?? []);
}

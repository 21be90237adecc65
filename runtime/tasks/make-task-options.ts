/**
 * The options of `makeTask()`: the task's own options (passed to its constructor) plus the runner class.
 *
 * @module
 */
import type { Task } from "./task.ts";
import type { TaskRunner } from "./task-runner.ts";

/** A runner class for tasks of type `T`. */
export type TaskRunnerClass<T extends Task<object, object>, R extends TaskRunner<T>> = new (
  ...args: ConstructorParameters<typeof TaskRunner<T>>
) => R;

/** `makeTask` options: `taskRunner` plus the task class's constructor options `O`. */
export type MakeTaskOptions<T extends Task<object, object>, O, R extends TaskRunner<T>> = ([O] extends [undefined] ? unknown : NonNullable<O>) & {
  /** A custom runner class (a {@link TaskRunner} subclass with its own `@rpcMethod`s); default `TaskRunner`. */
  readonly taskRunner?: TaskRunnerClass<T, R>;
};

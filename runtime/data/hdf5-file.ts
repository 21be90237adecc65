/**
 * The one module that talks to h5wasm (HDF5's C library compiled to WebAssembly; its Node build reads and writes the
 * real file system): an open HDF5 file with the few operations data sets need, each of which either succeeds or
 * throws a {@link DataFileError} naming the file and what went wrong.
 *
 * HDF5 reports failures through its error stack. For the duration of each operation h5wasm's throwing error handler
 * is switched on, so a failure becomes an exception here instead of a message on stderr and a negative return value
 * nobody checks; it is switched off again afterwards, so other users of h5wasm in the process see its default.
 * Calls are synchronous and block the event loop while HDF5 works. Data move between JavaScript and the WebAssembly
 * heap in pieces of at most {@link PIECE_BYTES}, so the heap (which never shrinks) stays small whatever the size of
 * a column.
 *
 * @module
 * @internal
 */
import { statSync } from "node:fs";
import type { Dataset, File as H5File, Group } from "h5wasm/node";
import { columnTypeInfo, columnTypeOfHdf5, type ColumnArray, type ColumnType, type ColumnTypeInfo } from "./column-types.ts";
import type { EncodedAttribute } from "./attributes.ts";
import { DataFileError } from "./data-file-error.ts";

type H5wasm = typeof import("h5wasm/node");
type H5Module = Awaited<H5wasm["ready"]>;

/** Largest piece of a column moved to or from the WebAssembly heap at once. */
export const PIECE_BYTES = 1 << 20;

/** How a file is opened: read only, read and write, created (refusing an existing file), or created anew. */
export type Hdf5Mode = "read" | "append" | "create" | "overwrite";

const ACCESS = { read: "r", append: "a", create: "x", overwrite: "w" } as const;

let loading: Promise<{ h5wasm: H5wasm; module: H5Module }> | undefined;

/** h5wasm, loaded on first use (its WebAssembly takes a few hundred milliseconds to compile). */
function load(): Promise<{ h5wasm: H5wasm; module: H5Module }> {
  loading ??= import("h5wasm/node").then(async (h5wasm) => ({ h5wasm, module: await h5wasm.ready }));
  return loading;
}

/** An HDF5 attribute as read: what kind of values it holds, its shape, and its values as JavaScript scalars. */
export interface RawAttribute {
  readonly kind: "string" | "integer" | "float" | "boolean" | "other";
  /** The HDF5 type in words, for messages (`int64`, `float32`, `string`, `compound`...). */
  readonly typeName: string;
  /** `[]` for a scalar; null for an attribute without a dataspace (h5py's `Empty`). */
  readonly shape: readonly number[] | null;
  /** The values, flattened: numbers, bigints (64-bit integers) or strings. Empty unless `kind` is known. */
  readonly values: readonly (number | bigint | string)[];
}

/** An HDF5 dataset's shape and element type, as a column needs them. */
export interface ColumnFacts {
  /** The column type, when the dataset's element type is one. */
  readonly type: ColumnType | undefined;
  readonly typeName: string;
  readonly shape: readonly number[] | null;
}

/** An open HDF5 file. */
export class Hdf5File {
  private closed = false;

  private constructor(
    private readonly h5: { h5wasm: H5wasm; module: H5Module },
    private readonly file: H5File,
    /** The file's path, as given. */
    readonly path: string,
  ) {}

  /** Opens `path` in `mode`; throws a DataFileError saying why it cannot be. */
  static async open(path: string, mode: Hdf5Mode): Promise<Hdf5File> {
    const h5 = await load();
    const verb = mode === "read" ? "read" : mode === "append" ? "open for writing" : "create";
    const problem = pathProblem(path, mode);
    if (problem) throw new DataFileError(path, `Cannot ${verb} data file ${path}: ${problem}`);
    const file = guarded(h5.module, path, `Cannot ${verb} data file ${path}`, () => new h5.h5wasm.File(path, ACCESS[mode]));
    return new Hdf5File(h5, file, path);
  }

  /** What `path` names in the file: a group, a dataset, something else, or nothing. */
  kind(path: string): "group" | "dataset" | "other" | undefined {
    return this.run(`Cannot look up ${path}`, () => {
      const entity = this.file.get(path);
      if (entity === null) return undefined;
      return entity instanceof this.h5.h5wasm.Group ? "group" : entity instanceof this.h5.h5wasm.Dataset ? "dataset" : "other";
    });
  }

  /** The names of the members of group `path`. */
  members(path: string): string[] {
    return this.run(`Cannot list ${path}`, () => this.group(path).keys());
  }

  /** The names of the attributes of the object at `path`. */
  attributeNames(path: string): string[] {
    return this.run(`Cannot list the attributes of ${path}`, () => this.h5.module.get_attribute_names(this.file.file_id, path));
  }

  /**
   * Attribute `name` of the object at `path`; throws a DataFileError when it holds more than `maxBytes` of data
   * (strings count their pointers only).
   */
  attribute(path: string, name: string, maxBytes: number): RawAttribute {
    return this.run(`Cannot read attribute "${name}" of ${path}`, () => {
      const meta = this.h5.module.get_attribute_metadata(this.file.file_id, path, name);
      const classes = this.h5.module.H5T_class_t;
      const base = { shape: meta.shape };
      const enumBoolean = meta.type === classes.H5T_ENUM.value && isBooleanEnum(meta.enum_type?.members);
      const kind: RawAttribute["kind"] =
        meta.type === classes.H5T_STRING.value ? "string"
        : meta.type === classes.H5T_INTEGER.value ? "integer"
        : meta.type === classes.H5T_FLOAT.value ? "float"
        : enumBoolean ? "boolean"
        : "other";
      const typeName = kind === "string" ? "string" : kind === "boolean" ? "boolean enum" : numericTypeName(meta.type, meta.size, meta.signed, classes);
      if (kind === "other" || meta.shape === null) return { ...base, kind: meta.shape === null ? "other" : kind, typeName, values: [] };
      if (meta.size * meta.total_size > maxBytes) {
        throw new Error(`it holds ${meta.size * meta.total_size} bytes, more than the ${maxBytes} bytes an attribute may have here`);
      }
      const value: unknown = this.objectAt(path).get_attribute(name, false);
      const values = value === null ? [] : typeof value === "object" ? [...(value as Iterable<number | bigint | string>)] : [value as number | bigint | string];
      return { ...base, kind, typeName, values };
    });
  }

  /** Writes attribute `name` of the object at `path`, replacing one of that name. */
  setAttribute(path: string, name: string, attribute: EncodedAttribute): void {
    this.run(`Cannot write attribute "${name}" of ${path}`, () => {
      const target = this.objectAt(path);
      if (this.h5.module.get_attribute_names(this.file.file_id, path).includes(name)) target.delete_attribute(name);
      target.create_attribute(name, attribute.data, attribute.shape, attribute.dtype ?? null);
    });
  }

  /** Creates group `path` (its parent must exist). */
  createGroup(path: string): void {
    this.run(`Cannot create group ${path}`, () => this.h5.module.create_group(this.file.file_id, path, false));
  }

  /**
   * Creates an empty dataset of `type` at `path`, extendible along its rows and stored in chunks of `chunkRows`:
   * one-dimensional, or of shape `[0, width]` when `width` is given.
   */
  createColumn(path: string, type: ColumnType, chunkRows: number, width?: number): void {
    this.run(`Cannot create column ${path}`, () => {
      const info = columnTypeInfo(type);
      const slash = path.lastIndexOf("/");
      this.group(path.slice(0, slash) || "/").create_dataset({
        name: path.slice(slash + 1),
        data: new info.array(0),
        shape: width === undefined ? [0] : [0, width],
        maxshape: width === undefined ? [null] : [null, width],
        chunks: width === undefined ? [chunkRows] : [chunkRows, width],
        dtype: info.dtype,
      });
    });
  }

  /** The shape and element type of the dataset at `path`. */
  column(path: string): ColumnFacts {
    return this.run(`Cannot read the type of ${path}`, () => {
      const meta = this.dataset(path).metadata;
      const classes = this.h5.module.H5T_class_t;
      const numeric = meta.type === classes.H5T_INTEGER.value ? "integer" : meta.type === classes.H5T_FLOAT.value ? "float" : undefined;
      return {
        type: numeric && columnTypeOfHdf5(numeric, meta.size, meta.signed),
        typeName: numericTypeName(meta.type, meta.size, meta.signed, classes),
        shape: meta.shape,
      };
    });
  }

  /**
   * Appends `data` to the column at `path`, which holds `rows` rows now: one element per row, or `width` elements per
   * row (row after row) for a column created with that width.
   */
  appendToColumn(path: string, rows: number, data: ColumnArray, width?: number): void {
    if (data.length === 0) return;
    this.run(`Cannot append to column ${path}`, () => {
      const dataset = this.dataset(path);
      const per = width ?? 1;
      const added = data.length / per;
      dataset.resize(width === undefined ? [rows + added] : [rows + added, width]);
      const step = Math.max(1, Math.floor(PIECE_BYTES / (data.BYTES_PER_ELEMENT * per)));
      for (let start = 0; start < added; start += step) {
        const end = Math.min(start + step, added);
        const piece = data.subarray(start * per, end * per);
        dataset.write_slice(width === undefined ? [[rows + start, rows + end]] : [[rows + start, rows + end], [0, width]], piece);
      }
    });
  }

  /**
   * Reads rows `[0, rows)` of the column at `path`, whose element type is `type` (and, for a two-dimensional column,
   * whose rows are `width` elements, read row after row into one flat array): piece by piece into one buffer on the
   * WebAssembly heap, each piece copied once into the result (no garbage per piece).
   */
  readColumn(path: string, type: ColumnType, rows: number, width?: number): ColumnArray {
    return this.run(`Cannot read column ${path}`, () => {
      const info: ColumnTypeInfo = columnTypeInfo(type);
      const per = width ?? 1;
      const out = new info.array(rows * per);
      const step = Math.max(1, Math.floor(PIECE_BYTES / (info.bytes * per)));
      const module = this.h5.module;
      const buffer = module._malloc(Math.min(step, Math.max(rows, 1)) * per * info.bytes);
      if (buffer === 0) throw new Error("no memory for a read buffer on the WebAssembly heap");
      try {
        for (let start = 0; start < rows; start += step) {
          const count = Math.min(step, rows - start);
          const [counts, offsets, strides] = width === undefined
            ? [[BigInt(count)], [BigInt(start)], [1n]]
            : [[BigInt(count), BigInt(width)], [BigInt(start), 0n], [1n, 1n]];
          module.get_dataset_data(this.file.file_id, path, counts, offsets, strides, BigInt(buffer));
          // HEAPU8 is read after the call: the heap may have grown, which replaces its buffer.
          (out as { set(values: ArrayLike<number | bigint>, offset: number): void }).set(new info.array(module.HEAPU8.buffer as ArrayBuffer, buffer, count * per), start * per);
        }
      } finally {
        module._free(buffer);
      }
      return out;
    });
  }

  /** Writes what HDF5 holds in memory to the file. */
  flush(): void {
    if (!this.closed) this.run("Cannot flush", () => this.file.flush());
  }

  /** Closes the file; later calls do nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    guarded(this.h5.module, this.path, `Cannot close data file ${this.path}`, () => this.file.close());
  }

  private group(path: string): Group {
    const entity = this.file.get(path);
    if (!(entity instanceof this.h5.h5wasm.Group)) throw new Error(`${path} is not a group`);
    return entity;
  }

  private dataset(path: string): Dataset {
    const entity = this.file.get(path);
    if (!(entity instanceof this.h5.h5wasm.Dataset)) throw new Error(`${path} is not a dataset`);
    return entity;
  }

  private objectAt(path: string): Group | Dataset {
    const entity = this.file.get(path);
    if (!(entity instanceof this.h5.h5wasm.Group) && !(entity instanceof this.h5.h5wasm.Dataset)) throw new Error(`${path} is not a group or a dataset`);
    return entity;
  }

  private run<T>(what: string, action: () => T): T {
    if (this.closed) throw new DataFileError(this.path, `${what} in data file ${this.path}: the file is closed`);
    return guarded(this.h5.module, this.path, `${what} in data file ${this.path}`, action);
  }
}

/** Runs `action` with HDF5's failures thrown; anything thrown becomes a DataFileError `what: reason`. */
function guarded<T>(module: H5Module, file: string, what: string, action: () => T): T {
  module.activate_throwing_error_handler();
  try {
    return action();
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(file, `${what}: ${hdf5Reason(error)}`, { cause: error });
  } finally {
    module.deactivate_throwing_error_handler();
  }
}

/** The line of an HDF5 error stack (or any error) that says what went wrong. */
function hdf5Reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.startsWith("HDF5-DIAG")) return message;
  const system = /error message = '([^']*)'/.exec(message);
  if (system) return system[1]!;
  if (message.includes("file signature not found")) return "not an HDF5 file (no HDF5 signature)";
  const frames = [...message.matchAll(/#\d+: .*? in (\w+)\(\): (.*)/g)];
  const last = frames.at(-1);
  return last ? `${last[2]} (HDF5 ${last[1]})` : message.split("\n")[1]?.trim() ?? message;
}

/** Why `path` cannot be opened in `mode`, found before HDF5 is asked (which explains less clearly), or undefined. */
function pathProblem(path: string, mode: Hdf5Mode): string | undefined {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return mode === "read" || mode === "append" ? "no such file" : undefined;
    return (error as Error).message;
  }
  if (stats.isDirectory()) return "it is a directory";
  if (mode === "create") return "the file exists already";
  return undefined;
}

function isBooleanEnum(members: Readonly<Record<string, number>> | undefined): boolean {
  return members !== undefined && Object.keys(members).length === 2 && members.FALSE === 0 && members.TRUE === 1;
}

function numericTypeName(type: number, size: number, signed: boolean, classes: H5Module["H5T_class_t"]): string {
  if (type === classes.H5T_INTEGER.value) return `${signed ? "int" : "uint"}${size * 8}`;
  if (type === classes.H5T_FLOAT.value) return `float${size * 8}`;
  const names: Record<number, string> = {
    [classes.H5T_STRING.value]: "string",
    [classes.H5T_COMPOUND.value]: "compound",
    [classes.H5T_ENUM.value]: "enum",
    [classes.H5T_ARRAY.value]: "array",
    [classes.H5T_VLEN.value]: "variable-length",
    [classes.H5T_REFERENCE.value]: "reference",
    [classes.H5T_OPAQUE.value]: "opaque",
    [classes.H5T_BITFIELD.value]: "bitfield",
    [classes.H5T_TIME.value]: "time",
  };
  return names[type] ?? `HDF5 type class ${type}`;
}

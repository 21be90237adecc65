/**
 * The text `qmi data show` prints for a data set: a heading with rows and time stamp, the columns (name, type,
 * unit, description), the attributes, and a table of its first rows with every value exact (float32 values in the
 * fewest digits that read back as the same float32). A column of rows of a fixed width shows its type as
 * `float64[1000]` and, in the table, the first few elements of each row.
 *
 * @module
 */
import type { AttributeValue, ColumnArray, DataSetInfo } from "../runtime/data/index.ts";

/** Attribute values longer than this are cut unless `full`. */
const LONG_VALUE = 200;

/** How {@link formatDataSet} prints. */
export interface DataSetTextOptions {
  /** Print long attribute values whole. */
  readonly full?: boolean;
}

/** Elements of a row of a two-dimensional column shown in the table. */
const ROW_ELEMENTS = 4;

/** The text for data set `info`, with `rows` holding its first rows (one array per column, `width` elements a row). */
export function formatDataSet(info: DataSetInfo, rows: readonly ColumnArray[], options: DataSetTextOptions = {}): string {
  const s = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const lines = [`${info.name}: ${s(info.rowCount, "row")}, ${s(info.columns.length, "column")}, time stamp ${timeStamp(info.timestamp)}`];
  lines.push("  columns:");
  lines.push(...table(info.columns.map((c) => [c.name, c.width === undefined ? c.type : `${c.type}[${c.width}]`, c.unit ? `[${c.unit}]` : "", c.description]), "left").map((line) => `    ${line}`));
  const attributes = Object.entries(info.attributes);
  lines.push(attributes.length === 0 ? "  attributes: none" : "  attributes:");
  const width = Math.max(0, ...attributes.map(([key]) => key.length));
  for (const [key, value] of attributes) lines.push(`    ${key.padEnd(width)}  ${cut(attributeText(value), options.full ?? false)}`);
  const shown = (rows[0]?.length ?? 0) / (info.columns[0]?.width ?? 1);
  if (info.rowCount === 0) {
    lines.push("  rows: none");
  } else if (shown > 0) {
    lines.push(`  ${shown === info.rowCount ? `all ${s(shown, "row")}` : `first ${s(shown, "row")} of ${info.rowCount}`}:`);
    const body = Array.from({ length: shown }, (_, row) => rows.map((column, col) => cellText(column, row, info.columns[col]!)));
    lines.push(...table([info.columns.map((c) => c.name), ...body], "right").map((line) => `    ${line}`));
  }
  return lines.join("\n") + "\n";
}

function timeStamp(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : `${date.toISOString()} (${seconds})`;
}

/** Lines of `cells` in aligned columns, trailing blanks trimmed. */
function table(cells: readonly (readonly string[])[], align: "left" | "right"): string[] {
  const widths = cells[0]!.map((_, col) => Math.max(...cells.map((row) => row[col]!.length)));
  return cells.map((row) => row.map((cell, col) => (align === "left" ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join("  ").trimEnd());
}

function attributeText(value: AttributeValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => attributeText(item as AttributeValue)).join(", ")}]`;
  return String(value);
}

function cut(text: string, full: boolean): string {
  return full || text.length <= LONG_VALUE ? text : `${text.slice(0, LONG_VALUE)}... (${text.length} characters; --full prints all)`;
}

function cellText(column: ColumnArray, row: number, info: DataSetInfo["columns"][number]): string {
  if (info.width === undefined) return valueText(column[row]!, info.type);
  const start = row * info.width;
  const shown = Array.from({ length: Math.min(info.width, ROW_ELEMENTS) }, (_, i) => valueText(column[start + i]!, info.type));
  return `[${shown.join(", ")}${info.width > ROW_ELEMENTS ? ", ..." : ""}]`;
}

function valueText(value: number | bigint, type: string): string {
  if (type !== "float32" || typeof value !== "number" || !Number.isFinite(value)) return String(value);
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(value.toPrecision(digits)));
    if (Math.fround(Number(text)) === value) return text;
  }
  return String(value);
}

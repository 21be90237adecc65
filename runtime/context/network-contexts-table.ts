/**
 * The table of `showNetworkContexts()` and `qmi contexts`, as in QMI's tutorial:
 *
 * ```text
 * name         address         connected
 * ------------ --------------- ---------
 * instr_server 127.0.0.1:40001 no
 * ------------ --------------- ---------
 * ```
 *
 * @module
 */

/** One row: a context, its address and whether the asking context is connected to it. */
export interface NetworkContextRow {
  readonly name: string;
  readonly address: string;
  readonly connected: boolean;
}

/** Formats `rows` as the table (header, dashes, rows, dashes), one line per row, ending with a newline. */
export function formatContextsTable(rows: readonly NetworkContextRow[]): string {
  const cells = rows.map((row) => [row.name, row.address, row.connected ? "yes" : "no"]);
  const header = ["name", "address", "connected"];
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]!.length)));
  const line = (cell: readonly string[]) => cell.map((text, i) => (i < cell.length - 1 ? text.padEnd(widths[i]!) : text)).join(" ");
  const dashes = widths.map((width) => "-".repeat(width)).join(" ");
  return [line(header), dashes, ...cells.map(line), dashes].join("\n") + "\n";
}

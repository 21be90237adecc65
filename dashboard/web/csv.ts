/**
 * CSV export of plotted points: `<x>,<fields...>`, where x is `time` (when each point was received, seconds since
 * 1970) or the field the plot uses as x; absent values left empty.
 */

type Column = ArrayLike<number | null | undefined>;

export function toCsv(x: string, fields: readonly string[], time: Column, columns: readonly Column[]): string {
  const lines = [[x, ...fields].map(quote).join(",")];
  for (let i = 0; i < time.length; i++) {
    const row = [String(time[i] ?? "")];
    for (const column of columns) row.push(String(column[i] ?? ""));
    lines.push(row.join(","));
  }
  return lines.join("\n") + "\n";
}

/** Offers `text` as a file download, without leaving the page. */
export function downloadText(fileName: string, text: string, type = "text/csv"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Field names are paths like `position.x`; quoted only if they hold a CSV delimiter. */
function quote(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

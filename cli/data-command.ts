/**
 * `qmi data show <file.h5> [name]`: what an HDF5 data file holds — each data set's rows, columns (type, unit,
 * description), attributes and first rows — without loading more of a column than the rows it prints.
 *
 * ```sh
 * npx qmi data show run.h5                     # every data set, first 5 rows each
 * npx qmi data show run.h5 sweep --rows 20     # one data set
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { QmiError } from "../runtime/protocol/errors.ts";
import { Hdf5File } from "../runtime/data/hdf5-file.ts";
import { dataSetNames, readDataSetInfo } from "../runtime/data/data-set-reader.ts";
import { PROCESS_OUTPUT, type CommandOutput } from "./command-output.ts";
import { formatDataSet } from "./data-set-text.ts";

const ACTIONS = ["show"] as const;
type Action = (typeof ACTIONS)[number];

const HELP: Record<Action | "data", string> = {
  data: `Usage: qmi data <action> ...

Look into HDF5 data files (data sets written by qmi-ts, by qmi record, or by
Python QMI).

Actions:
  show      list the data sets of a file: rows, columns with type and unit,
            attributes and the first rows

Run \`qmi data <action> --help\` for an action's options. Exit status: 0 on
success, 1 when the file cannot be read, 2 for a usage error.
`,
  show: `Usage: qmi data show <file.h5> [name] [options]

List the data sets of an HDF5 file (or only data set <name>): the number of
rows, the columns with type, unit and description, the attributes, and the
first rows. Only the rows printed are read, whatever the size of the file.

Options:
  -n, --rows <n>   how many rows of each data set to print; default 5
      --full       print long attribute values whole (default: their first
                   200 characters)
  -h, --help       show this help

Exit status: 0 on success, 1 when the file is missing, not an HDF5 file, or has
no such data set (the error is printed), 2 for a usage error.
`,
};

/** Runs `qmi data` with `argv`, printing to `output`; resolves with the exit code. */
export async function runData(argv: readonly string[], output: CommandOutput = PROCESS_OUTPUT): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined) {
    output.err(HELP.data);
    return 2;
  }
  if (action === "--help" || action === "-h") {
    output.out(HELP.data);
    return 0;
  }
  if (!(ACTIONS as readonly string[]).includes(action)) {
    output.err(`qmi data: unknown action ${JSON.stringify(action)}\n\n${HELP.data}`);
    return 2;
  }
  return runShow(rest, output);
}

async function runShow(argv: readonly string[], output: CommandOutput): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        rows: { type: "string", short: "n" },
        full: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    output.err(`qmi data show: ${(error as Error).message}\n\n${HELP.show}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(HELP.show);
    return 0;
  }
  const [path, name] = positionals;
  if (path === undefined || positionals.length > 2) {
    output.err(`qmi data show: expected <file.h5> and at most one data set name\n\n${HELP.show}`);
    return 2;
  }
  const rows = Number(values.rows ?? 5);
  if (!(Number.isSafeInteger(rows) && rows >= 0)) {
    output.err(`qmi data show: --rows must be a whole number of rows (0 or more), found ${JSON.stringify(values.rows)}\n`);
    return 2;
  }
  let file: Hdf5File | undefined;
  try {
    file = await Hdf5File.open(path, "read");
    const names = name === undefined ? dataSetNames(file) : [name];
    if (names.length === 0) output.out(`${path} holds no data sets\n`);
    const texts = names.map((each) => {
      const info = readDataSetInfo(file!, each, { maxBytes: Infinity });
      const shown = Math.min(rows, info.rowCount);
      const data = info.columns.map((column, col) => file!.readColumn(`/${each}/${info.keys[col]}`, column.type, shown, column.width));
      return formatDataSet(info, data, { full: values.full ?? false });
    });
    output.out(texts.join("\n"));
    return 0;
  } catch (error) {
    const qmiError = QmiError.from(error);
    output.err(`qmi data show: ${qmiError.name}: ${qmiError.message}\n`);
    return 1;
  } finally {
    file?.close();
  }
}

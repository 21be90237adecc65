/**
 * `qmi data show`: the text for a file of two data sets written by `writeDataSet` (columns with types, units and
 * descriptions, every kind of attribute, the first rows with exact values), one data set, `--rows`, `--full`, the
 * errors of files that are missing or not HDF5 and of a missing data set (exit status 1), and usage errors (exit
 * status 2). Most runs are in this process; one runs the `qmi` command as a process.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeDataSet } from "qmi-ts/data";
import { qmiInProcess } from "../helpers/cli-in-process.ts";
import { runQmi } from "../helpers/proc-harness.ts";

const dir = mkdtempSync(join(tmpdir(), "qmi-data-show-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "run.h5");

/** 2026-01-01T00:00:00Z. */
const STAMP = 1767225600;

const SWEEP = `sweep: 7 rows, 3 columns, time stamp 2026-01-01T00:00:00.000Z (${STAMP})
  columns:
    frequency  float64  [Hz]
    amplitude  float32  [V]   peak amplitude
    counts     int64
  attributes:
    averages    16
    big         1152921504606846976
    calibrated  true
    instrument  "nsg"
    list        [1, 2.5]
    long        "${"x".repeat(199)}... (302 characters; --full prints all)
    names       ["a", "b\\nc"]
  first 5 rows of 7:
    frequency  amplitude  counts
         1000        0.5       1
         2000        0.7      -2
         3000        0.2       3
         4000        NaN       4
       5000.5   Infinity       5
`;

const EMPTY = `empty: 0 rows, 1 column, time stamp 2026-01-01T00:00:00.000Z (${STAMP})
  columns:
    t  float64  [s]
  attributes: none
  rows: none
`;

describe("qmi data show", () => {
  before(async () => {
    await writeDataSet(file, {
      name: "sweep",
      timestamp: STAMP,
      columns: [
        { name: "frequency", data: Float64Array.of(1e3, 2e3, 3e3, 4e3, 5000.5, 6e3, 7e3), unit: "Hz" },
        { name: "amplitude", data: Float32Array.of(0.5, 0.7, 0.2, NaN, Infinity, -0.1, 1e-7), unit: "V", description: "peak amplitude" },
        { name: "counts", data: BigInt64Array.of(1n, -2n, 3n, 4n, 5n, 6n, 2n ** 62n) },
      ],
      attributes: { instrument: "nsg", averages: 16, calibrated: true, big: 2n ** 60n, list: [1, 2.5], names: ["a", "b\nc"], long: "x".repeat(300) },
    });
    await writeDataSet(file, { name: "empty", timestamp: STAMP, columns: [{ name: "t", data: new Float64Array(0), unit: "s" }] });
  });

  it("lists every data set: rows, columns with type, unit and description, attributes and the first 5 rows", async () => {
    const run = await qmiInProcess(["data", "show", file]);
    assert.equal(run.stderr, "");
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `${SWEEP}\n${EMPTY}`);
  });

  it("shows one data set, the rows asked for, and long attributes whole with --full", async () => {
    const run = await qmiInProcess(["data", "show", file, "sweep", "--rows", "7", "--full"]);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /^empty:/m);
    assert.match(run.stdout, /^ {4}long {8}"x{300}"$/m);
    const table = [
      "  all 7 rows:",
      "    frequency  amplitude               counts",
      "         1000        0.5                    1",
      "         2000        0.7                   -2",
      "         3000        0.2                    3",
      "         4000        NaN                    4",
      "       5000.5   Infinity                    5",
      "         6000       -0.1                    6",
      "         7000       1e-7  4611686018427387904",
    ];
    assert.ok(run.stdout.endsWith(table.join("\n") + "\n"), run.stdout);

    const none = await qmiInProcess(["data", "show", file, "sweep", "-n", "0"]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /names {7}\["a", "b\\nc"\]\n$/, "no rows table after the attributes");
  });

  it("shows a column of rows of a fixed width with its width and the first elements of each row", async () => {
    const traces = join(dir, "traces.h5");
    await writeDataSet(traces, { name: "traces", timestamp: STAMP, columns: [{ name: "i", data: Uint8Array.of(0, 1, 2) }, { name: "v", data: Float32Array.from({ length: 15 }, (_, k) => k / 2), width: 5, unit: "V" }, { name: "p", data: Int8Array.of(1, 2, 3, 4, 5, 6), width: 2 }] });
    const run = await qmiInProcess(["data", "show", traces, "--rows", "2"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^ {4}v {2}float32\[5\] {2}\[V\]$/m);
    assert.ok(run.stdout.endsWith(["  first 2 rows of 3:", "    i                      v       p", "    0  [0, 0.5, 1, 1.5, ...]  [1, 2]", "    1  [2.5, 3, 3.5, 4, ...]  [3, 4]"].join("\n") + "\n"), run.stdout);
  });

  it("fails with the DataFileError's message for a missing file, a file that is not HDF5, and a missing data set", async () => {
    const text = join(dir, "notes.h5");
    writeFileSync(text, "not an HDF5 file\n");
    const cases: [string[], RegExp][] = [
      [[join(dir, "absent.h5")], /^qmi data show: DataFileError: Cannot read data file .*absent\.h5: no such file\n$/],
      [[text], /^qmi data show: DataFileError: Cannot read data file .*notes\.h5: not an HDF5 file/],
      [[file, "sweeps"], /^qmi data show: DataFileError: Data file .*run\.h5 holds no data set "sweeps"; it holds "sweep", "empty"\n$/],
    ];
    for (const [args, message] of cases) {
      const run = await qmiInProcess(["data", "show", ...args]);
      assert.equal(run.code, 1, args.join(" "));
      assert.match(run.stderr, message);
      assert.equal(run.stdout, "");
    }
  });

  it("refuses bad usage with exit status 2", async () => {
    const cases: [string[], RegExp][] = [
      [[], /^Usage: qmi data <action>/],
      [["list", file], /^qmi data: unknown action "list"/],
      [["show"], /^qmi data show: expected <file\.h5> and at most one data set name/],
      [["show", file, "sweep", "empty"], /^qmi data show: expected <file\.h5> and at most one data set name/],
      [["show", file, "--rows=-1"], /^qmi data show: --rows must be a whole number of rows \(0 or more\), found "-1"/],
      [["show", file, "--rows", "2.5"], /^qmi data show: --rows must be a whole number/],
      [["show", file, "--colour"], /^qmi data show: Unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const run = await qmiInProcess(["data", ...args]);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.stderr, message);
      assert.equal(run.stdout, "");
    }
    const help = await qmiInProcess(["data", "show", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: qmi data show <file\.h5> \[name\]/);
  });

  it("runs as the qmi command", async () => {
    const run = await runQmi(["data", "show", file, "empty"], 60_000);
    assert.equal(run.stderr, "");
    assert.equal(run.code, 0);
    assert.equal(run.stdout, EMPTY);
  });
});

/**
 * Benchmark 12: sustained recording. A context records its own `nsg.sampleTaken` with `record()` while the
 * benchmark publishes it as fast as the recorder keeps up (4,096 signals, one column chunk, per turn of the event
 * loop, so that the recorder writes each chunk before the next), for `seconds`. Figures: signals recorded per second
 * and MB/s of column data (24 bytes a row: `time`, `t`, `value`) from the first signal to the end of `stop()`, and
 * the file's size. Baseline, in the same process right after: the same rows' bytes (24 a row, built in 4,096-row
 * blocks) appended with `writeSync` to a file opened for appending, the same count of rows, timed to `closeSync`.
 * Neither calls fsync (HDF5's flush hands its buffers to the OS, as `writeSync` does). Between the two, to tell the
 * recorder's own work from HDF5's: the same rows appended as 4,096-row column chunks straight to a data set of a
 * `DataFile` (chunked like the recorder's), flushed once a second and closed.
 *
 * It runs in a fresh process started with `--import h5wasm/node` (under tsx alone, loading h5wasm costs seconds).
 * Part of `npm run bench`; alone: node --conditions=qmi-ts-source --import h5wasm/node --import tsx bench/recording.ts [seconds=3]
 */
import { execFile } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Context, record } from "qmi-ts";
import { DataFile } from "qmi-ts/data";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";

const run = promisify(execFile);

/** Signals published per turn of the event loop: one of the recorder's column chunks. */
const BATCH = 4096;
/** Bytes of one recorded row: `time`, `t` and `value`, float64 each. */
const ROW_BYTES = 24;

/** What {@link benchRecording} measured. */
export interface RecordingFigures {
  readonly seconds: number;
  readonly recorded: number;
  readonly dropped: number;
  readonly signalsPerS: number;
  /** Column data (24 bytes a row) per second, 10^6 bytes a MB. */
  readonly mbPerS: number;
  readonly fileBytes: number;
  /** The same rows appended as column chunks to a DataFile's data set, without signals or a recorder. */
  readonly hdf5RowsPerS: number;
  readonly hdf5MbPerS: number;
  /** The same rows' bytes appended with writeSync. */
  readonly rawRowsPerS: number;
  readonly rawMbPerS: number;
}

/** Records for `seconds` as fast as the recorder keeps up, then appends the same bytes raw (see the module doc). */
export async function benchRecording(seconds: number): Promise<RecordingFigures> {
  const dir = mkdtempSync(join(tmpdir(), "qmi-bench-recording-"));
  const context = await Context.start("bench_recording", { config: { logging: { console_loglevel: "WARNING" } } });
  try {
    await context.makeInstrument("nsg", NoisySineGenerator);
    const nsg = context.objects.get("nsg")!.instance as NoisySineGenerator;
    const file = join(dir, "recording.h5");
    const recorder = await record({ context, signals: ["bench_recording.nsg.sampleTaken"], file });
    const started = performance.now();
    let published = 0;
    while (performance.now() - started < seconds * 1000) {
      for (let j = 0; j < BATCH; j++, published++) nsg.sampleTaken.publish({ t: published, value: published * 0.5 });
      await new Promise((resolve) => setImmediate(resolve));
    }
    const summary = await recorder.stop();
    const elapsed = (performance.now() - started) / 1000;
    const fileBytes = statSync(file).size;

    const hdf5Seconds = await appendHdf5(join(dir, "direct.h5"), summary.recorded);
    const rawSeconds = appendRaw(join(dir, "raw.bin"), summary.recorded);
    return {
      seconds: elapsed,
      recorded: summary.recorded,
      dropped: summary.dropped,
      signalsPerS: summary.recorded / elapsed,
      mbPerS: summary.bytesWritten / elapsed / 1e6,
      fileBytes,
      hdf5RowsPerS: summary.recorded / hdf5Seconds,
      hdf5MbPerS: (summary.recorded * ROW_BYTES) / hdf5Seconds / 1e6,
      rawRowsPerS: summary.recorded / rawSeconds,
      rawMbPerS: (summary.recorded * ROW_BYTES) / rawSeconds / 1e6,
    };
  } finally {
    await context.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Appends `rows` rows to a data set of a new HDF5 file in column chunks of {@link BATCH}; answers the seconds. */
async function appendHdf5(path: string, rows: number): Promise<number> {
  const columns = { time: new Float64Array(BATCH), t: new Float64Array(BATCH), value: new Float64Array(BATCH) };
  const started = performance.now();
  const file = await DataFile.create(path);
  try {
    const writer = file.createDataSet({ name: "direct", chunkRows: BATCH, columns: Object.keys(columns).map((name) => ({ name, type: "float64" as const })) });
    let flushed = started;
    for (let row = 0; row < rows; ) {
      const count = Math.min(BATCH, rows - row);
      const now = Date.now() / 1000;
      for (let i = 0; i < count; i++, row++) {
        columns.time[i] = now;
        columns.t[i] = row;
        columns.value[i] = row * 0.5;
      }
      writer.appendRows(count === BATCH ? columns : { time: columns.time.subarray(0, count), t: columns.t.subarray(0, count), value: columns.value.subarray(0, count) });
      if (performance.now() - flushed >= 1000) {
        file.flush();
        flushed = performance.now();
      }
    }
  } finally {
    file.close();
  }
  return (performance.now() - started) / 1000;
}

/** Appends `rows` rows of 24 bytes to `path` in blocks of {@link BATCH} rows; answers the seconds it took. */
function appendRaw(path: string, rows: number): number {
  const block = new Float64Array(BATCH * 3);
  const started = performance.now();
  const fd = openSync(path, "a");
  try {
    for (let row = 0; row < rows; ) {
      const count = Math.min(BATCH, rows - row);
      const now = Date.now() / 1000;
      for (let i = 0; i < count; i++, row++) {
        block[3 * i] = now;
        block[3 * i + 1] = row;
        block[3 * i + 2] = row * 0.5;
      }
      writeSync(fd, block, 0, count * ROW_BYTES);
    }
  } finally {
    closeSync(fd);
  }
  return (performance.now() - started) / 1000;
}

/** Runs {@link benchRecording} in a fresh process that loads h5wasm before tsx. */
export async function benchRecordingInChild(seconds: number): Promise<RecordingFigures> {
  const args = [
    "--conditions=qmi-ts-source",
    "--import", import.meta.resolve("h5wasm/node"),
    "--import", import.meta.resolve("tsx"),
    fileURLToPath(import.meta.url), String(seconds), "--json",
  ];
  const { stdout } = await run(process.execPath, args, { timeout: (seconds + 60) * 1000 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as RecordingFigures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchRecording(Number(process.argv[2] ?? 3));
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else {
    console.log(
      `recorded ${r.recorded} signals in ${r.seconds.toFixed(2)} s (dropped ${r.dropped}): ${Math.round(r.signalsPerS)} signals/s, ` +
        `${r.mbPerS.toFixed(1)} MB/s of columns, file ${(r.fileBytes / 1e6).toFixed(1)} MB; ` +
        `HDF5 column appends alone: ${Math.round(r.hdf5RowsPerS)} rows/s, ${r.hdf5MbPerS.toFixed(1)} MB/s; raw append of the same bytes: ${Math.round(r.rawRowsPerS)} rows/s, ${r.rawMbPerS.toFixed(1)} MB/s`,
    );
  }
}

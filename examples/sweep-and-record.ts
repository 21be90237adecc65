// A frequency sweep that keeps its data: the noisy sine generator's `sampleTaken` is recorded with qmi.record
// while the script steps the frequency, and the sweep's result (frequency, mean and amplitude per step) is added
// to the same HDF5 file as a data set with units. examples/python/read_sweep.py reads both into numpy.
// The generator's output is taken to be in volts: amplitude 1.5 V, noise 0.05 V.
// Run: node --import h5wasm/node --import tsx examples/sweep-and-record.ts [file=sweep.h5]
// (`npx tsx examples/sweep-and-record.ts` works too; loading h5wasm then takes a few seconds more.)
import { setTimeout as sleep } from "node:timers/promises";
import * as qmi from "qmi-ts";
import { DataSet, writeDataSet } from "qmi-ts/data";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";

const file = process.argv[2] ?? "sweep.h5";
const FREQUENCIES = [5, 10, 20, 50]; // Hz
const STEP_SECONDS = 0.2;
const AMPLITUDE = 1.5; // V
const NOISE = 0.05; // V, standard deviation

await qmi.start("sweep", { config: null });
try {
  const nsg = await qmi.makeInstrument("nsg", NoisySineGenerator);
  await nsg.open();
  await nsg.setAmplitude(AMPLITUDE);
  await nsg.setNoise(NOISE);

  // Every sample the generator takes is published as sampleTaken { t, value } and lands in the file.
  const recorder = await qmi.record({ signals: ["sweep.nsg.sampleTaken"], file, overwrite: true, attributes: { operator: "example" } });
  const rows = { start: [] as number[], stop: [] as number[], samples: [] as number[], mean: [] as number[], amplitude: [] as number[] };
  for (const frequency of FREQUENCIES) {
    await nsg.setFrequency(frequency);
    await sleep(5); // so that no two steps share a millisecond of the samples' time stamps
    const times: number[] = [];
    const values: number[] = [];
    const start = Date.now() / 1000;
    while (Date.now() / 1000 - start < STEP_SECONDS) {
      for (let i = 0; i < 10; i++) {
        values.push(await nsg.getSample());
        times.push(Date.now() / 1000);
      }
      await sleep(1); // about 10 samples a millisecond; the recorder writes meanwhile
    }
    const stop = Date.now() / 1000;
    const { mean, amplitude } = fitSine(frequency, times, values);
    Object.entries({ start, stop, samples: values.length, mean, amplitude }).forEach(([key, value]) => rows[key as keyof typeof rows].push(value));
    console.log(`${frequency} Hz: ${values.length} samples, mean ${mean.toFixed(4)} V, amplitude ${amplitude.toFixed(4)} V`);
  }
  const summary = await recorder.stop(); // flushes and closes the file
  console.log(`recorded ${summary.recorded} samples (${summary.dropped} dropped) to ${summary.file}`);

  // The sweep's table goes into the same file, as a second data set.
  await writeDataSet(file, new DataSet({
    name: "sweep",
    columns: [
      { name: "frequency", data: Float64Array.from(FREQUENCIES), unit: "Hz", description: "generator frequency" },
      { name: "mean", data: Float64Array.from(rows.mean), unit: "V", description: "mean level, fitted" },
      { name: "amplitude", data: Float64Array.from(rows.amplitude), unit: "V", description: "sine amplitude, fitted" },
      { name: "samples", data: Uint32Array.from(rows.samples), description: "samples taken" },
      { name: "start", data: Float64Array.from(rows.start), unit: "s", description: "first sample, POSIX time" },
      { name: "stop", data: Float64Array.from(rows.stop), unit: "s", description: "last sample, POSIX time" },
    ],
    attributes: { instrument: "sweep.nsg", set_amplitude: AMPLITUDE, noise: NOISE, step_seconds: STEP_SECONDS, recording: "sweep.nsg.sampleTaken" },
  }));
  console.log(`wrote data set sweep (${FREQUENCIES.length} rows) to ${file}`);
  await nsg.close();
} finally {
  await qmi.stop();
}

/**
 * Fits value = mean + a·sin(2πft) + b·cos(2πft) to the samples by linear least squares (the frequency is known),
 * and answers the mean and the amplitude √(a² + b²): unlike averaging, right however unevenly the samples fall.
 */
function fitSine(frequency: number, times: readonly number[], values: readonly number[]): { mean: number; amplitude: number } {
  // The normal equations M·[mean, a, b] = r, with the basis functions 1, sin and cos.
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const r = [0, 0, 0];
  times.forEach((t, i) => {
    const phase = 2 * Math.PI * frequency * t;
    const basis = [1, Math.sin(phase), Math.cos(phase)];
    for (let j = 0; j < 3; j++) {
      r[j]! += basis[j]! * values[i]!;
      for (let k = 0; k < 3; k++) m[j]![k]! += basis[j]! * basis[k]!;
    }
  });
  const det = (a: number[][]) =>
    a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!) -
    a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!) +
    a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
  // Cramer's rule: the j-th unknown is det(M with column j replaced by r) / det(M).
  const [mean, a, b] = [0, 1, 2].map((j) => det(m.map((row, i) => row.map((x, k) => (k === j ? r[i]! : x)))) / det(m)) as [number, number, number];
  return { mean, amplitude: Math.hypot(a, b) };
}

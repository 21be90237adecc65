/**
 * One live plot: a uPlot chart of a signal's numeric fields against time, keeping the last N points. The x axis is
 * when the dashboard received each point, or a time-like field of the signal the user picks (a sample's own `t`:
 * at 10 kHz about ten samples arrive in the same millisecond). Points are counted as they arrive, but the chart is
 * redrawn at most every {@link MIN_REDRAW_MS}, on an animation frame, and not at all while paused.
 */

import uPlot from "uplot";
import type { PointsEvent } from "../api.ts";
import { toCsv, downloadText } from "./csv.ts";
import { el, setNote, setText } from "./dom.ts";

const MIN_REDRAW_MS = 100;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 1_000_000;
const HEIGHT = 240;
/** Fields named like a time stamp, not plotted until asked for, and offered as the x axis. */
const TIME_LIKE = /^(t|time|timestamp)$/i;
/** x values from this on read as seconds since 1970 (1973 and later), and get a date axis. */
const EPOCH_SECONDS = 1e8;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

export class PlotPanel {
  readonly element: HTMLElement;
  readonly #fields: readonly string[];
  /** Seconds since 1970, and per field its values, trimmed to #limit. */
  #time: number[] = [];
  #values: (number | null)[][];
  #limit = DEFAULT_LIMIT;
  /** While paused: the points of the moment it was paused, which the chart shows (against either x) and exports. */
  #frozen: { time: number[]; values: (number | null)[][] } | undefined;
  #received = 0;
  #paused = false;
  #redrawPending = false;
  #lastRedraw = 0;
  #chart: uPlot;
  readonly #chartBox = el("div", { class: "chart" });
  /** The field plotted as x, or undefined for the time each point was received. */
  #x: string | undefined;
  readonly #timeLike: readonly string[];
  readonly #shownFields: readonly string[];
  readonly #resize: ResizeObserver;
  readonly #receivedText: HTMLOutputElement;
  readonly #droppedText: HTMLOutputElement;
  readonly #note = el("p", { class: "note", role: "status", hidden: true });

  constructor(
    readonly signal: string,
    fields: readonly string[],
    onClose: () => void,
  ) {
    this.#fields = fields;
    this.#values = fields.map(() => []);
    this.#receivedText = el("output", { class: "count", "data-testid": `received-${signal}` }, "0");
    this.#droppedText = el("output", { class: "count", "data-testid": `dropped-${signal}` }, "0");

    const limit = el("input", { type: "number", min: "1", max: String(MAX_LIMIT), step: "1", value: String(DEFAULT_LIMIT), "data-testid": `points-${signal}` });
    limit.addEventListener("change", () => {
      const value = Number(limit.value);
      if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) return void (limit.value = String(this.#limit));
      this.#limit = value;
      this.#trim();
      // The user's own change shows at once, even while paused.
      if (this.#paused) this.#chart.setData(this.#data());
      else this.#scheduleRedraw();
    });
    const pause = el("button", { type: "button", "aria-pressed": "false", "data-testid": `pause-${signal}` }, "pause");
    pause.addEventListener("click", () => {
      this.#paused = !this.#paused;
      pause.setAttribute("aria-pressed", String(this.#paused));
      pause.textContent = this.#paused ? "resume" : "pause";
      // Freeze on the points of this moment, not on the last throttled frame.
      this.#frozen = this.#paused ? { time: this.#time.slice(), values: this.#values.map((column) => column.slice()) } : undefined;
      if (this.#paused) this.#chart.setData(this.#data());
      else this.#scheduleRedraw();
    });
    const csv = el("button", { type: "button", "data-testid": `csv-${signal}` }, "export CSV");
    csv.addEventListener("click", () => this.#exportCsv());
    const close = el("button", { type: "button", class: "close", "aria-label": `close the plot of ${signal}`, "data-testid": `close-${signal}` }, "×");
    close.addEventListener("click", onClose);

    this.#timeLike = fields.filter((field) => TIME_LIKE.test(field.split(".").at(-1) ?? field));
    this.#shownFields = this.#timeLike.length === fields.length ? fields : fields.filter((field) => !this.#timeLike.includes(field));
    const xChoice = el("select", { "data-testid": `x-${signal}` }, el("option", { value: "" }, "received"), ...this.#timeLike.map((field) => el("option", { value: field }, field)));
    xChoice.addEventListener("change", () => {
      this.#x = xChoice.value === "" ? undefined : xChoice.value;
      this.#chart.destroy();
      this.#chart = this.#makeChart();
    });
    const controls = el(
      "div",
      { class: "plot-controls" },
      el("label", {}, "last ", limit, " points"),
      el("label", { hidden: this.#timeLike.length === 0 }, "x ", xChoice),
      pause,
      csv,
      el("span", {}, "received ", this.#receivedText),
      el("span", {}, "dropped ", this.#droppedText),
    );
    this.element = el("section", { class: "plot", "data-testid": `plot-panel-${signal}`, "aria-label": `plot of ${signal}` }, el("header", {}, el("h2", {}, signal), close), controls, this.#note, this.#chartBox);

    this.#chart = this.#makeChart();
    this.#resize = new ResizeObserver(() => {
      const width = Math.max(200, Math.floor(this.#chartBox.clientWidth));
      if (width !== this.#chart.width) this.#chart.setSize({ width, height: HEIGHT });
    });
    this.#resize.observe(this.#chartBox);
  }

  /** A chart of the points kept, against the chosen x. */
  #makeChart(): uPlot {
    const data = this.#data();
    const firstX = data[0][0];
    const fields = this.#fields;
    return new uPlot(
      {
        width: this.#chartBox.clientWidth > 0 ? Math.max(200, Math.floor(this.#chartBox.clientWidth)) : 600,
        height: HEIGHT,
        // Each field on its own scale, so that a field of large numbers does not flatten the others; the axis is
        // the first shown field's. Time-like fields (a sample's own `t`) start hidden: a click on the legend shows them.
        scales: {
          x: { time: this.#x === undefined || firstX === undefined || firstX >= EPOCH_SECONDS },
          ...Object.fromEntries(fields.map((field) => [field, { auto: true }])),
        },
        axes: [{}, { scale: this.#shownFields[0] ?? fields[0] ?? "y" }],
        series: [
          { label: this.#x ?? "time" },
          ...fields.map((field, i) => ({ label: field, scale: field, show: this.#shownFields.includes(field), stroke: COLORS[i % COLORS.length] ?? "#000", width: 1.5 })),
        ],
      },
      data,
      this.#chartBox,
    );
  }

  addPoints(event: PointsEvent): void {
    // Match fields by name, in case the server's order differs from the signal's description.
    const columns = this.#fields.map((field) => event.values[event.fields.indexOf(field)]);
    event.t.forEach((ms, i) => {
      this.#time.push(ms / 1000);
      columns.forEach((column, f) => this.#values[f]?.push(column?.[i] ?? null));
    });
    this.#received += event.t.length;
    setText(this.#receivedText, String(this.#received));
    setText(this.#droppedText, String(event.dropped));
    this.#trim();
    this.#scheduleRedraw();
  }

  /** A line above the chart, e.g. why the subscription ended; undefined clears it. */
  note(text: string | undefined): void {
    setNote(this.#note, text);
  }

  dispose(): void {
    this.#resize.disconnect();
    this.#chart.destroy();
  }

  #trim(): void {
    for (const { time, values } of [{ time: this.#time, values: this.#values }, ...(this.#frozen ? [this.#frozen] : [])]) {
      const excess = time.length - this.#limit;
      if (excess <= 0) continue;
      time.splice(0, excess);
      for (const column of values) column.splice(0, excess);
    }
  }

  #scheduleRedraw(): void {
    if (this.#redrawPending || this.#paused) return;
    this.#redrawPending = true;
    const wait = Math.max(0, this.#lastRedraw + MIN_REDRAW_MS - performance.now());
    setTimeout(
      () =>
        requestAnimationFrame(() => {
          this.#redrawPending = false;
          this.#lastRedraw = performance.now();
          if (!this.#paused) this.#chart.setData(this.#data());
        }),
      wait,
    );
  }

  /**
   * A copy, so that the chart keeps showing (and exporting) what it drew while the arrays move on. Against a field,
   * the points without a value of it are left out (an x must be a number).
   */
  #data(): [number[], ...(number | null)[][]] {
    const { time, values } = this.#frozen ?? { time: this.#time, values: this.#values };
    if (this.#x === undefined) return [time.slice(), ...values.map((column) => column.slice())];
    const xColumn = values[this.#fields.indexOf(this.#x)] ?? [];
    const rows = xColumn.flatMap((x, i) => (typeof x === "number" && Number.isFinite(x) ? [i] : []));
    return [rows.map((i) => xColumn[i] as number), ...values.map((column) => rows.map((i) => column[i] ?? null))];
  }

  /** Exports what the chart shows: while paused, the points of the moment it was paused. */
  #exportCsv(): void {
    const [time, ...columns] = this.#chart.data;
    const stamp = new Date().toISOString().replaceAll(":", "-").slice(0, 19);
    downloadText(`${this.signal}-${stamp}.csv`, toCsv(this.#x ?? "time", this.#fields, time ?? [], columns));
  }
}

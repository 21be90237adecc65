/**
 * Simulated Thorlabs PM100D power meter console with a photodiode sensor, after the PM100D manual's SCPI commands:
 * `MEAS:POW?`, `[SENSe]:CORRection:WAVelength` (with `MIN`/`MAX` per sensor), `[SENSe]:AVERage[:COUNt]`,
 * `[SENSe]:POWer[:DC]:RANGe[:UPPer]` and `:AUTO`, `[SENSe]:POWer[:DC]:UNIT`, the zero adjustment
 * `[SENSe]:CORRection:COLLect:ZERO[:INITiate]`, `:ABORt`, `:STATe?`, `:MAGNitude?`, `SYSTem:SENSor:IDN?` and the
 * error queue. It is served through the simulated USBTMC device (`UsbTmcSimDevice`, vendor 0x1313, product 0x8078).
 *
 * The light on the sensor is `incidentPower`; the sensor adds `darkPower`, which a zero adjustment measures and
 * subtracts from then on. A zero adjustment runs for `zeroDurationMs`. With auto range off, light above the range
 * reads 9.9E37, SCPI's over-range value.
 *
 * @module
 */
import { ScpiSimError, ScpiSimInstrument } from "./scpi-sim-instrument.ts";

/** Power ranges of the simulated photodiode sensor, W. */
const RANGES = [5e-9, 5e-8, 5e-7, 5e-6, 5e-5, 5e-4, 5e-3, 5e-2];
/** Largest averaging count the simulator accepts (a simulator choice, not a documented limit). */
const MAX_AVERAGING = 100_000;

/** The simulator. */
export class ThorlabsPm100dSim extends ScpiSimInstrument {
  /** Light power on the sensor, W. */
  incidentPower = 1.25e-3;
  /** Dark offset of the sensor, W (measured by a zero adjustment). */
  darkPower = 2e-9;
  /** Sensor: name, serial, calibration message, type, subtype, flags. */
  sensor = { name: "S120C", serial: "12345678", calibration: "01-Jan-2026", type: 1, subtype: 2, flags: 1 + 16 + 32 + 256 };
  /** Calibrated wavelength range of the sensor, nm. */
  minWavelength = 400;
  maxWavelength = 1100;
  /** How long a zero adjustment runs, ms. */
  zeroDurationMs = 100;

  wavelength = 635;
  averagingCount = 1;
  autoRange = true;
  range = 5e-3;
  unit: "W" | "DBM" = "W";
  zeroOffset = 0;
  zeroing = false;
  #zeroTimer: NodeJS.Timeout | undefined;

  constructor(serial = "P0012345") {
    super(`Thorlabs,PM100D,${serial},2.6.0`);
    this.command("MEASure[:SCALar]:POWer", { get: () => this.#reading() });
    this.command("[SENSe]:CORRection:WAVelength", {
      set: (arg) => void (this.wavelength = this.number(arg, this.minWavelength, this.maxWavelength)),
      get: (arg) => {
        const which = arg.trim().toUpperCase();
        if (which.startsWith("MIN")) return String(this.minWavelength);
        if (which.startsWith("MAX")) return String(this.maxWavelength);
        return String(this.wavelength);
      },
    });
    this.command("[SENSe]:AVERage[:COUNt]", {
      set: (arg) => {
        const count = this.number(arg, 1, MAX_AVERAGING);
        if (!Number.isInteger(count)) throw new ScpiSimError(-224, "Illegal parameter value");
        this.averagingCount = count;
      },
      get: () => String(this.averagingCount),
    });
    this.command("[SENSe]:POWer[:DC]:RANGe:AUTO", {
      set: (arg) => void (this.autoRange = this.bool(arg)),
      get: () => (this.autoRange ? "1" : "0"),
    });
    this.command("[SENSe]:POWer[:DC]:RANGe[:UPPer]", {
      set: (arg) => {
        const wanted = this.number(arg, RANGES[0]!, RANGES[RANGES.length - 1]!);
        this.range = RANGES.find((r) => r >= wanted) ?? RANGES[RANGES.length - 1]!;
        this.autoRange = false;
      },
      get: () => this.range.toExponential(6).toUpperCase(),
    });
    this.command("[SENSe]:POWer[:DC]:UNIT", {
      set: (arg) => {
        const unit = arg.trim().toUpperCase();
        if (unit !== "W" && unit !== "DBM") throw new ScpiSimError(-224, "Illegal parameter value");
        this.unit = unit;
      },
      get: () => this.unit,
    });
    this.command("[SENSe]:CORRection:COLLect:ZERO[:INITiate]", { set: () => this.#startZero() });
    this.command("[SENSe]:CORRection:COLLect:ZERO:ABORt", { set: () => this.#stopZero() });
    this.command("[SENSe]:CORRection:COLLect:ZERO:STATe", { get: () => (this.zeroing ? "1" : "0") });
    this.command("[SENSe]:CORRection:COLLect:ZERO:MAGNitude", { get: () => this.zeroOffset.toExponential(6).toUpperCase() });
    this.command("SYSTem:SENSor:IDN", {
      get: () => {
        const s = this.sensor;
        return `${s.name},${s.serial},${s.calibration},${s.type},${s.subtype},${s.flags}`;
      },
    });
  }

  protected reset(): void {
    this.#stopZero();
    this.wavelength = 635;
    this.averagingCount = 1;
    this.autoRange = true;
    this.range = 5e-3;
    this.unit = "W";
  }

  #reading(): string {
    const watts = this.incidentPower + this.darkPower - this.zeroOffset;
    if (!this.autoRange && watts > this.range * 1.1) return "9.9E37"; // SCPI's over-range value
    const value = this.unit === "W" ? watts : 10 * Math.log10(Math.max(watts, 1e-15) / 1e-3);
    return value.toExponential(9).toUpperCase();
  }

  #startZero(): void {
    if (this.zeroing) throw new ScpiSimError(-200, "Execution error;zero adjustment running");
    this.zeroing = true;
    this.#zeroTimer = setTimeout(() => {
      this.zeroing = false;
      this.#zeroTimer = undefined;
      this.zeroOffset = this.darkPower;
    }, this.zeroDurationMs);
    this.#zeroTimer.unref();
  }

  #stopZero(): void {
    if (this.#zeroTimer) clearTimeout(this.#zeroTimer);
    this.#zeroTimer = undefined;
    this.zeroing = false;
  }
}

/**
 * Thorlabs PM100D optical power and energy meter console over USB (USBTMC; Thorlabs vendor id 0x1313, PM100D
 * product id 0x8078). SCPI commands from the PM100D operation manual (chapter "PM100D SCPI Commands"): replies end
 * in `\n`, errors are read from `SYST:ERR?`.
 *
 * ```ts
 * const meter = await qmi.makeInstrument("meter", ThorlabsPm100d, "usbtmc:serialnr=P0012345");
 * await meter.open();
 * await meter.setWavelength(1064);   // nm, within the connected sensor's range
 * const watts = await meter.getPower();
 * ```
 *
 * Zero adjustment (`zero()`) measures the dark offset with the sensor covered; it takes a few seconds and the
 * driver polls its state (`SENS:CORR:COLL:ZERO:STAT?`) until it ends, within a bounded time.
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/thorlabs/pm100d.ts";
import {
  InstrumentError,
  checkInteger,
  checkRange,
  rpcMethod,
  type RpcObjectInit,
  type int32,
} from "../../runtime/driver/driver-api.ts";
import { ScpiProtocol } from "../../runtime/transport/index.ts";
import { ScpiInstrument } from "../../runtime/driver/scpi-instrument.ts";

/** The sensor head connected to the console, from `SYST:SENS:IDN?`. */
export interface Pm100dSensorInfo {
  /** Sensor name, e.g. `S120C`. */
  name: string;
  /** Sensor serial number. */
  serial: string;
  /** Calibration message, e.g. the calibration date. */
  calibrationMessage: string;
  /** Sensor type code (photodiode, thermopile, pyroelectric...). */
  type: int32;
  /** Sensor subtype code. */
  subtype: int32;
  /** Flags bitmap: 1 power sensor, 2 energy sensor, 16 response settable, 32 wavelength settable, 64 tau settable, 256 has temperature sensor. */
  flags: int32;
}

/** Thorlabs' USB vendor id. */
const THORLABS_VENDOR_ID = 0x1313;
/** USB product id of the PM100D. */
const PM100D_PRODUCT_ID = 0x8078;
/** Reply timeout of ordinary queries, s. */
const TIMEOUT = 2;
/** One sample takes about 3 ms (manual, `SENS:AVER:COUN`); a reading waits this long per averaged sample, s. */
const SECONDS_PER_SAMPLE = 0.005;
/** SCPI's over-range reading (9.9E37) and anything above it. */
const OVER_RANGE = 9.9e37;
/** Interval between zero-state polls, ms. */
const ZERO_POLL_MS = 50;

/** Thorlabs PM100D power meter console (power readings in W, wavelengths in nm). */
export class ThorlabsPm100d extends ScpiInstrument {
  /** Averaging count last read or set, to size the measurement timeout. */
  #averagingCount = 1;

  /**
   * @param transport - `usbtmc[:vendorid=0x1313][:productid=0x8078]:serialnr=<serial>` (Thorlabs' vendor id and the
   *   PM100D product id by default; the serial number is printed on the console, e.g. `P0012345`)
   */
  constructor(init: RpcObjectInit, transport: string) {
    super(init, transport, { defaults: { vendorid: THORLABS_VENDOR_ID, productid: PM100D_PRODUCT_ID }, schemes: ["usbtmc"], timeout: TIMEOUT });
  }

  protected override async onConnected(): Promise<void> {
    await this.scpi.writeChecked("SENS:POW:UNIT W");
    this.#averagingCount = await this.#askInteger("SENS:AVER:COUN?");
  }

  /** The connected sensor head (`SYST:SENS:IDN?`). */
  @rpcMethod
  async getSensorInfo(): Promise<Pm100dSensorInfo> {
    const reply = await this.scpi.ask("SYST:SENS:IDN?");
    const fields = reply.split(",").map((field) => field.trim());
    const numbers = fields.slice(3).map(Number);
    if (fields.length !== 6 || numbers.some((n) => !Number.isInteger(n))) {
      throw new InstrumentError(`PM100D: unexpected SYST:SENS:IDN? reply ${JSON.stringify(reply)}; expected name,serial,calibration,type,subtype,flags`);
    }
    return { name: fields[0]!, serial: fields[1]!, calibrationMessage: fields[2]!, type: numbers[0]!, subtype: numbers[1]!, flags: numbers[2]! };
  }

  /**
   * Measure the optical power (`MEAS:POW?`), W, averaged over the averaging count and corrected for the wavelength
   * and the zero offset. The reply may take longer with a large averaging count (about 3 ms per sample). A reading
   * above a manually chosen range is an error.
   */
  @rpcMethod
  async getPower(): Promise<number> {
    const timeout = TIMEOUT + this.#averagingCount * SECONDS_PER_SAMPLE;
    const watts = ScpiProtocol.number(await this.scpi.ask("MEAS:POW?", { timeout }), "MEAS:POW?");
    if (watts >= OVER_RANGE) {
      throw new InstrumentError("PM100D: the power is above the present range (reading 9.9E37); switch auto range on or choose a higher range");
    }
    return watts;
  }

  /** The wavelength used for the sensor's responsivity correction (`SENS:CORR:WAV?`), nm. */
  @rpcMethod
  async getWavelength(): Promise<number> {
    return ScpiProtocol.number(await this.scpi.ask("SENS:CORR:WAV?"), "SENS:CORR:WAV?");
  }

  /** The wavelengths the connected sensor is calibrated for (`SENS:CORR:WAV? MIN` and `MAX`), nm: `[min, max]`. */
  @rpcMethod
  async getWavelengthRange(): Promise<number[]> {
    const min = ScpiProtocol.number(await this.scpi.ask("SENS:CORR:WAV? MIN"), "SENS:CORR:WAV? MIN");
    const max = ScpiProtocol.number(await this.scpi.ask("SENS:CORR:WAV? MAX"), "SENS:CORR:WAV? MAX");
    return [min, max];
  }

  /**
   * Set the wavelength of the light measured, for the responsivity correction (`SENS:CORR:WAV`).
   * @param wavelength - nm, within the connected sensor's range (see `getWavelengthRange`)
   */
  @rpcMethod
  async setWavelength(wavelength: number): Promise<void> {
    checkRange("wavelength", wavelength, 1, 1e6, "nm");
    const [min, max] = await this.getWavelengthRange();
    checkRange("wavelength (range of the connected sensor)", wavelength, min!, max!, "nm");
    await this.scpi.writeChecked(`SENS:CORR:WAV ${wavelength}`);
  }

  /** The number of samples averaged per reading (`SENS:AVER:COUN?`). */
  @rpcMethod
  async getAveragingCount(): Promise<int32> {
    this.#averagingCount = await this.#askInteger("SENS:AVER:COUN?");
    return this.#averagingCount;
  }

  /**
   * Set the number of samples averaged per reading (`SENS:AVER:COUN`); one sample takes about 3 ms.
   * @param count - samples, from 1
   */
  @rpcMethod
  async setAveragingCount(count: int32): Promise<void> {
    checkInteger("count", count, 1, 2 ** 31 - 1);
    await this.scpi.writeChecked(`SENS:AVER:COUN ${count}`);
    this.#averagingCount = count;
  }

  /** True when the power range follows the signal (`SENS:POW:RANG:AUTO?`). */
  @rpcMethod
  async getAutoRange(): Promise<boolean> {
    return (await this.#askInteger("SENS:POW:RANG:AUTO?")) === 1;
  }

  /**
   * Switch automatic power ranging on or off (`SENS:POW:RANG:AUTO`).
   * @param enabled - true for auto range
   */
  @rpcMethod
  async setAutoRange(enabled: boolean): Promise<void> {
    await this.scpi.writeChecked(`SENS:POW:RANG:AUTO ${enabled ? 1 : 0}`);
  }

  /** The current power range, its upper limit (`SENS:POW:RANG?`), W. */
  @rpcMethod
  async getPowerRange(): Promise<number> {
    return ScpiProtocol.number(await this.scpi.ask("SENS:POW:RANG?"), "SENS:POW:RANG?");
  }

  /**
   * Run the zero adjustment (`SENS:CORR:COLL:ZERO:INIT`) with the sensor covered, wait until it ends and return the
   * new zero offset (`SENS:CORR:COLL:ZERO:MAGN?`), W. A zero adjustment still running after `timeout` is aborted
   * (`SENS:CORR:COLL:ZERO:ABOR`) and reported as an error.
   * @param timeout - longest wait, s, from 0.1 to 120; default 10
   */
  @rpcMethod
  async zero(timeout?: number): Promise<number> {
    const limit = checkRange("timeout", timeout ?? 10, 0.1, 120, "s");
    await this.scpi.writeChecked("SENS:CORR:COLL:ZERO:INIT");
    const deadline = Date.now() + limit * 1000;
    while ((await this.#askInteger("SENS:CORR:COLL:ZERO:STAT?")) !== 0) {
      if (Date.now() >= deadline) {
        await this.scpi.write("SENS:CORR:COLL:ZERO:ABOR");
        throw new InstrumentError(`PM100D: the zero adjustment did not finish within ${limit} s and was aborted; cover the sensor and try again, or pass a longer timeout`);
      }
      await new Promise((resolve) => setTimeout(resolve, ZERO_POLL_MS));
    }
    return this.getZeroOffset();
  }

  /** The zero offset from the last zero adjustment (`SENS:CORR:COLL:ZERO:MAGN?`), W. */
  @rpcMethod
  async getZeroOffset(): Promise<number> {
    return ScpiProtocol.number(await this.scpi.ask("SENS:CORR:COLL:ZERO:MAGN?"), "SENS:CORR:COLL:ZERO:MAGN?");
  }

  async #askInteger(query: string): Promise<number> {
    const value = ScpiProtocol.number(await this.scpi.ask(query), query);
    if (!Number.isInteger(value)) throw new InstrumentError(`PM100D: unexpected reply to ${query}: ${value}; expected an integer`);
    return value;
  }
}

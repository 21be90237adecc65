/**
 * Rohde & Schwarz SGS100A SGMA RF source (CW and vector versions), over LAN (SCPI raw socket, port 5025).
 * Commands from the R&S SGS100A user manual's remote control chapter: `[:SOURce]:FREQuency[:CW]`,
 * `[:SOURce]:POWer[:LEVel][:IMMediate][:AMPLitude]`, `:OUTPut[:STATe]`, `[:SOURce]:ROSCillator:SOURce`,
 * `[:SOURce]:ROSCillator:EXTernal:FREQuency`, `[:SOURce]:IQ:STATe`, `[:SOURce]:PULM:STATe` and the error queue
 * `:SYSTem:ERRor[:NEXT]?`.
 *
 * ```ts
 * const sgs = await qmi.makeInstrument("sgs", RohdeSchwarzSgs100a, "tcp:192.168.1.30");   // port 5025 by default
 * await sgs.open();
 * await sgs.setFrequency(5e9);
 * await sgs.setPower(-10);
 * await sgs.setOutputEnabled(true);
 * ```
 *
 * Every setter reads the error queue afterwards, so a setting the instrument refuses (for example a frequency
 * above what the installed frequency option allows) fails with an `InstrumentError` quoting the queue.
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/rohde-schwarz/sgs100a.ts";
import {
  checkOneOf,
  checkRange,
  rpcMethod,
  type RpcObjectInit,
} from "../../runtime/driver/driver-api.ts";
import { ScpiProtocol } from "../../runtime/transport/index.ts";
import { ScpiInstrument } from "../../runtime/driver/scpi-instrument.ts";

/** Reference oscillator source: internal TCXO or the REF IN connector. */
export type Sgs100aReferenceSource = "INT" | "EXT";

/** Frequency expected at REF IN when the reference source is external. */
export type Sgs100aExternalReferenceFrequency = "10MHZ" | "100MHZ" | "1000MHZ";

const REFERENCE_SOURCES: readonly Sgs100aReferenceSource[] = ["INT", "EXT"];
const EXTERNAL_REFERENCE_FREQUENCIES: readonly Sgs100aExternalReferenceFrequency[] = ["10MHZ", "100MHZ", "1000MHZ"];

/** Lowest RF frequency of the SGS100A, Hz. */
const MIN_FREQUENCY = 1e6;
/** Highest RF frequency (with the 12.75 GHz option SGS-B112; SGS-B106 stops at 6 GHz), Hz. */
const MAX_FREQUENCY = 12.75e9;
/** Settable level range, dBm (the specified range depends on options and frequency). */
const MIN_POWER = -120;
const MAX_POWER = 25;

/** Rohde & Schwarz SGS100A RF signal source, one RF output. */
export class RohdeSchwarzSgs100a extends ScpiInstrument {
  /**
   * @param transport - `tcp:<host>[:<port>]`, port 5025 (the SCPI raw socket) by default
   */
  constructor(init: RpcObjectInit, transport: string) {
    super(init, transport, { defaults: { port: 5025 }, schemes: ["tcp"], timeout: 5 });
  }

  /**
   * Set the RF frequency.
   * @param frequency - Hz, from 1 MHz to 12.75 GHz (6 GHz with option SGS-B106; the instrument refuses more)
   */
  @rpcMethod
  async setFrequency(frequency: number): Promise<void> {
    checkRange("frequency", frequency, MIN_FREQUENCY, MAX_FREQUENCY, "Hz");
    await this.scpi.writeChecked(`:SOUR:FREQ ${frequency}`);
  }

  /** The RF frequency, Hz. */
  @rpcMethod
  async getFrequency(): Promise<number> {
    return ScpiProtocol.number(await this.query(":SOUR:FREQ?"), "SOUR:FREQ?");
  }

  /**
   * Set the RF level.
   * @param power - dBm, from -120 dBm to +25 dBm (the reachable maximum depends on options and frequency; the
   *   instrument refuses more)
   */
  @rpcMethod
  async setPower(power: number): Promise<void> {
    checkRange("power", power, MIN_POWER, MAX_POWER, "dBm");
    await this.scpi.writeChecked(`:SOUR:POW ${power}`);
  }

  /** The RF level, dBm. */
  @rpcMethod
  async getPower(): Promise<number> {
    return ScpiProtocol.number(await this.query(":SOUR:POW?"), "SOUR:POW?");
  }

  /**
   * Switch the RF output on or off.
   * @param enabled - true for on
   */
  @rpcMethod
  async setOutputEnabled(enabled: boolean): Promise<void> {
    await this.scpi.writeChecked(`:OUTP:STAT ${enabled ? "ON" : "OFF"}`);
  }

  /** True when the RF output is on. */
  @rpcMethod
  async getOutputEnabled(): Promise<boolean> {
    return ScpiProtocol.flag(await this.query(":OUTP:STAT?"), "OUTP:STAT?");
  }

  /**
   * Select the reference oscillator.
   * @param source - `INT` (internal) or `EXT` (REF IN)
   */
  @rpcMethod
  async setReferenceSource(source: Sgs100aReferenceSource): Promise<void> {
    checkOneOf("source", source, REFERENCE_SOURCES);
    await this.scpi.writeChecked(`:SOUR:ROSC:SOUR ${source}`);
  }

  /** The reference oscillator source, `INT` or `EXT`. */
  @rpcMethod
  async getReferenceSource(): Promise<Sgs100aReferenceSource> {
    return ScpiProtocol.choice(await this.query(":SOUR:ROSC:SOUR?"), "SOUR:ROSC:SOUR?", REFERENCE_SOURCES);
  }

  /**
   * Set the frequency of the external reference signal at REF IN.
   * @param frequency - `10MHZ`, `100MHZ` or `1000MHZ`
   */
  @rpcMethod
  async setExternalReferenceFrequency(frequency: Sgs100aExternalReferenceFrequency): Promise<void> {
    checkOneOf("frequency", frequency, EXTERNAL_REFERENCE_FREQUENCIES);
    await this.scpi.writeChecked(`:SOUR:ROSC:EXT:FREQ ${frequency}`);
  }

  /** The expected external reference frequency, `10MHZ`, `100MHZ` or `1000MHZ`. */
  @rpcMethod
  async getExternalReferenceFrequency(): Promise<Sgs100aExternalReferenceFrequency> {
    return ScpiProtocol.choice(await this.query(":SOUR:ROSC:EXT:FREQ?"), "SOUR:ROSC:EXT:FREQ?", EXTERNAL_REFERENCE_FREQUENCIES);
  }

  /**
   * Switch I/Q modulation (the vector version's I/Q modulator, analog I/Q inputs) on or off; a CW version has no
   * I/Q modulator and reports an error.
   * @param enabled - true for on
   */
  @rpcMethod
  async setIqEnabled(enabled: boolean): Promise<void> {
    await this.scpi.writeChecked(`:SOUR:IQ:STAT ${enabled ? "ON" : "OFF"}`);
  }

  /** True when I/Q modulation is on. */
  @rpcMethod
  async getIqEnabled(): Promise<boolean> {
    return ScpiProtocol.flag(await this.query(":SOUR:IQ:STAT?"), "SOUR:IQ:STAT?");
  }

  /**
   * Switch pulse modulation on or off.
   * @param enabled - true for on
   */
  @rpcMethod
  async setPulseModulationEnabled(enabled: boolean): Promise<void> {
    await this.scpi.writeChecked(`:SOUR:PULM:STAT ${enabled ? "ON" : "OFF"}`);
  }

  /** True when pulse modulation is on. */
  @rpcMethod
  async getPulseModulationEnabled(): Promise<boolean> {
    return ScpiProtocol.flag(await this.query(":SOUR:PULM:STAT?"), "SOUR:PULM:STAT?");
  }
}

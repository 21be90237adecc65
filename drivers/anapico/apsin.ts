/**
 * AnaPico APSIN-series RF/microwave signal generators (one output), over LAN (SCPI raw socket, port 18).
 * Commands from the APSIN programmer's manual: `[:SOURce]:FREQuency[:CW]`, `[:SOURce]:POWer[:LEVel]` (in the unit
 * set by `:UNIT:POWer`, which `open()` sets to dBm), `:OUTPut[:STATe]`, `[:SOURce]:ROSCillator:SOURce INT|EXT` and
 * the error queue `:SYSTem:ERRor?`.
 *
 * ```ts
 * const rf = await qmi.makeInstrument("rf", AnapicoApsin, "tcp:192.168.1.50");   // port 18 by default
 * await rf.open();
 * await rf.setFrequency(3.2e9);
 * await rf.setPower(0);
 * await rf.setOutputEnabled(true);
 * ```
 *
 * The instrument answers most queries at once but can take seconds while modulation is on, so replies are awaited
 * up to 10 s by default (`setReplyTimeout`). Every setter reads the error queue afterwards.
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/anapico/apsin.ts";
import {
  InstrumentError,
  checkOneOf,
  checkRange,
  rpcMethod,
  type RpcObjectInit,
} from "../../runtime/driver/driver-api.ts";
import { ScpiProtocol } from "../../runtime/transport/index.ts";
import { ScpiInstrument } from "../../runtime/driver/scpi-instrument.ts";

/** Reference clock source: internal, or the external reference input. */
export type ApsinReferenceSource = "INT" | "EXT";

const REFERENCE_SOURCES: readonly ApsinReferenceSource[] = ["INT", "EXT"];

/** Frequency range across the APSIN family, Hz (each model covers part of it; the instrument limits further). */
const MIN_FREQUENCY = 9e3;
const MAX_FREQUENCY = 40e9;
/** Level range across the APSIN family and its attenuator options, dBm. */
const MIN_POWER = -120;
const MAX_POWER = 30;

/** AnaPico APSIN signal generator. */
export class AnapicoApsin extends ScpiInstrument {
  /**
   * @param transport - `tcp:<host>[:<port>]`, port 18 (the APSIN's SCPI socket) by default
   */
  constructor(init: RpcObjectInit, transport: string) {
    super(init, transport, { defaults: { port: 18 }, schemes: ["tcp"], timeout: 10, errorQuery: ":SYST:ERR?" });
  }

  protected override async onConnected(): Promise<void> {
    await this.scpi.writeChecked(":UNIT:POW DBM");
  }

  /**
   * Set the RF frequency.
   * @param frequency - Hz, from 9 kHz to 40 GHz (the model's own range is narrower, e.g. 100 kHz to 20 GHz; the
   *   instrument limits or refuses values outside it)
   */
  @rpcMethod
  async setFrequency(frequency: number): Promise<void> {
    checkRange("frequency", frequency, MIN_FREQUENCY, MAX_FREQUENCY, "Hz");
    await this.scpi.writeChecked(`:FREQ ${frequency}`);
  }

  /** The RF frequency, Hz. */
  @rpcMethod
  async getFrequency(): Promise<number> {
    return ScpiProtocol.number(await this.query(":FREQ?"), "FREQ?");
  }

  /**
   * Set the RF output level.
   * @param power - dBm, from -120 dBm to +30 dBm (the reachable range depends on model, options and frequency;
   *   the instrument refuses more)
   */
  @rpcMethod
  async setPower(power: number): Promise<void> {
    checkRange("power", power, MIN_POWER, MAX_POWER, "dBm");
    await this.scpi.writeChecked(`:POW ${power}`);
  }

  /** The RF output level, dBm. */
  @rpcMethod
  async getPower(): Promise<number> {
    return ScpiProtocol.number(await this.query(":POW?"), "POW?");
  }

  /**
   * Switch the RF output on or off.
   * @param enabled - true for on
   */
  @rpcMethod
  async setOutputEnabled(enabled: boolean): Promise<void> {
    await this.scpi.writeChecked(`:OUTP ${enabled ? "ON" : "OFF"}`);
  }

  /** True when the RF output is on. */
  @rpcMethod
  async getOutputEnabled(): Promise<boolean> {
    return ScpiProtocol.flag(await this.query(":OUTP?"), "OUTP?");
  }

  /**
   * Select the reference clock.
   * @param source - `INT` (internal) or `EXT` (reference input)
   */
  @rpcMethod
  async setReferenceSource(source: ApsinReferenceSource): Promise<void> {
    checkOneOf("source", source, REFERENCE_SOURCES);
    await this.scpi.writeChecked(`:ROSC:SOUR ${source}`);
  }

  /** The reference clock source, `INT` or `EXT`. */
  @rpcMethod
  async getReferenceSource(): Promise<ApsinReferenceSource> {
    const reply = await this.query(":ROSC:SOUR?");
    const text = reply.trim().toUpperCase();
    if (text.startsWith("INT")) return "INT";
    if (text.startsWith("EXT")) return "EXT";
    throw new InstrumentError(`Unexpected reply for ROSC:SOUR?: ${JSON.stringify(reply)}; expected INT or EXT`);
  }
}

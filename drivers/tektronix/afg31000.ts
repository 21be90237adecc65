/**
 * Tektronix AFG31000-series arbitrary/function generators (AFG31021/22, 31051/52, 31101/02, 31151/52, 31251/52;
 * one or two channels), over LAN (SCPI raw socket, port 5025 by default) or USB (USBTMC, Tektronix vendor id
 * 0x0699). Commands from the AFG31000 Series programmer manual: `SOURce<n>:FUNCtion[:SHAPe]`,
 * `SOURce<n>:FREQuency[:CW|:FIXed]`, `SOURce<n>:VOLTage[:LEVel][:IMMediate][:AMPLitude]`,
 * `SOURce<n>:VOLTage[:LEVel][:IMMediate]:OFFSet`, `OUTPut<n>[:STATe]` and the error queue `SYSTem:ERRor[:NEXT]?`.
 *
 * ```ts
 * const afg = await qmi.makeInstrument("afg", TektronixAfg31000, "usbtmc:serialnr=C012345");   // or "tcp:10.0.0.7"
 * await afg.open();
 * await afg.setWaveform(1, "SQU");
 * await afg.setFrequency(1, 10e3);
 * await afg.setOutputEnabled(1, true);
 * ```
 *
 * Every setter reads the error queue afterwards, so a setting the instrument refuses (a frequency above the
 * model's limit, amplitude and offset together beyond the output's range, channel 2 on a one-channel model) fails
 * with an `InstrumentError` quoting the queue.
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/tektronix/afg31000.ts";
import {
  checkInteger,
  checkOneOf,
  checkRange,
  rpcMethod,
  type RpcObjectInit,
  type int32,
} from "../../runtime/driver/driver-api.ts";
import { ScpiProtocol } from "../../runtime/transport/index.ts";
import { ScpiInstrument } from "../../runtime/driver/scpi-instrument.ts";

/**
 * Waveform shapes, SCPI short forms of `FUNCtion:SHAPe`: sine, square, pulse, ramp, pseudo-random noise, DC, sin(x)/x,
 * Gaussian, Lorentz, exponential rise and decay, haversine, edit memory, and a waveform file.
 */
export type Afg31000Waveform = "SIN" | "SQU" | "PULS" | "RAMP" | "PRN" | "DC" | "SINC" | "GAUS" | "LOR" | "ERIS" | "EDEC" | "HAV" | "EMEM" | "EFIL";

const WAVEFORMS: readonly Afg31000Waveform[] = ["SIN", "SQU", "PULS", "RAMP", "PRN", "DC", "SINC", "GAUS", "LOR", "ERIS", "EDEC", "HAV", "EMEM", "EFIL"];

/** Tektronix' USB vendor id. */
const TEKTRONIX_VENDOR_ID = 0x0699;

/** Tektronix AFG31000-series arbitrary/function generator. */
export class TektronixAfg31000 extends ScpiInstrument {
  /**
   * @param transport - `tcp:<host>[:<port>]` (port 5025 by default) or
   *   `usbtmc[:vendorid=0x0699][:productid=..]:serialnr=<serial>` (vendor id 0x0699 by default)
   */
  constructor(init: RpcObjectInit, transport: string) {
    super(init, transport, { defaults: { port: 5025, vendorid: TEKTRONIX_VENDOR_ID }, schemes: ["tcp", "usbtmc"], timeout: 5 });
  }

  /**
   * Set the waveform shape of a channel.
   * @param channel - 1 or 2
   * @param waveform - shape, SCPI short form
   */
  @rpcMethod
  async setWaveform(channel: int32, waveform: Afg31000Waveform): Promise<void> {
    checkChannel(channel);
    checkOneOf("waveform", waveform, WAVEFORMS);
    await this.scpi.writeChecked(`SOUR${channel}:FUNC:SHAP ${waveform}`);
  }

  /** The waveform shape of a channel (1 or 2). */
  @rpcMethod
  async getWaveform(channel: int32): Promise<Afg31000Waveform> {
    return ScpiProtocol.choice(await this.query(`SOUR${checkChannel(channel)}:FUNC:SHAP?`), "FUNC:SHAP?", WAVEFORMS);
  }

  /**
   * Set the output frequency of a channel (continuous mode).
   * @param channel - 1 or 2
   * @param frequency - Hz, from 1 µHz to 250 MHz (the limit depends on model and waveform, e.g. 25 MHz sine on
   *   an AFG31022; the instrument refuses more)
   */
  @rpcMethod
  async setFrequency(channel: int32, frequency: number): Promise<void> {
    checkChannel(channel);
    checkRange("frequency", frequency, 1e-6, 250e6, "Hz");
    await this.scpi.writeChecked(`SOUR${channel}:FREQ:CW ${frequency}`);
  }

  /** The output frequency of a channel (1 or 2), Hz. */
  @rpcMethod
  async getFrequency(channel: int32): Promise<number> {
    return ScpiProtocol.number(await this.query(`SOUR${checkChannel(channel)}:FREQ:CW?`), "FREQ:CW?");
  }

  /**
   * Set the amplitude of a channel.
   * @param channel - 1 or 2
   * @param amplitude - volts peak-to-peak, from 1 mVpp to 20 Vpp: up to 10 Vpp with the output load set to 50 Ω,
   *   20 Vpp into high impedance; amplitude/2 + |offset| must stay within 5 V (50 Ω) or 10 V (high Z), and the
   *   maximum falls with frequency on the faster models (the instrument refuses more)
   */
  @rpcMethod
  async setAmplitude(channel: int32, amplitude: number): Promise<void> {
    checkChannel(channel);
    checkRange("amplitude", amplitude, 1e-3, 20, "Vpp");
    await this.scpi.writeChecked(`SOUR${channel}:VOLT:AMPL ${amplitude}`);
  }

  /** The amplitude of a channel (1 or 2), volts peak-to-peak. */
  @rpcMethod
  async getAmplitude(channel: int32): Promise<number> {
    return ScpiProtocol.number(await this.query(`SOUR${checkChannel(channel)}:VOLT:AMPL?`), "VOLT:AMPL?");
  }

  /**
   * Set the DC offset of a channel.
   * @param channel - 1 or 2
   * @param offset - volts, from -10 V to 10 V: ±5 V with the output load set to 50 Ω, ±10 V into high impedance
   *   (amplitude/2 + |offset| must stay within that limit; the instrument refuses more)
   */
  @rpcMethod
  async setOffset(channel: int32, offset: number): Promise<void> {
    checkChannel(channel);
    checkRange("offset", offset, -10, 10, "V");
    await this.scpi.writeChecked(`SOUR${channel}:VOLT:OFFS ${offset}`);
  }

  /** The DC offset of a channel (1 or 2), volts. */
  @rpcMethod
  async getOffset(channel: int32): Promise<number> {
    return ScpiProtocol.number(await this.query(`SOUR${checkChannel(channel)}:VOLT:OFFS?`), "VOLT:OFFS?");
  }

  /**
   * Switch a channel's output on or off.
   * @param channel - 1 or 2
   * @param enabled - true for on
   */
  @rpcMethod
  async setOutputEnabled(channel: int32, enabled: boolean): Promise<void> {
    checkChannel(channel);
    await this.scpi.writeChecked(`OUTP${channel}:STAT ${enabled ? "ON" : "OFF"}`);
  }

  /** True when the channel's (1 or 2) output is on. */
  @rpcMethod
  async getOutputEnabled(channel: int32): Promise<boolean> {
    return ScpiProtocol.flag(await this.query(`OUTP${checkChannel(channel)}:STAT?`), "OUTP:STAT?");
  }
}

function checkChannel(channel: number): number {
  return checkInteger("channel", channel, 1, 2);
}

/**
 * Keysight (Agilent) 33500B-series waveform generators (33510B/33511B/33512B/33519B/33520B/33521B/33522B), over
 * LAN (SCPI socket, port 5025) or USB (USBTMC). Commands from the 33500 Series Operating and Service Guide.
 *
 * ```ts
 * const awg = await qmi.makeInstrument("awg", Keysight33500B, "tcp:192.168.1.20");   // port 5025 by default
 * await awg.open();
 * await awg.setFrequency(1, 1e6);
 * ```
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/keysight/keysight-33500b.ts";
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

/** Waveform shapes (SCPI short forms of `FUNCtion`). */
export type Keysight33500BWaveform = "SIN" | "SQU" | "TRI" | "RAMP" | "PULS" | "PRBS" | "NOIS" | "ARB" | "DC";

const WAVEFORMS: readonly Keysight33500BWaveform[] = ["SIN", "SQU", "TRI", "RAMP", "PULS", "PRBS", "NOIS", "ARB", "DC"];

/** Keysight 33500B-series function/arbitrary waveform generator, one or two channels. */
export class Keysight33500B extends ScpiInstrument {
  /**
   * @param transport - `tcp:<host>[:<port>]` (port 5025 by default) or `usbtmc[:vendorid=0x0957][:productid=..]:serialnr=<serial>`
   */
  constructor(init: RpcObjectInit, transport: string) {
    super(init, transport, { defaults: { port: 5025, vendorid: 0x0957 }, schemes: ["tcp", "usbtmc"], timeout: 5 });
  }

  /**
   * Set the waveform shape of a channel.
   * @param channel - 1 or 2
   * @param waveform - shape, SCPI short form
   */
  @rpcMethod
  async setWaveform(channel: int32, waveform: Keysight33500BWaveform): Promise<void> {
    checkOneOf("waveform", waveform, WAVEFORMS);
    await this.scpi.writeChecked(`SOUR${checkChannel(channel)}:FUNC ${waveform}`);
  }

  /** The waveform shape of a channel (1 or 2). */
  @rpcMethod
  async getWaveform(channel: int32): Promise<Keysight33500BWaveform> {
    const reply = (await this.scpi.ask(`SOUR${checkChannel(channel)}:FUNC?`)).trim().toUpperCase();
    return checkOneOf("FUNC? reply", reply as Keysight33500BWaveform, WAVEFORMS);
  }

  /**
   * Set the output frequency of a channel.
   * @param channel - 1 or 2
   * @param frequency - Hz, from 1 µHz to 30 MHz (the upper limit depends on model and waveform; the instrument refuses more)
   */
  @rpcMethod
  async setFrequency(channel: int32, frequency: number): Promise<void> {
    checkRange("frequency", frequency, 1e-6, 30e6, "Hz");
    await this.scpi.writeChecked(`SOUR${checkChannel(channel)}:FREQ ${frequency}`);
  }

  /** The output frequency of a channel (1 or 2), Hz. */
  @rpcMethod
  async getFrequency(channel: int32): Promise<number> {
    return ScpiProtocol.number(await this.scpi.ask(`SOUR${checkChannel(channel)}:FREQ?`), "FREQ?");
  }

  /**
   * Set the amplitude of a channel.
   * @param channel - 1 or 2
   * @param amplitude - peak-to-peak volts into 50 Ω, from 1 mVpp to 10 Vpp (amplitude/2 + |offset| must stay within 5 V)
   */
  @rpcMethod
  async setAmplitude(channel: int32, amplitude: number): Promise<void> {
    checkRange("amplitude", amplitude, 1e-3, 10, "Vpp");
    await this.scpi.writeChecked(`SOUR${checkChannel(channel)}:VOLT ${amplitude}`);
  }

  /** The amplitude of a channel (1 or 2), volts peak-to-peak. */
  @rpcMethod
  async getAmplitude(channel: int32): Promise<number> {
    return ScpiProtocol.number(await this.scpi.ask(`SOUR${checkChannel(channel)}:VOLT?`), "VOLT?");
  }

  /**
   * Set the DC offset of a channel.
   * @param channel - 1 or 2
   * @param offset - volts into 50 Ω, from -5 V to 5 V (amplitude/2 + |offset| must stay within 5 V)
   */
  @rpcMethod
  async setOffset(channel: int32, offset: number): Promise<void> {
    checkRange("offset", offset, -5, 5, "V");
    await this.scpi.writeChecked(`SOUR${checkChannel(channel)}:VOLT:OFFS ${offset}`);
  }

  /** The DC offset of a channel (1 or 2), volts. */
  @rpcMethod
  async getOffset(channel: int32): Promise<number> {
    return ScpiProtocol.number(await this.scpi.ask(`SOUR${checkChannel(channel)}:VOLT:OFFS?`), "VOLT:OFFS?");
  }

  /**
   * Switch a channel's output on or off.
   * @param channel - 1 or 2
   * @param enabled - true for on
   */
  @rpcMethod
  async setOutputEnabled(channel: int32, enabled: boolean): Promise<void> {
    await this.scpi.writeChecked(`OUTP${checkChannel(channel)} ${enabled ? "ON" : "OFF"}`);
  }

  /** True when the channel's (1 or 2) output is on. */
  @rpcMethod
  async getOutputEnabled(channel: int32): Promise<boolean> {
    return ScpiProtocol.number(await this.scpi.ask(`OUTP${checkChannel(channel)}?`), "OUTP?") === 1;
  }
}

function checkChannel(channel: number): number {
  return checkInteger("channel", channel, 1, 2);
}

/**
 * Rigol DG4102 function/arbitrary waveform generator (two channels, 100 MHz), over LAN (SCPI raw socket, port
 * 5555). Commands from the DG4000 series programming guide: `:SOURce<n>:FUNCtion[:SHAPe]`,
 * `:SOURce<n>:FREQuency[:FIXed]`, `:SOURce<n>:VOLTage[:LEVel][:IMMediate][:AMPLitude]`,
 * `:SOURce<n>:VOLTage[:LEVel][:IMMediate]:OFFSet`, `:OUTPut<n>[:STATe]` and the error queue `:SYSTem:ERRor?`.
 *
 * ```ts
 * const dg = await qmi.makeInstrument("dg", RigolDg4102, "tcp:192.168.1.40");   // port 5555 by default
 * await dg.open();
 * await dg.setFrequency(2, 10e6);
 * await dg.setOutputEnabled(2, true);
 * ```
 *
 * Every setter reads the error queue afterwards, so a setting the instrument refuses (a frequency above the
 * waveform's limit, amplitude and offset together beyond the output's range) fails with an `InstrumentError`
 * quoting the queue.
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/rigol/dg4102.ts";
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

/** Basic waveforms, SCPI short forms of `FUNCtion`: sine, square, ramp, pulse, noise, arbitrary (user), harmonic. */
export type Dg4102Waveform = "SIN" | "SQU" | "RAMP" | "PULS" | "NOIS" | "USER" | "HARM";

const WAVEFORMS: readonly Dg4102Waveform[] = ["SIN", "SQU", "RAMP", "PULS", "NOIS", "USER", "HARM"];

/** Rigol DG4102 two-channel function/arbitrary waveform generator. */
export class RigolDg4102 extends ScpiInstrument {
  /**
   * @param transport - `tcp:<host>[:<port>]`, port 5555 (Rigol's SCPI raw socket) by default
   */
  constructor(init: RpcObjectInit, transport: string) {
    super(init, transport, { defaults: { port: 5555 }, schemes: ["tcp"], timeout: 5, errorQuery: ":SYST:ERR?" });
  }

  /**
   * Set the waveform of a channel.
   * @param channel - 1 or 2
   * @param waveform - shape, SCPI short form
   */
  @rpcMethod
  async setWaveform(channel: int32, waveform: Dg4102Waveform): Promise<void> {
    checkChannel(channel);
    checkOneOf("waveform", waveform, WAVEFORMS);
    await this.scpi.writeChecked(`:SOUR${channel}:FUNC ${waveform}`);
  }

  /** The waveform of a channel (1 or 2). */
  @rpcMethod
  async getWaveform(channel: int32): Promise<Dg4102Waveform> {
    return ScpiProtocol.choice(await this.query(`:SOUR${checkChannel(channel)}:FUNC?`), "SOUR:FUNC?", WAVEFORMS);
  }

  /**
   * Set the output frequency of a channel.
   * @param channel - 1 or 2
   * @param frequency - Hz, from 1 µHz to 100 MHz (sine; lower for other waveforms: square 40 MHz, pulse and
   *   arbitrary 25 MHz, harmonic 50 MHz, ramp 3 MHz; the instrument refuses more)
   */
  @rpcMethod
  async setFrequency(channel: int32, frequency: number): Promise<void> {
    checkChannel(channel);
    checkRange("frequency", frequency, 1e-6, 100e6, "Hz");
    await this.scpi.writeChecked(`:SOUR${channel}:FREQ ${frequency}`);
  }

  /** The output frequency of a channel (1 or 2), Hz. */
  @rpcMethod
  async getFrequency(channel: int32): Promise<number> {
    return ScpiProtocol.number(await this.query(`:SOUR${checkChannel(channel)}:FREQ?`), "SOUR:FREQ?");
  }

  /**
   * Set the amplitude of a channel.
   * @param channel - 1 or 2
   * @param amplitude - volts peak-to-peak, from 1 mVpp to 20 Vpp: up to 10 Vpp into 50 Ω, 20 Vpp into high impedance
   *   (those up to 20 MHz, less above); amplitude/2 + |offset| must stay within 5 V (50 Ω) or 10 V (high Z); the
   *   instrument refuses more
   */
  @rpcMethod
  async setAmplitude(channel: int32, amplitude: number): Promise<void> {
    checkChannel(channel);
    checkRange("amplitude", amplitude, 1e-3, 20, "Vpp");
    await this.scpi.writeChecked(`:SOUR${channel}:VOLT ${amplitude}`);
  }

  /** The amplitude of a channel (1 or 2), volts peak-to-peak. */
  @rpcMethod
  async getAmplitude(channel: int32): Promise<number> {
    return ScpiProtocol.number(await this.query(`:SOUR${checkChannel(channel)}:VOLT?`), "SOUR:VOLT?");
  }

  /**
   * Set the DC offset of a channel.
   * @param channel - 1 or 2
   * @param offset - volts, from -10 V to 10 V: ±5 V into 50 Ω, ±10 V into high impedance (amplitude/2 + |offset|
   *   must stay within that limit; the instrument refuses more)
   */
  @rpcMethod
  async setOffset(channel: int32, offset: number): Promise<void> {
    checkChannel(channel);
    checkRange("offset", offset, -10, 10, "V");
    await this.scpi.writeChecked(`:SOUR${channel}:VOLT:OFFS ${offset}`);
  }

  /** The DC offset of a channel (1 or 2), volts. */
  @rpcMethod
  async getOffset(channel: int32): Promise<number> {
    return ScpiProtocol.number(await this.query(`:SOUR${checkChannel(channel)}:VOLT:OFFS?`), "SOUR:VOLT:OFFS?");
  }

  /**
   * Switch a channel's output on or off.
   * @param channel - 1 or 2
   * @param enabled - true for on
   */
  @rpcMethod
  async setOutputEnabled(channel: int32, enabled: boolean): Promise<void> {
    checkChannel(channel);
    await this.scpi.writeChecked(`:OUTP${channel} ${enabled ? "ON" : "OFF"}`);
  }

  /** True when the channel's (1 or 2) output is on. */
  @rpcMethod
  async getOutputEnabled(channel: int32): Promise<boolean> {
    return ScpiProtocol.flag(await this.query(`:OUTP${checkChannel(channel)}?`), "OUTP?", "ON or OFF");
  }
}

function checkChannel(channel: number): number {
  return checkInteger("channel", channel, 1, 2);
}

/**
 * A simulated noisy sine generator: the tutorial's instrument, useful for trying qmi-ts without hardware.
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/dummy/noisy-sine-generator.ts";
import { Instrument, InvalidArgumentError, Signal, rpcConstant, rpcMethod, signal } from "../../runtime/driver/driver-api.ts";

/** One sample as published by {@link NoisySineGenerator.sampleTaken}. */
export interface Sample {
  /** Time of the sample, seconds since the Unix epoch. */
  t: number;
  /** The sampled value. */
  value: number;
}

/**
 * Simulated instrument, useful for testing: a sine wave of adjustable frequency and amplitude plus Gaussian noise.
 *
 * Every method except `open`, `close` and `isOpen` requires the instrument to be open.
 */
export class NoisySineGenerator extends Instrument {
  /** Frequency after construction, Hz. */
  @rpcConstant static readonly DEFAULT_FREQUENCY = 2.0;
  /** Amplitude after construction, arbitrary units. */
  @rpcConstant static readonly DEFAULT_AMPLITUDE = 100.0;
  /** Noise standard deviation after construction, arbitrary units. */
  @rpcConstant static readonly DEFAULT_NOISE = 1.0;

  /** Published after each `getSample()` with the sample's time and value. */
  @signal readonly sampleTaken = new Signal<Sample>();

  // `private` rather than `#private`: in a class with decorators, tsx (esbuild) turns `#` fields into WeakMap
  // lookups, a measurable part of a call as cheap as getSample().
  private frequency = NoisySineGenerator.DEFAULT_FREQUENCY;
  private amplitude = NoisySineGenerator.DEFAULT_AMPLITUDE;
  private noise = NoisySineGenerator.DEFAULT_NOISE;

  /**
   * Set the frequency of the sine wave.
   * @param frequency - the new frequency in Hz; finite and >= 0
   */
  @rpcMethod
  async setFrequency(frequency: number): Promise<void> {
    this.frequency = checkNonNegative("frequency", frequency);
  }

  /**
   * Get the frequency of the sine wave, Hz.
   *
   * @rpcMethod snapshot=true
   */
  @rpcMethod({ snapshot: true })
  async getFrequency(): Promise<number> {
    return this.frequency;
  }

  /**
   * Set the amplitude of the sine wave.
   * @param amplitude - the new amplitude, arbitrary units; finite and >= 0
   */
  @rpcMethod
  async setAmplitude(amplitude: number): Promise<void> {
    this.amplitude = checkNonNegative("amplitude", amplitude);
  }

  /**
   * Get the amplitude of the sine wave, arbitrary units.
   *
   * @rpcMethod snapshot=true
   */
  @rpcMethod({ snapshot: true })
  async getAmplitude(): Promise<number> {
    return this.amplitude;
  }

  /**
   * Set the noise level.
   * @param noise - standard deviation of the Gaussian noise, arbitrary units; finite and >= 0
   */
  @rpcMethod
  async setNoise(noise: number): Promise<void> {
    this.noise = checkNonNegative("noise", noise);
  }

  /**
   * Get the noise level (standard deviation of the Gaussian noise), arbitrary units.
   *
   * @rpcMethod snapshot=true
   */
  @rpcMethod({ snapshot: true })
  async getNoise(): Promise<number> {
    return this.noise;
  }

  /**
   * Take one sample: amplitude·sin(2π·frequency·t) plus Gaussian noise, t being the current time in seconds.
   * @returns the sampled value
   */
  @rpcMethod
  async getSample(): Promise<number> {
    const t = Date.now() / 1000;
    const value = this.amplitude * Math.sin(2 * Math.PI * this.frequency * t) + this.noise * gaussian();
    this.sampleTaken.publish({ t, value });
    return value;
  }

  /**
   * Wait, keeping the instrument busy (other calls to it queue up meanwhile).
   * @param duration - seconds; finite and >= 0
   */
  @rpcMethod
  async wait(duration: number): Promise<void> {
    checkNonNegative("duration", duration);
    await new Promise((resolve) => setTimeout(resolve, duration * 1000));
  }
}

function checkNonNegative(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`Bad value for ${name}: ${String(value)}; expected a finite number >= 0`);
  }
  return value;
}

/** A standard normal deviate (Box-Muller). */
function gaussian(): number {
  const u = 1 - Math.random(); // in (0, 1], so the logarithm is finite
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

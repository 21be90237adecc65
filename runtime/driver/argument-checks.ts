/**
 * Input validation for drivers: each check throws an {@link InvalidArgumentError} naming the parameter, the value,
 * and what is allowed (with its unit).
 *
 * ```ts
 * checkRange("frequency", frequency, 1e-6, 30e6, "Hz");
 * checkInteger("channel", channel, 1, 2);
 * checkOneOf("waveform", waveform, ["SIN", "SQU"]);
 * ```
 *
 * @module
 */
import { InvalidArgumentError } from "../protocol/errors.ts";

/** A finite number in [min, max]; returns it. */
export function checkRange(name: string, value: number, min: number, max: number, unit = ""): number {
  const u = unit ? ` ${unit}` : "";
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(`Bad value for ${name}: ${String(value)}${u}; expected a number from ${min} to ${max}${u}`);
  }
  return value;
}

/** An integer in [min, max]; returns it. */
export function checkInteger(name: string, value: number, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`Bad value for ${name}: ${String(value)}; expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** One of the listed values; returns it. */
export function checkOneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new InvalidArgumentError(`Bad value for ${name}: ${JSON.stringify(value)}; expected one of ${allowed.join(", ")}`);
  }
  return value;
}

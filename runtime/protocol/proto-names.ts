/**
 * Protobuf spellings of TypeScript names, shared by the generator (which writes them into `.proto` files) and the
 * runtime (which names enum values in errors).
 *
 * @module
 */

/** `sampleRate` -> `sample_rate`, `HTTPPort` -> `http_port`, `noisy-sine-generator` -> `noisy_sine_generator`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
}

/** `SweepMode` -> `SWEEP_MODE`, `high-z` -> `HIGH_Z`. */
export function upperSnakeCase(name: string): string {
  return snakeCase(name).toUpperCase();
}

/** The name of value 0 of the generated enum `enumName`: `Waveform` -> `WAVEFORM_UNSPECIFIED`. */
export function unspecifiedName(enumName: string): string {
  return `${upperSnakeCase(enumName)}_UNSPECIFIED`;
}

/**
 * What every driver's `getIdn()` returns.
 *
 * @module
 */

/** Identification of an instrument, as parsed from its `*IDN?` (or equivalent) reply. */
export interface InstrumentIdn {
  /** Manufacturer, e.g. `Keysight Technologies`. */
  vendor: string;
  /** Model, e.g. `33522B`. */
  model: string;
  /** Serial number; empty when the instrument does not report one. */
  serial: string;
  /** Firmware version. */
  version: string;
}

/**
 * The signal events of the wire: `qmi.core.SignalBatch`, the batches of `qmi.core.Signals/Subscribe`, shared by
 * the server that streams them and the clients that read them. Each event in it is a signal's generated
 * `<Signal>Event` with only its `value` set (`encodeEvent` and `decodeEvent` in `codec.ts`).
 *
 * @module
 */

/** The wire form of `qmi.core.SignalBatch`. */
export interface SignalBatch {
  publisher_context: string;
  publisher_name: string;
  signal_name: string;
  first_sequence: string;
  events: Buffer[];
}

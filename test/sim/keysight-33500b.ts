/** The Keysight 33500B simulator lives in sim/ so that `qmi sim` can start it; tests import it from here. */
export { Keysight33500BSim } from "../../sim/keysight-33500b.ts";

/** The Rohde & Schwarz SGS100A simulator lives in sim/ so that `qmi sim` can start it; tests import it from here. */
export { RohdeSchwarzSgs100aSim } from "../../sim/rohde-schwarz-sgs100a.ts";

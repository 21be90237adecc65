/** The Rohde & Schwarz SGS100A simulator lives in runtime/sim/ so that `qmi sim` can start it; tests import it from here. */
export { RohdeSchwarzSgs100aSim } from "../../runtime/sim/rohde-schwarz-sgs100a.ts";

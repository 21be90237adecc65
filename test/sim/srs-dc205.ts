/** The SRS DC205 simulator lives in sim/ so that `qmi sim` can start it; tests import it from here. */
export { SrsDc205Sim } from "../../sim/srs-dc205.ts";

/** The SRS DC205 simulator lives in runtime/sim/ so that `qmi sim` can start it; tests import it from here. */
export { SrsDc205Sim } from "../../runtime/sim/srs-dc205.ts";

/** The Newport SMC100CC simulator lives in sim/ so that `qmi sim` can start it; tests import it from here. */
export { NewportSmc100ccSim } from "../../sim/newport-smc100cc.ts";

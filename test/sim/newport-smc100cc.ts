/** The Newport SMC100CC simulator lives in runtime/sim/ so that `qmi sim` can start it; tests import it from here. */
export { NewportSmc100ccSim } from "../../runtime/sim/newport-smc100cc.ts";

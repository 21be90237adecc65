/** The Thorlabs MFF10x simulator lives in sim/ so that `qmi sim` can start it; tests import it from here. */
export { ThorlabsMff10xSim } from "../../sim/thorlabs-mff10x.ts";

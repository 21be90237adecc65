/** The Thorlabs PM100D simulator lives in runtime/sim/ next to the other simulators; tests import it from here. */
export { ThorlabsPm100dSim } from "../../runtime/sim/thorlabs-pm100d.ts";

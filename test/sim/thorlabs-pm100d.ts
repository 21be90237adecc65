/** The Thorlabs PM100D simulator lives in sim/ next to the other simulators; tests import it from here. */
export { ThorlabsPm100dSim } from "../../sim/thorlabs-pm100d.ts";

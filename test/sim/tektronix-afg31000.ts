/** The Tektronix AFG31000 simulator lives in runtime/sim/ so that `qmi sim` can start it; tests import it from here. */
export { TektronixAfg31000Sim } from "../../runtime/sim/tektronix-afg31000.ts";

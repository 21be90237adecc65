/** The Tektronix AFG31000 simulator lives in sim/ so that `qmi sim` can start it; tests import it from here. */
export { TektronixAfg31000Sim } from "../../sim/tektronix-afg31000.ts";

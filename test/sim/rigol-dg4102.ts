/** The Rigol DG4102 simulator lives in sim/ so that `qmi sim` can start it; tests import it from here. */
export { RigolDg4102Sim } from "../../sim/rigol-dg4102.ts";

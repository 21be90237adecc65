/** The Rigol DG4102 simulator lives in runtime/sim/ so that `qmi sim` can start it; tests import it from here. */
export { RigolDg4102Sim } from "../../runtime/sim/rigol-dg4102.ts";

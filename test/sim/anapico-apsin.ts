/** The AnaPico APSIN simulator lives in runtime/sim/ so that `qmi sim` can start it; tests import it from here. */
export { AnapicoApsinSim } from "../../runtime/sim/anapico-apsin.ts";

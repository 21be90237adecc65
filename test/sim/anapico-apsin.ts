/** The AnaPico APSIN simulator lives in sim/ so that `qmi sim` can start it; tests import it from here. */
export { AnapicoApsinSim } from "../../sim/anapico-apsin.ts";

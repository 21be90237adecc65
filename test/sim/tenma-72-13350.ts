/** The Tenma 72-13350 simulator lives in sim/ so that `qmi sim` can start it; tests import it from here. */
export { Tenma7213350Sim } from "../../sim/tenma-72-13350.ts";

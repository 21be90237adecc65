/**
 * Registers the built-in schemes through the public seam, exactly as a third-party transport would.
 *
 * @module
 */
import { registerTransport } from "./registry.ts";
import { SerialTransport, serialSpec } from "./serial-transport.ts";
import { TcpTransport, tcpSpec } from "./tcp-transport.ts";
import { UdpTransport, udpSpec } from "./udp-transport.ts";
import { UsbTmcTransport, usbtmcSpec } from "./usbtmc-transport.ts";

registerTransport(serialSpec, (d) => new SerialTransport(d));
registerTransport(tcpSpec, (d) => new TcpTransport(d));
registerTransport(udpSpec, (d) => new UdpTransport(d));
registerTransport(usbtmcSpec, (d) => new UsbTmcTransport(d));

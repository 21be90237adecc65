/**
 * Transports for drivers: create one from a descriptor, talk bytes or SCPI over it.
 *
 * ```ts
 * import { createTransport, ScpiProtocol } from "qmi-ts/runtime/transport/index";
 * const transport = createTransport(descriptor, { defaults: { port: 5025 }, schemes: ["tcp", "usbtmc"] });
 * const scpi = new ScpiProtocol(transport);
 * ```
 *
 * Importing this module registers the built-in schemes `serial`, `tcp`, `udp` and `usbtmc`.
 *
 * @module
 */
import "./builtin-transports.ts";

export type { Transport } from "./transport.ts";
export { createTransport, registerTransport, transportSchemes, getTransportSpec } from "./registry.ts";
export type { CreateTransportOptions, TransportFactory } from "./registry.ts";
export { parseDescriptor, descriptorScheme } from "./descriptor.ts";
export type { AttributeKind, AttributeSpec, AttributeValue, DescriptorSpec, ParsedDescriptor, DescriptorDefaults } from "./descriptor.ts";
export { BufferedTransport } from "./buffered-transport.ts";
export { ScpiProtocol, MAX_ERROR_QUEUE } from "./scpi-protocol.ts";
export type { ScpiOptions, AskOptions, IdnFields } from "./scpi-protocol.ts";
export { TcpTransport } from "./tcp-transport.ts";
export { UdpTransport } from "./udp-transport.ts";
export { SerialTransport } from "./serial-transport.ts";
export { UsbTmcTransport } from "./usbtmc-transport.ts";
export type { UsbBackend, UsbDeviceLike, UsbControlSetup, UsbEndpointInfo, UsbInterfaceInfo, UsbTransferStatus } from "./usb-device.ts";
export { getUsbBackend, setUsbBackend } from "./usb-backend.ts";

/**
 * The small USB device interface the USBTMC transport talks to: the WebUSB-style subset of a `usb` package
 * device (`transferOut`/`transferIn`/`controlTransferOut`/`controlTransferIn`, with the package's extra timeout
 * argument in milliseconds). The real devices ({@link nodeUsbBackend}) and the simulated ones
 * (`sim/usbtmc-sim-device.ts`) both implement it, and a {@link UsbBackend} lists them.
 *
 * @module
 */

/** Outcome of a transfer, as WebUSB reports it. */
export type UsbTransferStatus = "ok" | "stall" | "babble";

/** Setup of a control transfer, as WebUSB takes it. */
export interface UsbControlSetup {
  readonly requestType: "standard" | "class" | "vendor";
  readonly recipient: "device" | "interface" | "endpoint" | "other";
  readonly request: number;
  readonly value: number;
  readonly index: number;
}

/** One endpoint of an interface alternate. */
export interface UsbEndpointInfo {
  readonly endpointNumber: number;
  readonly direction: "in" | "out";
  readonly type: "bulk" | "interrupt" | "isochronous";
  readonly packetSize: number;
}

/** One interface of the active configuration (its current alternate setting). */
export interface UsbInterfaceInfo {
  readonly interfaceNumber: number;
  readonly alternate: {
    readonly interfaceClass: number;
    readonly interfaceSubclass: number;
    readonly interfaceProtocol: number;
    readonly endpoints: readonly UsbEndpointInfo[];
  };
}

/** The device operations USBTMC needs. Timeouts in milliseconds; a timed-out transfer rejects. */
export interface UsbDeviceLike {
  readonly vendorId: number;
  readonly productId: number;
  readonly serialNumber?: string | null;
  readonly manufacturerName?: string | null;
  readonly productName?: string | null;
  readonly configuration?: { readonly interfaces: readonly UsbInterfaceInfo[] } | null;
  open(): Promise<void>;
  close(): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  transferOut(endpointNumber: number, data: Uint8Array, timeout?: number): Promise<{ bytesWritten: number; status: UsbTransferStatus }>;
  transferIn(endpointNumber: number, length: number, timeout?: number): Promise<{ data?: DataView; status: UsbTransferStatus }>;
  controlTransferIn(setup: UsbControlSetup, length: number, timeout?: number): Promise<{ data?: DataView; status: UsbTransferStatus }>;
  controlTransferOut(setup: UsbControlSetup, data?: Uint8Array, timeout?: number): Promise<{ bytesWritten: number; status: UsbTransferStatus }>;
  clearHalt(direction: "in" | "out", endpointNumber: number): Promise<void>;
}

/** Lists the USB devices a USBTMC transport may open. */
export interface UsbBackend {
  /** Short name for messages, e.g. `usb` or `simulated`. */
  readonly name: string;
  /** Every device currently attached. Rejects with a clear message when the machine has no USB bus. */
  getDevices(): Promise<UsbDeviceLike[]>;
}

/** Class, subclass of a USBTMC interface (USBTMC 1.0, table 43). */
const USBTMC_INTERFACE_CLASS = 0xfe;
const USBTMC_INTERFACE_SUBCLASS = 0x03;

/** The USBTMC interfaces of a device's active configuration. */
export function usbTmcInterfaces(device: UsbDeviceLike): UsbInterfaceInfo[] {
  return (device.configuration?.interfaces ?? []).filter(
    (i) => i.alternate.interfaceClass === USBTMC_INTERFACE_CLASS && i.alternate.interfaceSubclass === USBTMC_INTERFACE_SUBCLASS,
  );
}

/**
 * A simulated USBTMC device behind the same {@link UsbDeviceLike} interface as a `usb` package device, so the
 * real USBTMC transport code runs against it. It decodes DEV_DEP_MSG_OUT (checking bTag/bTagInverse, joining
 * transfers until EOM), answers REQUEST_DEV_DEP_MSG_IN with DEV_DEP_MSG_IN (the request's bTag, EOM on a
 * message's last part) from what its {@link SimInstrument} sent, waits like a NAKing device when it has nothing,
 * and implements the abort and clear control requests. `unplug()` makes every later operation fail as a removed
 * device does.
 *
 * @module
 */
import type { UsbBackend, UsbControlSetup, UsbDeviceLike, UsbInterfaceInfo, UsbTransferStatus } from "../runtime/transport/usb-device.ts";
import { HEADER_SIZE, MsgId, UsbTmcRequest, UsbTmcStatus, decodeHeader, encodeDevDepMsgIn } from "../runtime/transport/usbtmc-framing.ts";
import type { SimConnection, SimInstrument } from "./sim-instrument.ts";

const BULK_OUT = 1;
const BULK_IN = 2;
const PACKET = 512;

/** Identity of a simulated device. */
export interface SimUsbIdentity {
  readonly vendorId: number;
  readonly productId: number;
  readonly serialNumber: string;
  readonly manufacturerName?: string;
  readonly productName?: string;
}

/** A USBTMC device simulated in-process. */
export class UsbTmcSimDevice implements UsbDeviceLike {
  readonly vendorId: number;
  readonly productId: number;
  readonly serialNumber: string;
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly configuration: { readonly interfaces: readonly UsbInterfaceInfo[] } = {
    interfaces: [
      {
        interfaceNumber: 0,
        alternate: {
          interfaceClass: 0xfe,
          interfaceSubclass: 0x03,
          interfaceProtocol: 0x01,
          endpoints: [
            { endpointNumber: BULK_OUT, direction: "out", type: "bulk", packetSize: PACKET },
            { endpointNumber: BULK_IN, direction: "in", type: "bulk", packetSize: PACKET },
            { endpointNumber: 3, direction: "in", type: "interrupt", packetSize: 8 },
          ],
        },
      },
    ],
  };
  /** Control requests received, for tests (`request` numbers). */
  readonly controlLog: number[] = [];
  /** Bulk-IN headers sent, for tests. */
  readonly bTagsAnswered: number[] = [];

  #opened = false;
  #unplugged = false;
  #connection: SimConnection;
  #incoming: Buffer = Buffer.alloc(0);
  #outgoing: Buffer[] = [];
  #request: { bTag: number; maxSize: number } | undefined;
  #lastOutTag = 0;
  #wake: (() => void) | undefined;

  constructor(identity: SimUsbIdentity, instrument: SimInstrument) {
    this.vendorId = identity.vendorId;
    this.productId = identity.productId;
    this.serialNumber = identity.serialNumber;
    this.manufacturerName = identity.manufacturerName ?? null;
    this.productName = identity.productName ?? null;
    this.#connection = instrument.connect({
      send: (data) => {
        this.#outgoing.push(Buffer.from(data));
        this.#wake?.();
      },
      disconnect: () => this.unplug(),
    });
  }

  /** Simulates pulling the cable. */
  unplug(): void {
    this.#unplugged = true;
    this.#wake?.();
  }

  async open(): Promise<void> {
    this.#check();
    this.#opened = true;
  }
  async close(): Promise<void> {
    this.#opened = false;
  }
  async claimInterface(interfaceNumber: number): Promise<void> {
    this.#check();
    if (interfaceNumber !== 0) throw new Error(`LIBUSB_ERROR_NOT_FOUND: no interface ${interfaceNumber}`);
  }
  async releaseInterface(): Promise<void> {}
  async clearHalt(): Promise<void> {
    this.#check();
  }

  async transferOut(endpointNumber: number, data: Uint8Array): Promise<{ bytesWritten: number; status: UsbTransferStatus }> {
    this.#checkOpen();
    if (endpointNumber !== BULK_OUT) return { bytesWritten: 0, status: "stall" };
    const header = decodeHeader(data);
    if (typeof header === "string") return { bytesWritten: 0, status: "stall" };
    if (header.msgId === MsgId.DEV_DEP_MSG_OUT) {
      this.#lastOutTag = header.bTag;
      const payload = Buffer.from(data).subarray(HEADER_SIZE, HEADER_SIZE + header.transferSize);
      this.#incoming = Buffer.concat([this.#incoming, payload]);
      if (header.attributes & 1) {
        const message = this.#incoming;
        this.#incoming = Buffer.alloc(0);
        this.#connection.receive(message);
      }
    } else if (header.msgId === MsgId.REQUEST_DEV_DEP_MSG_IN) {
      this.#request = { bTag: header.bTag, maxSize: header.transferSize };
    } else return { bytesWritten: 0, status: "stall" };
    return { bytesWritten: data.length, status: "ok" };
  }

  async transferIn(endpointNumber: number, length: number, timeout = 1000): Promise<{ data?: DataView; status: UsbTransferStatus }> {
    this.#checkOpen();
    if (endpointNumber !== BULK_IN) return { status: "stall" };
    const deadline = Date.now() + timeout;
    while (!this.#request || this.#outgoing.length === 0) {
      this.#checkOpen();
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error("LIBUSB_ERROR_TIMEOUT: transfer timed out");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
    this.#checkOpen();
    const request = this.#request;
    this.#request = undefined;
    const message = this.#outgoing[0]!;
    const size = Math.min(request.maxSize, length - HEADER_SIZE, message.length);
    const part = message.subarray(0, size);
    const eom = size === message.length;
    if (eom) this.#outgoing.shift();
    else this.#outgoing[0] = message.subarray(size);
    this.bTagsAnswered.push(request.bTag);
    const bytes = encodeDevDepMsgIn(request.bTag, part, eom);
    return { data: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), status: "ok" };
  }

  async controlTransferIn(setup: UsbControlSetup, length: number): Promise<{ data?: DataView; status: UsbTransferStatus }> {
    this.#checkOpen();
    this.controlLog.push(setup.request);
    const reply = (...bytes: number[]) => {
      const data = Buffer.alloc(length);
      Buffer.from(bytes).copy(data);
      return { data: new DataView(data.buffer, data.byteOffset, data.byteLength), status: "ok" as const };
    };
    switch (setup.request) {
      case UsbTmcRequest.INITIATE_ABORT_BULK_IN: {
        const pending = this.#request?.bTag === setup.value;
        this.#request = undefined;
        return pending ? reply(UsbTmcStatus.SUCCESS, setup.value) : reply(UsbTmcStatus.FAILED, setup.value);
      }
      case UsbTmcRequest.CHECK_ABORT_BULK_IN_STATUS:
        return reply(UsbTmcStatus.SUCCESS, 0);
      case UsbTmcRequest.INITIATE_ABORT_BULK_OUT:
        this.#incoming = Buffer.alloc(0);
        return reply(setup.value === this.#lastOutTag ? UsbTmcStatus.SUCCESS : UsbTmcStatus.FAILED, setup.value);
      case UsbTmcRequest.CHECK_ABORT_BULK_OUT_STATUS:
        return reply(UsbTmcStatus.SUCCESS);
      case UsbTmcRequest.INITIATE_CLEAR:
        this.#incoming = Buffer.alloc(0);
        this.#outgoing = [];
        this.#request = undefined;
        return reply(UsbTmcStatus.SUCCESS);
      case UsbTmcRequest.CHECK_CLEAR_STATUS:
        return reply(UsbTmcStatus.SUCCESS, 0);
      case UsbTmcRequest.GET_CAPABILITIES:
        return reply(UsbTmcStatus.SUCCESS, 0, 0x00, 0x01);
      default:
        return { status: "stall" };
    }
  }

  async controlTransferOut(): Promise<{ bytesWritten: number; status: UsbTransferStatus }> {
    this.#checkOpen();
    return { bytesWritten: 0, status: "stall" };
  }

  #check(): void {
    if (this.#unplugged) throw new Error("LIBUSB_ERROR_NO_DEVICE: no such device (it may have been disconnected)");
  }

  #checkOpen(): void {
    this.#check();
    if (!this.#opened) throw new Error("LIBUSB_ERROR_IO: device not opened");
  }
}

/** A {@link UsbBackend} listing simulated devices. */
export class SimUsbBackend implements UsbBackend {
  readonly name = "simulated";
  readonly devices: UsbDeviceLike[] = [];

  /** Adds a device and returns it. */
  plug<T extends UsbDeviceLike>(device: T): T {
    this.devices.push(device);
    return device;
  }

  async getDevices(): Promise<UsbDeviceLike[]> {
    return [...this.devices];
  }
}

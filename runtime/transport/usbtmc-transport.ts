/**
 * `usbtmc[:vendorid=0x..][:productid=0x..]:serialnr=..` — USB Test & Measurement Class over a
 * {@link UsbDeviceLike} from the current {@link UsbBackend} (the `usb` package, or a simulated device).
 *
 * A write is one DEV_DEP_MSG_OUT message (EOM on its last transfer). Reads pull input: each pull sends a
 * REQUEST_DEV_DEP_MSG_IN and reads the DEV_DEP_MSG_IN answer, whose bTag must match. A pull that times out
 * aborts the bulk-IN transfer (INITIATE_ABORT_BULK_IN / CHECK_ABORT_BULK_IN_STATUS), so the next request starts
 * clean; `open()` and `clear()` send INITIATE_CLEAR / CHECK_CLEAR_STATUS and clear the bulk-OUT halt.
 *
 * @module
 */
import { EndOfInputError, TransportError } from "../protocol/errors.ts";
import { BufferedTransport } from "./buffered-transport.ts";
import { numberValue, stringValue, type DescriptorSpec, type ParsedDescriptor } from "./descriptor.ts";
import type { Pull } from "./input-buffer.ts";
import { getUsbBackend } from "./usb-backend.ts";
import { usbTmcInterfaces, type UsbControlSetup, type UsbDeviceLike } from "./usb-device.ts";
import {
  HEADER_SIZE,
  MsgId,
  UsbTmcRequest,
  UsbTmcStatus,
  decodeHeader,
  encodeDevDepMsgOut,
  encodeRequestDevDepMsgIn,
  nextBTag,
} from "./usbtmc-framing.ts";

/** The `usbtmc` scheme. */
export const usbtmcSpec: DescriptorSpec = {
  scheme: "usbtmc",
  positional: [],
  attributes: [
    { name: "vendorid", kind: "integer", min: 0, max: 0xffff },
    { name: "productid", kind: "integer", min: 0, max: 0xffff },
    { name: "serialnr", kind: "string", required: true },
  ],
  example: "usbtmc:vendorid=0x0699:productid=0x0358:serialnr=C012345",
};

/** Largest message chunk per bulk transfer, bytes. */
const MAX_TRANSFER = 1 << 16;
/** Time allowed for writes and control requests, ms. */
const CONTROL_TIMEOUT_MS = 2000;

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

/** A USBTMC device connection. */
export class UsbTmcTransport extends BufferedTransport {
  readonly vendorId: number | undefined;
  readonly productId: number | undefined;
  readonly serialNumber: string;
  #device: UsbDeviceLike | undefined;
  #interfaceNumber = 0;
  #bulkIn = 0;
  #bulkOut = 0;
  #bulkInPacket = 512;
  #bTag = 0;
  #pull: Pull = (remaining) => this.#pullMessage(remaining);

  constructor(descriptor: ParsedDescriptor) {
    super(descriptor.text);
    this.vendorId = numberValue(descriptor, "vendorid");
    this.productId = numberValue(descriptor, "productid");
    this.serialNumber = stringValue(descriptor, "serialnr")!;
  }

  protected async doOpen(): Promise<void> {
    const backend = getUsbBackend();
    const devices = await backend.getDevices();
    const device = devices.find(
      (d) =>
        (this.vendorId === undefined || d.vendorId === this.vendorId) &&
        (this.productId === undefined || d.productId === this.productId) &&
        d.serialNumber === this.serialNumber,
    );
    if (!device) {
      const seen = devices.map((d) => `${hex4(d.vendorId)}:${hex4(d.productId)} serial ${d.serialNumber ?? "?"}`);
      throw new TransportError(
        `${this.descriptor}: no such USB device (${backend.name} backend); found ${seen.length ? seen.join(", ") : "no devices"}. ` +
          "Run `qmi usb` to list USBTMC devices",
      );
    }
    const tmc = usbTmcInterfaces(device)[0];
    const bulkIn = tmc?.alternate.endpoints.find((e) => e.type === "bulk" && e.direction === "in");
    const bulkOut = tmc?.alternate.endpoints.find((e) => e.type === "bulk" && e.direction === "out");
    if (!tmc || !bulkIn || !bulkOut) {
      throw new TransportError(`${this.descriptor}: device ${hex4(device.vendorId)}:${hex4(device.productId)} has no USBTMC interface with bulk endpoints`);
    }
    await this.#guard("open the device", () => device.open());
    try {
      await this.#guard("claim the USBTMC interface", () => device.claimInterface(tmc.interfaceNumber));
    } catch (error) {
      await device.close().catch(() => {});
      throw error;
    }
    this.#device = device;
    this.#interfaceNumber = tmc.interfaceNumber;
    this.#bulkIn = bulkIn.endpointNumber;
    this.#bulkOut = bulkOut.endpointNumber;
    this.#bulkInPacket = bulkIn.packetSize || 512;
    try {
      await this.#clear();
    } catch (error) {
      await this.doClose();
      throw error;
    }
  }

  protected async doClose(): Promise<void> {
    const device = this.#device;
    this.#device = undefined;
    if (!device) return;
    await device.releaseInterface(this.#interfaceNumber).catch(() => {});
    await device.close().catch(() => {});
  }

  /** Clears the device's input and output buffers (INITIATE_CLEAR) and the buffered input. */
  async clear(): Promise<void> {
    this.checkOpen();
    this.input.discard();
    await this.#clear();
  }

  async write(data: Uint8Array | string): Promise<void> {
    this.checkOpen();
    const bytes = BufferedTransport.bytes(data);
    for (let offset = 0; offset < bytes.length || offset === 0; offset += MAX_TRANSFER) {
      const chunk = bytes.subarray(offset, offset + MAX_TRANSFER);
      const last = offset + MAX_TRANSFER >= bytes.length;
      const bTag = this.#nextTag();
      try {
        await this.#guard("write", () => this.#device!.transferOut(this.#bulkOut, encodeDevDepMsgOut(bTag, chunk, last), CONTROL_TIMEOUT_MS));
      } catch (error) {
        await this.#abortBulkOut(bTag).catch(() => {});
        throw error;
      }
      if (bytes.length === 0) break;
    }
  }

  protected override pull(): Pull {
    return this.#pull;
  }

  async #pullMessage(remainingMs: number): Promise<void> {
    const device = this.#device!;
    const bTag = this.#nextTag();
    await this.#guard("request input", () =>
      device.transferOut(this.#bulkOut, encodeRequestDevDepMsgIn(bTag, MAX_TRANSFER), CONTROL_TIMEOUT_MS),
    );
    const length = Math.ceil((MAX_TRANSFER + HEADER_SIZE) / this.#bulkInPacket) * this.#bulkInPacket;
    let first: Buffer;
    try {
      first = await this.#transferIn(length, Math.max(1, Math.round(remainingMs)));
    } catch (error) {
      if (!isTimeout(error)) throw error;
      await this.#abortBulkIn(bTag);
      return; // the caller sees the deadline pass
    }
    const header = decodeHeader(first);
    if (typeof header === "string") throw new TransportError(`${this.descriptor}: bad USBTMC reply: ${header}`);
    if (header.msgId !== MsgId.DEV_DEP_MSG_IN || header.bTag !== bTag) {
      await this.#clear().catch(() => {});
      throw new TransportError(
        `${this.descriptor}: bad USBTMC reply: expected DEV_DEP_MSG_IN with bTag ${bTag}, got MsgID ${header.msgId} with bTag ${header.bTag}; the device was cleared`,
      );
    }
    let payload = first.subarray(HEADER_SIZE);
    while (payload.length < header.transferSize) {
      const more = await this.#transferIn(length, CONTROL_TIMEOUT_MS);
      payload = Buffer.concat([payload, more]);
      if (more.length < this.#bulkInPacket) break;
    }
    this.input.push(payload.subarray(0, header.transferSize));
  }

  async #transferIn(length: number, timeoutMs: number): Promise<Buffer> {
    const result = await this.#guard("read", () => this.#device!.transferIn(this.#bulkIn, length, timeoutMs), true);
    if (result.status !== "ok" || !result.data) {
      await this.#device!.clearHalt("in", this.#bulkIn).catch(() => {});
      throw new TransportError(`${this.descriptor}: bulk-IN transfer ended with status ${result.status}`);
    }
    return Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength);
  }

  async #abortBulkIn(bTag: number): Promise<void> {
    const [status] = await this.#control(UsbTmcRequest.INITIATE_ABORT_BULK_IN, "endpoint", bTag, 0x80 | this.#bulkIn, 2);
    if (status !== UsbTmcStatus.SUCCESS) return; // FAILED: no transfer in progress; nothing to abort
    for (let i = 0; i < 100; i++) {
      const check = await this.#control(UsbTmcRequest.CHECK_ABORT_BULK_IN_STATUS, "endpoint", 0, 0x80 | this.#bulkIn, 8);
      if (check[0] !== UsbTmcStatus.PENDING) return;
      if ((check[1]! & 1) !== 0) await this.#transferIn(this.#bulkInPacket, 100).catch(() => {});
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new TransportError(`${this.descriptor}: the device did not finish aborting a bulk-IN transfer`);
  }

  async #abortBulkOut(bTag: number): Promise<void> {
    const [status] = await this.#control(UsbTmcRequest.INITIATE_ABORT_BULK_OUT, "endpoint", bTag, this.#bulkOut, 2);
    if (status !== UsbTmcStatus.SUCCESS) return;
    for (let i = 0; i < 100; i++) {
      const check = await this.#control(UsbTmcRequest.CHECK_ABORT_BULK_OUT_STATUS, "endpoint", 0, this.#bulkOut, 8);
      if (check[0] !== UsbTmcStatus.PENDING) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.#device!.clearHalt("out", this.#bulkOut).catch(() => {});
  }

  async #clear(): Promise<void> {
    const [status] = await this.#control(UsbTmcRequest.INITIATE_CLEAR, "interface", 0, this.#interfaceNumber, 1);
    if (status !== UsbTmcStatus.SUCCESS) throw new TransportError(`${this.descriptor}: INITIATE_CLEAR failed with USBTMC status 0x${status!.toString(16)}`);
    for (let i = 0; i < 100; i++) {
      const check = await this.#control(UsbTmcRequest.CHECK_CLEAR_STATUS, "interface", 0, this.#interfaceNumber, 2);
      if (check[0] !== UsbTmcStatus.PENDING) {
        await this.#device!.clearHalt("out", this.#bulkOut).catch(() => {});
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new TransportError(`${this.descriptor}: the device did not finish clearing`);
  }

  async #control(request: number, recipient: UsbControlSetup["recipient"], value: number, index: number, length: number): Promise<Buffer> {
    const setup: UsbControlSetup = { requestType: "class", recipient, request, value, index };
    const result = await this.#guard("send a USBTMC control request", () => this.#device!.controlTransferIn(setup, length, CONTROL_TIMEOUT_MS));
    if (result.status !== "ok" || !result.data || result.data.byteLength < 1) {
      throw new TransportError(`${this.descriptor}: USBTMC control request ${request} ended with status ${result.status}`);
    }
    return Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength);
  }

  #nextTag(): number {
    this.#bTag = nextBTag(this.#bTag);
    return this.#bTag;
  }

  /** Runs a device operation, turning its failures into transport errors (timeouts rethrown as-is when asked). */
  async #guard<T>(what: string, operation: () => Promise<T>, passTimeouts = false): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (passTimeouts && isTimeout(error)) throw error;
      const message = (error as Error).message ?? String(error);
      if (/no.?device|disconnect|not found|NO_DEVICE/i.test(message)) {
        this.input.end(new EndOfInputError(`${this.descriptor}: the USB device was disconnected`));
        throw new EndOfInputError(`${this.descriptor}: the USB device was disconnected (${what}: ${message})`, { cause: error });
      }
      throw new TransportError(`${this.descriptor}: cannot ${what} (${message})`, { cause: error });
    }
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && /time.?out|TIMEOUT/i.test(error.message);
}

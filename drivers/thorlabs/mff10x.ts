/**
 * Thorlabs MFF101/MFF102 motorized filter flip mount, over its USB serial port with the binary APT protocol
 * (Thorlabs "APT Communications Protocol": 115200 baud, 8N1, RTS/CTS flow control).
 *
 * Every APT message starts with a 6-byte header: message id (16 bits, little endian), then either two parameter
 * bytes, or the length of a data packet that follows (16 bits) with bit 7 of the destination byte set; then the
 * destination and the source address. The host is 0x01, a USB device 0x50. This driver uses
 * `MGMSG_HW_REQ_INFO`/`MGMSG_HW_GET_INFO` (0x0005/0x0006) to identify the mount, `MGMSG_MOT_MOVE_JOG` (0x046A,
 * direction 1 or 2) to flip it, and `MGMSG_MOT_REQ_STATUSBITS`/`MGMSG_MOT_GET_STATUSBITS` (0x0429/0x042A) for its
 * position: status bit 0x01 (forward limit) is position 1, bit 0x02 (reverse limit) is position 2. Unsolicited
 * end-of-move messages are skipped; `MGMSG_HW_RESPONSE`/`MGMSG_HW_RICHRESPONSE` (0x0080/0x0081) error reports are
 * raised as instrument errors.
 *
 * ```ts
 * const flipper = await qmi.makeInstrument("flipper", ThorlabsMff10x, "serial:/dev/ttyUSB0");
 * await flipper.open();
 * await flipper.moveTo(2);                 // waits until the mount is there
 * const where = await flipper.getPosition(); // 1, 2, or 0 while in transit
 * ```
 *
 * @module
 */
// Registers the generated service of this driver, so that a context hosting it serves it to peers.
import "../../generated/drivers/thorlabs/mff10x.ts";
import {
  Instrument,
  InstrumentError,
  checkInteger,
  checkRange,
  rpcMethod,
  type InstrumentIdn,
  type RpcObjectInit,
  type int32,
  type uint32,
} from "../../runtime/driver/driver-api.ts";
import { createTransport, type Transport } from "../../runtime/transport/index.ts";

/** APT message ids used here. */
const MSG = {
  HW_REQ_INFO: 0x0005,
  HW_GET_INFO: 0x0006,
  HW_NO_FLASH_PROGRAMMING: 0x0018,
  HW_RESPONSE: 0x0080,
  HW_RICHRESPONSE: 0x0081,
  MOD_IDENTIFY: 0x0223,
  MOT_REQ_STATUSBITS: 0x0429,
  MOT_GET_STATUSBITS: 0x042a,
  MOT_MOVE_HOMED: 0x0444,
  MOT_MOVE_COMPLETED: 0x0464,
  MOT_MOVE_STOPPED: 0x0466,
  MOT_MOVE_JOG: 0x046a,
  MOT_GET_STATUSUPDATE: 0x0481,
} as const;

/** Messages the mount may send on its own (end of a move); skipped while waiting for a reply. */
const UNSOLICITED: ReadonlySet<number> = new Set([MSG.MOT_MOVE_HOMED, MSG.MOT_MOVE_COMPLETED, MSG.MOT_MOVE_STOPPED, MSG.MOT_GET_STATUSUPDATE]);

const HOST = 0x01;
const DEVICE = 0x50;
const CHANNEL = 1;
/** Largest data packet accepted (HW_GET_INFO, the longest reply here, has 84 bytes). */
const MAX_DATA = 255;
/** Reply timeout, s. */
const TIMEOUT = 1;
/** Interval between position polls while moving, ms. */
const POLL_MS = 50;

/** Status bits of `MGMSG_MOT_GET_STATUSBITS` used here. */
const STATUS = { FORWARD_LIMIT: 0x01, REVERSE_LIMIT: 0x02, MOVING: 0x10 | 0x20 | 0x40 | 0x80 } as const;

const hex = (n: number, digits = 4) => `0x${n.toString(16).padStart(digits, "0").toUpperCase()}`;

/** One APT message as received. */
interface AptMessage {
  readonly id: number;
  readonly param1: number;
  readonly param2: number;
  /** The data packet of a long message; empty for a header-only one. */
  readonly data: Buffer;
}

/** A header-only APT message from the host to the mount. */
function shortMessage(id: number, param1 = 0, param2 = 0): Buffer {
  const message = Buffer.alloc(6);
  message.writeUInt16LE(id, 0);
  message[2] = param1;
  message[3] = param2;
  message[4] = DEVICE;
  message[5] = HOST;
  return message;
}

/** Thorlabs MFF101/MFF102 flip mount: two positions, 1 and 2. */
export class ThorlabsMff10x extends Instrument {
  readonly #transport: Transport;

  /** @param transport - `serial:<device>` (115200 baud 8N1 with RTS/CTS flow control by default) */
  constructor(init: RpcObjectInit, transport: string) {
    super(init);
    this.#transport = createTransport(transport, {
      defaults: { baudrate: 115200, bytesize: 8, parity: "N", stopbits: "1", rtscts: true },
      schemes: ["serial"],
    });
  }

  protected override async onOpen(): Promise<void> {
    await this.#transport.open();
    try {
      await this.#transport.discardRead();
      // the protocol asks clients to send this once, to tell the controller the source and destination addresses
      await this.#transport.write(shortMessage(MSG.HW_NO_FLASH_PROGRAMMING));
    } catch (error) {
      await this.#transport.close();
      throw error;
    }
  }

  protected override async onClose(): Promise<void> {
    await this.#transport.close();
  }

  /** Vendor, model (as the mount reports it), serial number and firmware version, from `MGMSG_HW_GET_INFO`. */
  @rpcMethod
  async getIdn(): Promise<InstrumentIdn> {
    const { data } = await this.#request(shortMessage(MSG.HW_REQ_INFO), MSG.HW_GET_INFO, 84);
    const model = data.subarray(4, 12).toString("latin1").replace(/\0.*$/s, "").trim();
    return { vendor: "Thorlabs", model, serial: String(data.readUInt32LE(0)), version: `${data[16]}.${data[15]}.${data[14]}` };
  }

  /** The raw status bits (`MGMSG_MOT_GET_STATUSBITS`): 0x01 at position 1, 0x02 at position 2, 0x10-0x80 moving. */
  @rpcMethod
  async getStatusBits(): Promise<uint32> {
    const { data } = await this.#request(shortMessage(MSG.MOT_REQ_STATUSBITS, CHANNEL), MSG.MOT_GET_STATUSBITS, 6);
    return data.readUInt32LE(2);
  }

  /** The position: 1 or 2, or 0 while the mount is between the two (moving). */
  @rpcMethod
  async getPosition(): Promise<int32> {
    return positionOf(await this.getStatusBits());
  }

  /** True while the mount is moving. */
  @rpcMethod
  async isMoving(): Promise<boolean> {
    return ((await this.getStatusBits()) & STATUS.MOVING) !== 0;
  }

  /**
   * Flip the mount to a position (`MGMSG_MOT_MOVE_JOG`) and wait until it is there.
   * @param position - 1 or 2
   * @param timeout - longest wait, s, from 0.1 to 60; default 5 (longer than a flip with the transit time the mount is set to)
   */
  @rpcMethod
  async moveTo(position: int32, timeout?: number): Promise<void> {
    checkInteger("position", position, 1, 2);
    const limit = checkRange("timeout", timeout ?? 5, 0.1, 60, "s");
    await this.#transport.discardRead();
    await this.#transport.write(shortMessage(MSG.MOT_MOVE_JOG, CHANNEL, position));
    const deadline = Date.now() + limit * 1000;
    let bits = await this.getStatusBits();
    while (positionOf(bits) !== position) {
      if (Date.now() >= deadline) {
        throw new InstrumentError(
          `MFF10x: the mount did not reach position ${position} within ${limit} s (status bits ${hex(bits, 8)}); check that nothing blocks it`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      bits = await this.getStatusBits();
    }
  }

  /** Flash the mount's LED to find it on the bench (`MGMSG_MOD_IDENTIFY`). */
  @rpcMethod
  async identify(): Promise<void> {
    await this.#transport.write(shortMessage(MSG.MOD_IDENTIFY, CHANNEL));
  }

  /** Sends `message` and returns the reply with id `expected` and at least `dataLength` data bytes. */
  async #request(message: Buffer, expected: number, dataLength: number): Promise<AptMessage> {
    await this.#transport.discardRead();
    await this.#transport.write(message);
    const deadline = Date.now() + TIMEOUT * 1000;
    for (;;) {
      const reply = await this.#readMessage(Math.max(0.01, (deadline - Date.now()) / 1000));
      if (reply.id === expected) {
        if (reply.data.length < dataLength) {
          throw new InstrumentError(`MFF10x: reply ${hex(expected)} has ${reply.data.length} data bytes; expected ${dataLength}`);
        }
        return reply;
      }
      if (reply.id === MSG.HW_RESPONSE || reply.id === MSG.HW_RICHRESPONSE) throw errorReport(reply);
      if (!UNSOLICITED.has(reply.id)) {
        await this.#transport.discardRead();
        throw new InstrumentError(`MFF10x: unexpected APT message ${hex(reply.id)} in reply to ${hex(message.readUInt16LE(0))}; expected ${hex(expected)}`);
      }
    }
  }

  /** Reads one message: a 6-byte header and, for a long message, its data packet. */
  async #readMessage(timeout: number): Promise<AptMessage> {
    const header = await this.#transport.read(6, timeout);
    const long = (header[4]! & 0x80) !== 0;
    const length = long ? header.readUInt16LE(2) : 0;
    if ((header[4]! & 0x7f) !== HOST || header[5] !== DEVICE || length > MAX_DATA) {
      const rest = await this.#transport.readUntilTimeout(MAX_DATA, 0.05);
      await this.#transport.discardRead();
      const shown = Buffer.concat([header, rest]).subarray(0, 16).toString("hex").replace(/(..)/g, "$1 ").trim();
      throw new InstrumentError(
        `MFF10x: garbled reply (${shown}${header.length + rest.length > 16 ? " ..." : ""}); expected an APT header from 0x50 to 0x01. ` +
          "Check the baud rate (115200) and that no other program uses the port",
      );
    }
    const data = long ? await this.#transport.read(length, timeout) : Buffer.alloc(0);
    return { id: header.readUInt16LE(0), param1: long ? 0 : header[2]!, param2: long ? 0 : header[3]!, data };
  }
}

function positionOf(bits: number): number {
  if (bits & STATUS.FORWARD_LIMIT) return 1;
  if (bits & STATUS.REVERSE_LIMIT) return 2;
  return 0;
}

/** An `MGMSG_HW_RESPONSE` / `MGMSG_HW_RICHRESPONSE` as an error. */
function errorReport(reply: AptMessage): InstrumentError {
  if (reply.id === MSG.HW_RICHRESPONSE && reply.data.length >= 4) {
    const about = reply.data.readUInt16LE(0);
    const code = reply.data.readUInt16LE(2);
    const notes = reply.data.subarray(4, 68).toString("latin1").replace(/\0.*$/s, "").trim();
    return new InstrumentError(`MFF10x reported error ${code} about message ${hex(about)}: ${notes || "(no description)"}`);
  }
  return new InstrumentError("MFF10x reported an error (MGMSG_HW_RESPONSE); power-cycle the mount if it persists");
}

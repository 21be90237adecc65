/**
 * Simulated Thorlabs MFF101/MFF102 flip mount speaking the binary APT protocol (Thorlabs "APT Communications
 * Protocol"): it answers `MGMSG_HW_REQ_INFO` (0x0005) with `MGMSG_HW_GET_INFO` (0x0006, 84 data bytes),
 * `MGMSG_MOT_REQ_STATUSBITS` (0x0429) with `MGMSG_MOT_GET_STATUSBITS` (0x042A: channel, 32 status bits), and moves
 * on `MGMSG_MOT_MOVE_JOG` (0x046A, direction 1 or 2), taking `transitMs` during which the status shows the move
 * (0x10 forward, 0x20 reverse) and no limit bit, then sends `MGMSG_MOT_MOVE_COMPLETED` (0x0464). At rest, position
 * 1 shows status bit 0x01 and position 2 bit 0x02. Other messages are ignored, as the protocol's devices do.
 *
 * Misbehaviour for tests (`fault`): `garbage` answers bytes that are no APT header, `silent` answers nothing,
 * `disconnect` hangs up, `error` answers every request with `MGMSG_HW_RICHRESPONSE` (0x0081).
 *
 * @module
 */
import type { SimConnection, SimEndpoint, SimFault, SimInstrument } from "./sim-instrument.ts";

const HOST = 0x01;
const DEVICE = 0x50;

/** The simulator. */
export class ThorlabsMff10xSim implements SimInstrument {
  /** Position at rest: 1 or 2. */
  position: 1 | 2 = 1;
  /** Target of the move in progress, if any. */
  moving: 1 | 2 | undefined;
  /** Duration of a flip, ms. */
  transitMs = 150;
  /** A blocked mount never arrives. */
  blocked = false;
  /** Misbehaviour applied to every following message until reset to undefined. */
  fault: SimFault | "error" | undefined;
  /** Ids of the messages received, for test assertions. */
  readonly received: number[] = [];
  /** Times the LED was flashed (`MGMSG_MOD_IDENTIFY`). */
  identifyCount = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly serialNumber = 37000001,
    readonly model = "MFF002",
    readonly firmware: readonly [major: number, interim: number, minor: number] = [1, 0, 3],
  ) {}

  /** Status bits as `MGMSG_MOT_GET_STATUSBITS` reports them. */
  get statusBits(): number {
    if (this.moving !== undefined) return this.moving === 1 ? 0x10 : 0x20;
    return this.position === 1 ? 0x01 : 0x02;
  }

  connect(endpoint: SimEndpoint): SimConnection {
    let pending = Buffer.alloc(0);
    return {
      receive: (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 6) {
          const long = (pending[4]! & 0x80) !== 0;
          const size = 6 + (long ? pending.readUInt16LE(2) : 0);
          if (pending.length < size) return;
          const message = pending.subarray(0, size);
          pending = pending.subarray(size);
          this.#handle(message, endpoint);
        }
      },
    };
  }

  #handle(message: Buffer, endpoint: SimEndpoint): void {
    const id = message.readUInt16LE(0);
    this.received.push(id);
    if (this.fault === "disconnect") return endpoint.disconnect();
    if (this.fault === "silent") return;
    const reply = (data: Buffer) => endpoint.send(this.fault === "garbage" ? Buffer.from("\x07?!garbage\r\n", "latin1") : data);
    const isRequest = id === 0x0005 || id === 0x0429;
    if (this.fault === "error" && (isRequest || id === 0x046a)) return reply(richResponse(id, 0x26, "simulated motor fault"));
    switch (id) {
      case 0x0005:
        return reply(this.#hwInfo());
      case 0x0429:
        return reply(longMessage(0x042a, Buffer.concat([u16(message[2]!), u32(this.statusBits)])));
      case 0x046a:
        return this.#jog(message[3]!, endpoint);
      case 0x0223:
        this.identifyCount++;
        return;
      default:
        return; // 0x0018 (no flash programming) and anything unknown: no reply
    }
  }

  #jog(jogDirection: number, endpoint: SimEndpoint): void {
    if (jogDirection !== 1 && jogDirection !== 2) return;
    const direction = jogDirection as 1 | 2;
    if (this.#timer) clearTimeout(this.#timer);
    const completed = () => {
      this.#timer = undefined;
      this.moving = undefined;
      this.position = direction;
      const status = Buffer.concat([u16(1), u32(0), u32(0), u32(this.statusBits)]);
      if (!this.fault) endpoint.send(longMessage(0x0464, status));
    };
    if (this.moving === undefined && this.position === direction) return completed();
    this.moving = direction;
    if (this.blocked) return;
    this.#timer = setTimeout(completed, this.transitMs);
    this.#timer.unref();
  }

  #hwInfo(): Buffer {
    const data = Buffer.alloc(84);
    data.writeUInt32LE(this.serialNumber, 0);
    data.write(this.model.slice(0, 8), 4, "latin1");
    data.writeUInt16LE(16, 12); // hardware type
    data[14] = this.firmware[2];
    data[15] = this.firmware[1];
    data[16] = this.firmware[0];
    data.write("MFF10x simulated flip mount", 18, "latin1");
    data.writeUInt16LE(1, 78); // hardware version
    data.writeUInt16LE(0, 80); // modification state
    data.writeUInt16LE(1, 82); // channels
    return longMessage(0x0006, data);
  }
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value, 0);
  return b;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}

/** A message with a data packet, from the device to the host. */
function longMessage(id: number, data: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(id, 0);
  header.writeUInt16LE(data.length, 2);
  header[4] = HOST | 0x80;
  header[5] = DEVICE;
  return Buffer.concat([header, data]);
}

/** `MGMSG_HW_RICHRESPONSE`: the message it is about, an error code and a 64-character description. */
function richResponse(about: number, code: number, notes: string): Buffer {
  const text = Buffer.alloc(64);
  text.write(notes.slice(0, 64), 0, "latin1");
  return longMessage(0x0081, Buffer.concat([u16(about), u16(code), text]));
}

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { EndOfInputError, InvalidArgumentError, TransportError, TransportTimeoutError } from "qmi-ts";
import { ScpiProtocol, createTransport, registerTransport } from "../../../runtime/transport/index.ts";
import { parseDescriptor } from "../../../runtime/transport/descriptor.ts";
import { tcpSpec } from "../../../runtime/transport/tcp-transport.ts";
import { formatUsbDevices } from "../../../cli/usb-command.ts";
import { UsbTmcSimDevice } from "../../../sim/usbtmc-sim-device.ts";
import { Keysight33500BSim } from "../../sim/keysight-33500b.ts";
import { skipOrFail } from "../../helpers/requirements.ts";

async function rawServer(onSocket: (socket: Socket) => void) {
  const server = createServer((socket) => {
    socket.resume(); // read to the end, so the server can close
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { descriptor: `tcp:127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("createTransport", () => {
  it("explains bad descriptors: which attribute, what is wrong, a valid example", () => {
    assert.throws(() => createTransport("tcp:localhost"), (e: Error) => e instanceof InvalidArgumentError && /port is missing.*Example of a valid descriptor: tcp:127.0.0.1:5025/.test(e.message));
    assert.throws(() => createTransport("serial:/dev/ttyUSB0:baudrate=fast"), /baudrate="fast" is not an integer in \[50, 4000000\]/);
    assert.throws(() => createTransport("serial:/dev/ttyUSB0:baudrate=9600:speed=3"), /unknown attribute "speed"; serial accepts device, baudrate, bytesize, parity, stopbits, rtscts/);
    assert.throws(() => createTransport("usbtmc:vendorid=0x0699"), /serialnr is missing/);
    assert.throws(() => createTransport("gpib:1"), /unknown or unsupported scheme "gpib"; expected one of serial, tcp, udp, usbtmc/);
    assert.throws(() => createTransport(""), InvalidArgumentError);
  });

  it("fills driver defaults and parses hex ids", () => {
    const t = createTransport("tcp:127.0.0.1", { defaults: { port: 5025 } });
    assert.equal(t.descriptor, "tcp:127.0.0.1");
    assert.doesNotThrow(() => createTransport("usbtmc:vendorid=0x0699:productid=0x0358:serialnr=C1"));
    assert.doesNotThrow(() => createTransport("serial:/dev/ttyUSB0:baudrate=115200:bytesize=7:parity=E:stopbits=2:rtscts=true"));
  });

  it("reads a bracketed IPv6 host, with or without its key", () => {
    assert.deepEqual([...parseDescriptor("tcp:[::1]:5025", tcpSpec).values], [["host", "::1"], ["port", 5025]]);
    assert.deepEqual([...parseDescriptor("tcp:host=[fe80::1]:port=7", tcpSpec).values], [["host", "fe80::1"], ["port", 7]]);
    assert.throws(() => createTransport("tcp:[::1:5025"), /a \[ is not closed/);
  });

  it("takes third-party schemes through the same registry", () => {
    registerTransport({ scheme: "loop", positional: [], attributes: [], example: "loop:" }, () => createTransport("tcp:127.0.0.1:1"));
    assert.equal(createTransport("loop:").descriptor, "tcp:127.0.0.1:1");
    assert.throws(() => registerTransport({ scheme: "loop", positional: [], attributes: [], example: "loop:" }, () => createTransport("tcp:a:1")), /already registered/);
  });
});

describe("TcpTransport", () => {
  it("reads exactly, until a terminator, until a timeout; a timeout keeps the data", async () => {
    const server = await rawServer((s) => s.write("abc\ndefgh"));
    const t = createTransport(server.descriptor);
    await t.open();
    try {
      assert.equal((await t.read(2, 1)).toString(), "ab");
      assert.equal((await t.readUntil("\n", 1)).toString(), "c\n");
      await assert.rejects(t.read(10, 0.1), (e: Error) => e instanceof TransportTimeoutError && /5 bytes were received and stay buffered/.test(e.message));
      assert.equal((await t.readUntilTimeout(3, 0.1)).toString(), "def");
      assert.equal((await t.readUntilTimeout(100, 0.05)).toString(), "gh");
      await t.write("x");
      await t.discardRead();
      assert.equal((await t.readUntilTimeout(10, 0.05)).length, 0);
    } finally {
      await t.close();
      await server.close();
    }
  });

  it("reports end of input when the peer closes, after the buffered data", async () => {
    const server = await rawServer((s) => s.end("last"));
    const t = createTransport(server.descriptor);
    await t.open();
    assert.equal((await t.read(4, 1)).toString(), "last");
    await assert.rejects(t.read(1, 1), (e: Error) => e instanceof EndOfInputError && /closed the connection/.test(e.message));
    await t.close();
    await server.close();
  });

  it("connects to a bracketed IPv6 address (::1), where the machine has one", async (t) => {
    const server = createServer((socket) => socket.end("v6"));
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(0, "::1", () => resolve(true));
    });
    if (!listening) return skipOrFail(t, "no IPv6 loopback (::1) here");
    const transport = createTransport(`tcp:[::1]:${(server.address() as AddressInfo).port}`);
    try {
      await transport.open();
      assert.equal((await transport.read(2, 1)).toString(), "v6");
    } finally {
      await transport.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("fails to open with the address and reason", async () => {
    const server = await rawServer(() => {});
    await server.close();
    const t = createTransport(server.descriptor);
    await assert.rejects(t.open(), (e: Error) => e instanceof TransportError && /cannot connect to 127.0.0.1:\d+ \(ECONNREFUSED\)/.test(e.message));
  });
});

describe("ScpiProtocol", () => {
  it("reads definite-length binary blocks and refuses garbage", async () => {
    const server = await rawServer((s) =>
      s.on("data", (d) => {
        const q = d.toString().trim();
        if (q === "CURV?") s.write(Buffer.concat([Buffer.from("#15"), Buffer.from([0, 1, 2, 10, 255]), Buffer.from("\n")]));
        else s.write("nonsense\n");
      }),
    );
    const scpi = new ScpiProtocol(createTransport(server.descriptor), { timeout: 1 });
    await scpi.transport.open();
    assert.deepEqual([...(await scpi.askBinaryBlock("CURV?"))], [0, 1, 2, 10, 255]);
    await assert.rejects(scpi.askBinaryBlock("X?"), /expected an IEEE 488.2 binary block/);
    assert.deepEqual([...ScpiProtocol.binaryBlock(Buffer.from("hi"))], [...Buffer.from("#12hi")]);
    await scpi.transport.close();
    await server.close();
  });

  it("parses numeric, on/off and one-of replies, naming the query and what was expected otherwise", () => {
    assert.equal(ScpiProtocol.number(" 1.5E+3\n", "FREQ?"), 1500);
    assert.throws(() => ScpiProtocol.number("", "FREQ?"), /Unexpected reply for FREQ\?: ""; expected a number/);
    assert.deepEqual(["1", "on\n", " 0", "OFF"].map((r) => ScpiProtocol.flag(r, "OUTP?")), [true, true, false, false]);
    assert.throws(() => ScpiProtocol.flag("2", "OUTP?"), /Unexpected reply for OUTP\?: "2"; expected 1 or 0/);
    assert.throws(() => ScpiProtocol.flag("YES", "OUTP?", "ON or OFF"), /expected ON or OFF/);
    assert.equal(ScpiProtocol.choice("squ\n", "FUNC?", ["SIN", "SQU"] as const), "SQU");
    assert.throws(() => ScpiProtocol.choice("TRI", "FUNC?", ["SIN", "SQU"]), /Unexpected reply for FUNC\?: "TRI"; expected one of SIN, SQU/);
  });
});

describe("formatUsbDevices", () => {
  it("lists devices with the usbtmc descriptor of each USBTMC interface", () => {
    const device = new UsbTmcSimDevice({ vendorId: 0x1313, productId: 0x8078, serialNumber: "P0001", manufacturerName: "Thorlabs", productName: "PM100D" }, new Keysight33500BSim());
    assert.equal(
      formatUsbDevices([device]),
      "0x1313:0x8078  serial P0001  Thorlabs PM100D\n    USBTMC interface 0 (USB488): usbtmc:vendorid=0x1313:productid=0x8078:serialnr=P0001",
    );
    assert.equal(formatUsbDevices([]), "No USB devices found.");
  });
});

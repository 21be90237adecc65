import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodePacket, encodePacket, MAX_TEXT_BYTES, type DiscoveryAnswer, type DiscoveryQuery } from "../../../runtime/discovery/packet.ts";
import { broadcastAddress, discoveryScope, isLoopbackHost } from "../../../runtime/discovery/scope.ts";

const id = Buffer.from("0123456789abcdef", "hex");
const query: DiscoveryQuery = { type: "query", requestId: id, workgroup: "lab*", contextName: "instr_?erver" };
const answer: DiscoveryAnswer = { type: "answer", requestId: id, name: "instr_server", workgroup: "läb", host: "127.0.0.1", port: 40001, pid: 4242 };

/** QMI's kill request: magic "QMI\0" little endian, type 0x202, packet id, timestamp. */
function qmiKillPacket(): Buffer {
  const packet = Buffer.alloc(22);
  packet.writeUInt32LE(0x00494d51, 0);
  packet.writeUInt16LE(0x202, 4);
  packet.writeBigUInt64LE(1n, 6);
  packet.writeDoubleLE(Date.now() / 1000, 14);
  return packet;
}

describe("encodePacket / decodePacket", () => {
  it("round-trips queries and answers in a small packet", () => {
    assert.deepEqual(decodePacket(encodePacket(query)), query);
    assert.deepEqual(decodePacket(encodePacket(answer)), answer);
    assert.equal(encodePacket(answer).length, 4 + 1 + 1 + 8 + 13 + 5 + 10 + 2 + 4);
    assert.equal(encodePacket(query).subarray(0, 6).toString("latin1"), "QMTS\u0001\u0001");
  });

  it("returns undefined for garbage, foreign, truncated, padded, other-version and invalid-text packets", () => {
    const good = encodePacket(answer);
    const otherVersion = Buffer.from(good);
    otherVersion[4] = 2;
    const unknownType = Buffer.from(good);
    unknownType[5] = 3;
    const badUtf8 = encodePacket({ ...query, workgroup: "ab" });
    badUtf8[15] = 0xff;
    for (const packet of [
      Buffer.alloc(0),
      Buffer.from("hello"),
      qmiKillPacket(),
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.from([0])]),
      otherVersion,
      unknownType,
      badUtf8,
      encodePacket({ ...answer, port: 0 }),
    ]) {
      assert.equal(decodePacket(packet), undefined, packet.toString("hex"));
    }
  });

  it("refuses to encode an oversized field or request id", () => {
    assert.throws(() => encodePacket({ ...query, workgroup: "x".repeat(MAX_TEXT_BYTES + 1) }), RangeError);
    assert.throws(() => encodePacket({ ...query, requestId: Buffer.alloc(4) }), RangeError);
  });
});

describe("discoveryScope", () => {
  const interfaces = {
    lo: [{ address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4" as const, mac: "", internal: true, cidr: null }],
    eth0: [{ address: "192.168.1.7", netmask: "255.255.255.0", family: "IPv4" as const, mac: "", internal: false, cidr: null }],
    eth1: [{ address: "10.1.2.3", netmask: "255.255.0.0", family: "IPv4" as const, mac: "", internal: false, cidr: null }],
  };

  it("stays on loopback for a loopback host", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "localhost", "::1"]) {
      assert.ok(isLoopbackHost(host));
      assert.deepEqual(discoveryScope(host, undefined, interfaces), {
        kind: "loopback",
        listenAddress: "127.255.255.255",
        sendFrom: "127.0.0.1",
        targets: ["127.255.255.255"],
      });
    }
  });

  it("reaches the LAN of the bound interface, all interfaces for 0.0.0.0, or the named discovery address", () => {
    assert.equal(broadcastAddress("10.1.2.3", "255.255.0.0"), "10.1.255.255");
    assert.deepEqual(discoveryScope("192.168.1.7", undefined, interfaces).targets, ["127.255.255.255", "192.168.1.255"]);
    assert.deepEqual(discoveryScope("0.0.0.0", undefined, interfaces).targets, ["127.255.255.255", "192.168.1.255", "10.1.255.255"]);
    const named = discoveryScope("127.0.0.1", "10.1.255.255", interfaces);
    assert.equal(named.kind, "lan");
    assert.equal(named.listenAddress, "0.0.0.0");
    assert.deepEqual(named.targets, ["127.255.255.255", "10.1.255.255"]);
  });
});

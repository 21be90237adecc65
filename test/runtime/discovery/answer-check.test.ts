import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { answerProblem } from "../../../runtime/discovery/answer-check.ts";
import type { DiscoveryAnswer } from "../../../runtime/discovery/packet.ts";

const good: DiscoveryAnswer = {
  type: "answer",
  requestId: Buffer.alloc(8),
  name: "instr_server-2",
  workgroup: "läb 3",
  host: "127.0.0.1",
  port: 40001,
  pid: 4242,
};

describe("answerProblem", () => {
  it("accepts what real contexts send: any bound host form, or none", () => {
    for (const host of ["", "127.0.0.1", "192.168.1.7", "::1", "fe80::1%eth0", "localhost", "lab-pc.example.org"]) {
      assert.equal(answerProblem({ ...good, host }), undefined, host);
    }
  });

  it("refuses names, workgroups and hosts that are not what a context sends", () => {
    const refused: [Partial<DiscoveryAnswer>, RegExp][] = [
      [{ name: "x\u001b[2J" }, /context name/],
      [{ name: "has space" }, /context name/],
      [{ name: "9starts_with_digit" }, /context name/],
      [{ name: "dotted.name" }, /context name/],
      [{ workgroup: "" }, /workgroup/],
      [{ workgroup: "lab\r\nfake row" }, /workgroup/],
      [{ workgroup: "lab\u202eevil" }, /workgroup/],
      [{ host: "0.0.0.0" }, /unspecified/],
      [{ host: "::" }, /unspecified/],
      [{ host: "evil.host:1234" }, /host/],
      [{ host: "a b" }, /host/],
      [{ host: "[::1]" }, /host/],
      [{ host: "-lead.example" }, /host/],
      [{ host: "1.2.3" }, /host/],
      [{ host: "999.1.1.1" }, /host/],
      [{ host: "x".repeat(64) }, /host/],
      [{ port: 0 }, /port/],
      [{ port: 70000 }, /port/],
    ];
    for (const [change, problem] of refused) {
      assert.match(answerProblem({ ...good, ...change }) ?? "accepted", problem, JSON.stringify(change));
    }
  });
});

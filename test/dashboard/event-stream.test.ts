/**
 * A browser that stops reading its event stream costs the dashboard bounded memory: points beyond the buffer are
 * dropped and counted, nothing more is written once the socket stops taking it, and the count reaches the page
 * when it reads again. A real HTTP server and a real socket that stops reading.
 */
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { EventStream, MAX_BUFFERED_POINTS, MAX_UNSENT_BYTES } from "../../dashboard/server/event-stream.ts";
import type { LabState, PointsEvent } from "../../dashboard/api.ts";
import { within } from "../helpers/within.ts";

describe("an event stream whose reader stops reading", () => {
  const server = createServer();
  let port = 0;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => server.close());

  /** Opens a stream from a raw socket; resolves with the server's side and the socket, once `hello` arrived. */
  async function open(): Promise<{ stream: EventStream; response: ServerResponse; socket: Socket; received: () => string }> {
    const opened = new Promise<{ stream: EventStream; response: ServerResponse }>((resolve) =>
      server.once("request", (_request, response: ServerResponse) => resolve({ stream: new EventStream(response), response })),
    );
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (chunk) => (text += chunk.toString()));
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    const { stream, response } = await within(opened, 5000, "the request");
    await within(new Promise<void>((resolve) => socket.once("data", () => resolve())), 5000, "hello");
    return { stream, response, socket, received: () => text };
  }

  it("keeps at most MAX_BUFFERED_POINTS points of a signal, drops the oldest and says how many", async () => {
    const { stream, socket, received } = await open();
    try {
      socket.pause();
      stream.startPlot("lab.nsg.sampleTaken", ["t", "value"]);
      const points = 1_000_000;
      const heapBefore = process.memoryUsage().heapUsed;
      for (let i = 0; i < points; i++) stream.addPoint("lab.nsg.sampleTaken", i, [i, -i]);
      const grown = process.memoryUsage().heapUsed - heapBefore;
      // 20,000 points of two numbers each: well under 8 MB whatever the engine's layout.
      assert.ok(grown < 8 * 1024 * 1024, `the heap grew by ${grown} bytes for ${points} points`);
      socket.resume();
      const event = await nextPoints(received, "lab.nsg.sampleTaken", 5000);
      assert.equal(event.t.length, points - event.dropped);
      assert.ok(event.t.length <= MAX_BUFFERED_POINTS);
      assert.ok(event.dropped >= points - MAX_BUFFERED_POINTS);
      // The newest points are kept, in order.
      assert.equal(event.t.at(-1), points - 1);
      assert.deepEqual(event.values[1]!.slice(-2), [-(points - 2), -(points - 1)]);
    } finally {
      stream.close();
      socket.destroy();
    }
  });

  it("stops writing once the socket holds MAX_UNSENT_BYTES, and keeps only the latest lab state", async () => {
    const { stream, response, socket } = await open();
    try {
      socket.pause();
      // Large lab states, one per flush: the socket fills, then the stream holds only the latest.
      const big: LabState = { dashboard: { name: "x".repeat(256 * 1024), workgroup: "w", version: "v" }, contexts: [] };
      const deadline = Date.now() + 10_000;
      let peak = 0;
      while (Date.now() < deadline) {
        stream.setLab(big);
        await new Promise((resolve) => setTimeout(resolve, 50));
        peak = Math.max(peak, response.writableLength);
        if (peak >= MAX_UNSENT_BYTES && Date.now() > deadline - 8_000) break;
      }
      assert.ok(peak >= MAX_UNSENT_BYTES, `the socket took everything (${peak} bytes waiting)`);
      const waiting = response.writableLength;
      for (let i = 0; i < 20; i++) {
        stream.setLab(big);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(response.writableLength, waiting, "nothing more was written while the socket was full");
      assert.ok(waiting < MAX_UNSENT_BYTES + 2 * 300 * 1024, `${waiting} bytes waiting`);
    } finally {
      stream.close();
      socket.destroy();
    }
  });
});

/** The first `points` event of `signal` in the text received, polled for at most `ms`. */
async function nextPoints(received: () => string, signal: string, ms: number): Promise<PointsEvent> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const block of received().split("\n\n")) {
      const data = /^event: points\r?\ndata: (.*)$/m.exec(block)?.[1];
      if (data === undefined) continue;
      try {
        const event = JSON.parse(data) as PointsEvent;
        if (event.signal === signal) return event;
      } catch {
        // Not all of it arrived yet.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`No points of ${signal} within ${ms} ms`);
}

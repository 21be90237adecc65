/**
 * Protocol-level instrument simulators: the seam between a simulated instrument and the server that exposes it
 * (TCP, UDP, a pseudo terminal, a simulated USBTMC device).
 *
 * A {@link SimInstrument} holds the instrument's state; each client connection gets a {@link SimConnection} that
 * receives bytes and answers through its {@link SimEndpoint}. {@link LineSimInstrument} frames text lines and can
 * misbehave on purpose (`fault`), so driver tests can check garbage, silence and disconnects.
 *
 * @module
 */

/** Where a simulator sends its replies. */
export interface SimEndpoint {
  send(data: Uint8Array | string): void;
  /** Drop the connection (TCP: close the socket; pty: hang up; USB: unplug). */
  disconnect(): void;
}

/** One client's connection to a simulated instrument. */
export interface SimConnection {
  receive(data: Buffer): void;
}

/** A simulated instrument. */
export interface SimInstrument {
  connect(endpoint: SimEndpoint): SimConnection;
}

/** Ways a line simulator can misbehave, for tests: answer garbage, stay silent, or hang up on the next message. */
export type SimFault = "garbage" | "silent" | "disconnect";

/** A simulator of a line-oriented (ASCII) protocol. */
export abstract class LineSimInstrument implements SimInstrument {
  /** Misbehaviour applied to every following message until reset to undefined. */
  fault: SimFault | undefined;
  /** Every line received, for test assertions. */
  readonly received: string[] = [];

  /**
   * @param inputTerminator - ends each received line (`\n`; `\r\n` lines also work when `\n`)
   * @param outputTerminator - appended to each reply
   */
  constructor(
    readonly inputTerminator = "\n",
    readonly outputTerminator = "\n",
  ) {}

  /** Answers one line; undefined means no reply. */
  protected abstract handleLine(line: string): string | undefined;

  connect(endpoint: SimEndpoint): SimConnection {
    let pending = "";
    return {
      receive: (data) => {
        pending += data.toString("latin1");
        for (let at = pending.indexOf(this.inputTerminator); at >= 0; at = pending.indexOf(this.inputTerminator)) {
          const line = pending.slice(0, at).replace(/\r$/, "");
          pending = pending.slice(at + this.inputTerminator.length);
          if (line.trim() === "") continue;
          this.received.push(line);
          if (this.fault === "disconnect") return endpoint.disconnect();
          if (this.fault === "silent") continue;
          const reply = this.handleLine(line);
          if (reply === undefined) continue;
          endpoint.send(this.fault === "garbage" ? "\x07?!garbage" + this.outputTerminator : reply + this.outputTerminator);
        }
      },
    };
  }
}

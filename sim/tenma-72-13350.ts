/**
 * Simulated Tenma 72-13350 programmable power supply (one channel, 30 V / 30 A), after its remote command set:
 * `VSET:<V>`, `VSET?`, `ISET:<A>`, `ISET?`, `VOUT?`, `IOUT?`, `OUT:<0|1>`, `STATUS?` (one status byte then `\n`:
 * bit 0 C.V mode, bit 1 output on, bit 2 current priority, bit 4 beep, bit 5 lock), `*IDN?`. Commands end in `\n`;
 * setters send no reply and the supply has no error queue (out-of-range settings are ignored).
 *
 * @module
 */
import { LineSimInstrument } from "./sim-instrument.ts";

/** The simulator; the output follows the settings into a resistive load. */
export class Tenma7213350Sim extends LineSimInstrument {
  voltage = 0;
  current = 0;
  output = false;
  /** Load resistance, Ω. */
  load = 10;

  constructor(readonly serial = "00000001") {
    super("\n", "\n");
  }

  protected handleLine(line: string): string | undefined {
    const text = line.trim().toUpperCase();
    const set = /^(VSET|ISET|OUT):\s*([-+0-9.eE]+)$/.exec(text);
    if (set) {
      const value = Number(set[2]);
      if (!Number.isFinite(value)) return undefined;
      if (set[1] === "VSET" && value >= 0 && value <= 30) this.voltage = value;
      if (set[1] === "ISET" && value >= 0 && value <= 30) this.current = value;
      if (set[1] === "OUT" && (value === 0 || value === 1)) this.output = value === 1;
      return undefined;
    }
    const cv = this.voltage / this.load <= this.current;
    switch (text) {
      case "*IDN?":
        return `TENMA 72-13350 SN:${this.serial} V2.0`;
      case "VSET?":
        return this.voltage.toFixed(3);
      case "ISET?":
        return this.current.toFixed(3);
      case "VOUT?":
        return (this.output ? (cv ? this.voltage : this.current * this.load) : 0).toFixed(3);
      case "IOUT?":
        return (this.output ? (cv ? this.voltage / this.load : this.current) : 0).toFixed(3);
      case "STATUS?":
        return String.fromCharCode((cv ? 1 : 0) | (this.output ? 2 : 0) | 0x10);
      default:
        return undefined;
    }
  }
}

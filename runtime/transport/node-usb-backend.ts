/**
 * The real USB backend: the `usb` package's WebUSB API (loaded on first use; its native binary ships inside the
 * package). On a machine without a USB bus (no `/sys/bus/usb`, e.g. a container) it says so plainly.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { TransportError } from "../protocol/errors.ts";
import type { UsbBackend, UsbDeviceLike } from "./usb-device.ts";

/** True when the machine shows no USB bus at all (Linux: no /sys/bus/usb/devices). */
export function hasNoUsbBus(): boolean {
  return process.platform === "linux" && !existsSync("/sys/bus/usb/devices");
}

/** The backend over the `usb` package. */
export const nodeUsbBackend: UsbBackend = {
  name: "usb",
  async getDevices(): Promise<UsbDeviceLike[]> {
    if (hasNoUsbBus()) {
      throw new TransportError("This machine has no USB bus (/sys/bus/usb/devices does not exist), so there are no USB devices to open");
    }
    let module: typeof import("usb");
    try {
      module = await import("usb");
    } catch (error) {
      throw new TransportError(`The usb package cannot be loaded (${(error as Error).message}); run npm install`, { cause: error });
    }
    const webusb = new module.WebUSB({ allowAllDevices: true });
    try {
      return (await webusb.getDevices()) as unknown as UsbDeviceLike[];
    } catch (error) {
      throw new TransportError(`Cannot list USB devices (${(error as Error).message})`, { cause: error });
    }
  },
};

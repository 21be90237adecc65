/**
 * Which {@link UsbBackend} USBTMC transports use: the real `usb` package by default, a simulated one in tests
 * and under `qmi sim`.
 *
 * @module
 */
import { nodeUsbBackend } from "./node-usb-backend.ts";
import type { UsbBackend } from "./usb-device.ts";

let current: UsbBackend = nodeUsbBackend;

/** The backend USBTMC transports use. */
export function getUsbBackend(): UsbBackend {
  return current;
}

/** Replaces the backend (tests and `qmi sim` use a simulated one); returns the previous one. */
export function setUsbBackend(backend: UsbBackend): UsbBackend {
  const previous = current;
  current = backend;
  return previous;
}

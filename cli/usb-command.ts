/**
 * `qmi usb`: lists the USB devices and their USBTMC interfaces, with the `usbtmc:` descriptor for each; says so
 * plainly when the machine has no USB bus.
 *
 * @module
 */
import { QmiError } from "../runtime/protocol/errors.ts";
import { hasNoUsbBus } from "../runtime/transport/node-usb-backend.ts";
import { getUsbBackend } from "../runtime/transport/usb-backend.ts";
import { usbTmcInterfaces, type UsbDeviceLike } from "../runtime/transport/usb-device.ts";

const HELP = `Usage: qmi usb [options]

List the USB devices of this machine: vendor and product id, serial number,
names, and for each USBTMC interface the descriptor to give a driver
(usbtmc:vendorid=0x....:productid=0x....:serialnr=...).

Options:
  -h, --help   show this help
`;

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

/** One line per device (and USBTMC interface). */
export function formatUsbDevices(devices: readonly UsbDeviceLike[]): string {
  if (devices.length === 0) return "No USB devices found.";
  const lines: string[] = [];
  for (const d of devices) {
    const names = [d.manufacturerName, d.productName].filter(Boolean).join(" ");
    lines.push(`${hex4(d.vendorId)}:${hex4(d.productId)}  serial ${d.serialNumber ?? "(none)"}${names ? `  ${names}` : ""}`);
    for (const tmc of usbTmcInterfaces(d)) {
      lines.push(
        `    USBTMC interface ${tmc.interfaceNumber}${tmc.alternate.interfaceProtocol === 1 ? " (USB488)" : ""}: ` +
          `usbtmc:vendorid=${hex4(d.vendorId)}:productid=${hex4(d.productId)}:serialnr=${d.serialNumber ?? "?"}`,
      );
    }
  }
  return lines.join("\n");
}

/** Runs `qmi usb`; resolves with the exit code. */
export async function runUsb(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`qmi usb: unexpected argument ${JSON.stringify(argv[0])}\n\n${HELP}`);
    return 2;
  }
  const backend = getUsbBackend();
  if (backend.name === "usb" && hasNoUsbBus()) {
    process.stdout.write("This machine has no USB bus (no /sys/bus/usb/devices), so there are no USB devices to list.\n");
    return 0;
  }
  try {
    process.stdout.write(formatUsbDevices(await backend.getDevices()) + "\n");
    return 0;
  } catch (error) {
    process.stderr.write(`qmi usb: ${QmiError.from(error).message}\n`);
    return 1;
  }
}

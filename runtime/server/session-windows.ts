/**
 * HTTP/2 flow-control windows and frame size of the server's connections, for bulk data.
 *
 * HTTP/2 starts every connection and stream with a 64 KiB receive window and 16 KiB frames (RFC 9113 §6.5.2), and
 * Node keeps those unless told otherwise; grpc-js's server has no option for either. A request of megabytes then
 * reaches the server one window at a time, each after a WINDOW_UPDATE round trip: an 8 MB message through a
 * grpc-js server took 84–122 ms on loopback, and 40–55 ms with the windows and frame size below (bench/README.md,
 * "Large messages").
 *
 * The windows bound what a client may have sent and the server not yet read, per stream and per connection; the
 * server reads each request as it arrives (the channel's parts are assembled within their own budget), so a
 * larger window lets bytes in sooner rather than letting more of them pile up.
 *
 * @module
 */
import type { Http2Session } from "node:http2";

/** The HTTP/2 settings a context's server gives each connection. */
export interface SessionWindows {
  /** Receive window of each stream (SETTINGS_INITIAL_WINDOW_SIZE), bytes. */
  readonly streamWindow: number;
  /** Receive window of the whole connection, bytes. */
  readonly connectionWindow: number;
  /** Largest frame the server accepts (SETTINGS_MAX_FRAME_SIZE), bytes. */
  readonly maxFrameSize: number;
}

/** 4 MiB per stream, as the qmi-ts client has it; 8 MiB per connection; 1 MiB frames. */
export const SESSION_WINDOWS: SessionWindows = { streamWindow: 4 << 20, connectionWindow: 8 << 20, maxFrameSize: 1 << 20 };

/** Applies `windows` to a server-side session as it starts. */
export function widenWindows(session: Http2Session, windows: SessionWindows = SESSION_WINDOWS): void {
  session.settings({ initialWindowSize: windows.streamWindow, maxFrameSize: windows.maxFrameSize });
  session.setLocalWindowSize(windows.connectionWindow);
}

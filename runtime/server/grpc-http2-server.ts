/**
 * The HTTP/2 server grpc-js makes for a connection injector, which grpc-js does not expose: found among the servers
 * its `Server` keeps (`http2Servers`), so that the context can set each connection's windows (`session-windows.ts`)
 * and serve the call channel's streams itself (`h2-exchange-stream.ts`). grpc-js is pinned; should a later version
 * keep its servers otherwise, both fall back to grpc-js's own handling, with a warning, and
 * `test/runtime/connections.test.ts` fails.
 *
 * @module
 */
import type { Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { ConnectionInjector, Server } from "@grpc/grpc-js";

/** The part of grpc-js's `Server` that holds the HTTP/2 servers it created (not in its public types). */
interface WithHttp2Servers {
  readonly http2Servers?: Map<Http2Server, unknown>;
}

/** `create()`'s connection injector, and the HTTP/2 server grpc-js made for it (undefined when it cannot be found). */
export function injectorAndServer(server: Server, create: () => ConnectionInjector): { injector: ConnectionInjector; http2Server: Http2Server | undefined } {
  const servers = (server as unknown as WithHttp2Servers).http2Servers;
  const before = new Set(servers?.keys() ?? []);
  const injector = create();
  const created = [...(servers?.keys() ?? [])].filter((candidate) => !before.has(candidate));
  const http2Server = created.length === 1 && typeof created[0]!.on === "function" ? created[0] : undefined;
  return { injector, http2Server };
}

/** Serves a stream of `headers` on `stream`. */
export type StreamServer = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

/**
 * Serves the POST streams of `path` on `http2Server` with `serve`, and every other stream with grpc-js's handler as
 * before. Returns false, changing nothing, unless grpc-js's single stream listener is in place.
 */
export function divertStreams(http2Server: Http2Server, path: string, serve: StreamServer): boolean {
  const listeners = http2Server.listeners("stream");
  if (listeners.length !== 1) return false;
  const grpcJs = listeners[0] as (...args: unknown[]) => void;
  http2Server.removeListener("stream", grpcJs);
  http2Server.on("stream", function (this: Http2Server, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) {
    if (headers[":path"] === path && headers[":method"] === "POST") serve(stream, headers);
    else grpcJs.call(this, stream, headers, ...rest);
  });
  return true;
}

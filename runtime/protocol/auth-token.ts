/**
 * The shared-secret token of `security.token`: the metadata key it travels in, how a server compares it, and the
 * client interceptor that adds it to every call and stream of a channel (unary, server, client and bidi streams
 * alike, so a new call path gets it without doing anything).
 *
 * The token is compared in constant time. Without TLS it crosses the network in clear: use TLS off loopback.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { InterceptingCall, type Interceptor } from "@grpc/grpc-js";

/** Metadata key carrying the shared-secret token. */
export const AUTH_TOKEN_METADATA = "qmi-auth-token";

/** True when `given` is `expected`; takes the same time whatever `given` is. */
export function tokenMatches(expected: string, given: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/** A grpc-js client interceptor that sends `token` as {@link AUTH_TOKEN_METADATA} on every call. */
export function tokenInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(AUTH_TOKEN_METADATA, token);
        next(metadata, listener);
      },
    });
}

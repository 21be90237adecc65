/**
 * The gRPC metadata keys of a qmi-ts call, shared by the server that reads them and the clients that send them
 * (see "Design choices" in the README). Keys of other concerns live with them: `qmi-deadline-ms` and `qmi-clock-ms`
 * in `caller-clock.ts`, the token's key in `auth-token.ts`.
 *
 * @module
 */
import type { Metadata } from "@grpc/grpc-js";

/** Metadata key naming the target object. */
export const OBJECT_METADATA = "qmi-object";
/** Metadata key naming the calling context. */
export const CONTEXT_METADATA = "qmi-context";
/** Metadata key carrying the caller's lock token. */
export const LOCK_TOKEN_METADATA = "qmi-lock-token";
/** Metadata key tying a `Lock` call to a lease (see `qmi.core.Lock/Lease`). */
export const LEASE_METADATA = "qmi-lease";

/** The first value of a metadata key, when it is a non-empty string. */
export function firstString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Tests that need something the machine may lack (a tool such as sshd, socat or openssl; IPv6 loopback): outside
 * CI they skip, saying what is missing; under CI (`CI` set in the environment, as every CI service does) they fail
 * with the same reason, so that a CI run can never pass by skipping what it was meant to test. `test/setup.sh`
 * installs the tools.
 */
import type { TestContext } from "node:test";

/** True when the tests run under CI: `CI` is set to anything but "" or "false". */
export const UNDER_CI = (process.env.CI ?? "") !== "" && process.env.CI !== "false";

/** The message a missing requirement fails with under CI. */
function failure(missing: string): Error {
  return new Error(`${missing} (CI is set: a missing requirement fails the test instead of skipping it)`);
}

/**
 * The `skip` option of a `describe` or `it` that needs something: `missing` says what is missing, or is false when
 * nothing is. Outside CI it is returned as the skip reason; under CI a missing requirement throws, failing the
 * test file with the reason.
 */
export function skipUnlessPresent(missing: string | false): string | false {
  if (missing && UNDER_CI) throw failure(missing);
  return missing;
}

/** Inside a running test that cannot run here: skips it with `missing` as the reason, or under CI fails it. */
export function skipOrFail(t: TestContext, missing: string): void {
  if (UNDER_CI) throw failure(missing);
  t.skip(missing);
}

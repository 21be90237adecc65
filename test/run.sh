#!/usr/bin/env bash
# The project's test command (`npm test`): generated code is fresh, the tree type-checks, then every test runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages some tests need (socat, sshd, python3-grpcio...), installed when missing and running as root.
source test/setup.sh && qmi_install_test_packages

echo "== generated code is fresh (npm run gen -- --check)"
npx tsx codegen/main.ts --check

echo "== type check (tsc --noEmit)"
npx tsc --noEmit -p .
npx tsc --noEmit -p dashboard/web

echo "== tests"
# Each test file runs in its own process, and --test-timeout bounds the whole file too: the package test (npm
# pack, two installs, a lab project's processes) takes 100-120 s inside a full run, so 120 s was too close.
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/valid/*' -not -path '*/invalid/*' | sort)
NODE_OPTIONS="--conditions=qmi-ts-source${NODE_OPTIONS:+ $NODE_OPTIONS}" exec node --import tsx --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"

#!/usr/bin/env bash
# The project's test command (`npm test`): generated code is fresh, the tree type-checks, then every test runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source test/setup.sh && qmi_install_test_packages

if [ -f codegen/main.ts ]; then
  echo "== generated code is fresh (npm run gen -- --check)"
  npx tsx codegen/main.ts --check
fi

echo "== type check (tsc --noEmit)"
npx tsc --noEmit -p .

echo "== tests"
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/valid/*' -not -path '*/invalid/*' | sort)
exec node --import tsx --test --test-concurrency=2 --test-timeout=120000 "${files[@]}"

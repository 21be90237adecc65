#!/usr/bin/env bash
# Generates the Python gRPC stubs of qmi-ts's .proto files into examples/python/stubs (git-ignored), with Debian's
# protoc and grpc_python_plugin (packages protobuf-compiler and protobuf-compiler-grpc).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
idl="$here/../../idl"
out="$here/stubs"
plugin=$(command -v grpc_python_plugin || true)
if ! command -v protoc >/dev/null || [ -z "$plugin" ]; then
  echo "gen-stubs.sh: needs protoc and grpc_python_plugin: apt-get install protobuf-compiler protobuf-compiler-grpc" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
mapfile -t protos < <(cd "$idl" && find qmi -name '*.proto' | sort)
(cd "$idl" && protoc -I . --python_out="$out" --grpc_python_out="$out" --plugin=protoc-gen-grpc_python="$plugin" "${protos[@]}")
echo "gen-stubs.sh: ${#protos[@]} .proto files -> $out"

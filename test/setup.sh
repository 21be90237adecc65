#!/usr/bin/env bash
# Installs the Debian packages the tests need (socat: pseudo-terminal pairs for the serial driver tests;
# openssh-server and openssh-client: the process manager's SSH path, against a throwaway sshd; openssl: the TLS
# tests' certificates; python3-grpcio, protoc and its gRPC plugin: the Python client of examples/python; python3-h5py:
# data set files read and written from Python; chromium: the dashboard's page tested in a real browser).
# test/run.sh sources this file and calls qmi_install_test_packages; running it directly does the same.
# As root (CI) it installs what is missing with apt-get, running `apt-get update` only when the install needs it;
# otherwise it prints what to install. It never fails by itself: tests needing a missing tool skip with a message,
# or fail with it under CI (`CI` set; see test/helpers/requirements.ts).

# Debian packages, each named after the command it provides.
QMI_TEST_PACKAGES=(socat openssl)

# Debian packages checked otherwise: package name, then a command that succeeds when it is installed.
# (The Python client test uses Debian's own /usr/bin/python3, whatever python3 is first on PATH.)
QMI_TEST_PACKAGES_CHECKED=(
  "openssh-server:test -x /usr/sbin/sshd"
  "openssh-client:command -v ssh && command -v ssh-keygen"
  "python3-grpcio:/usr/bin/python3 -c 'import grpc'"
  "python3-protobuf:/usr/bin/python3 -c 'import google.protobuf'"
  "python3-numpy:/usr/bin/python3 -c 'import numpy'"
  "python3-h5py:/usr/bin/python3 -c 'import h5py'"
  "protobuf-compiler:command -v protoc"
  "protobuf-compiler-grpc:command -v grpc_python_plugin"
  "chromium:test -x /usr/bin/chromium"
)

qmi_install_test_packages() {
  local missing=() package entry
  for package in "${QMI_TEST_PACKAGES[@]}"; do
    command -v "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  for entry in "${QMI_TEST_PACKAGES_CHECKED[@]}"; do
    eval "${entry#*:}" >/dev/null 2>&1 || missing+=("${entry%%:*}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test/setup.sh: missing ${missing[*]}; install with: sudo apt-get install ${missing[*]} (tests needing it will be skipped, or fail under CI)" >&2
    return 0
  fi
  echo "== installing ${missing[*]} (apt-get)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
      echo "test/setup.sh: could not install ${missing[*]}; tests needing it will be skipped, or fail under CI" >&2
  fi
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  qmi_install_test_packages
fi

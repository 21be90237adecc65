"""Benchmark 6 helper: sequential unary GetSample calls from a Python grpcio client; prints `P50 <us> P99 <us>`.

Usage: /usr/bin/python3 bench/python_unary.py <host:port> <count>
Needs the stubs of `bash examples/python/gen-stubs.sh`. The call carries the qmi-ts metadata (qmi-object,
qmi-context, qmi-lock-token) whatever the server, so both servers see the same request.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "python", "stubs"))

import grpc  # noqa: E402
from qmi.drivers.dummy import noisy_sine_generator_pb2 as nsg_pb2  # noqa: E402
from qmi.drivers.dummy import noisy_sine_generator_pb2_grpc as nsg_grpc  # noqa: E402


def main():
    address, count = sys.argv[1], int(sys.argv[2])
    channel = grpc.insecure_channel(address)
    stub = nsg_grpc.NoisySineGeneratorStub(channel)
    metadata = (("qmi-object", "nsg"), ("qmi-context", "bench_python"), ("qmi-lock-token", "bench-token"))
    request = nsg_pb2.GetSampleRequest()
    for _ in range(min(count, 200)):
        stub.GetSample(request, metadata=metadata, timeout=30)
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        stub.GetSample(request, metadata=metadata, timeout=30)
        latencies.append((time.perf_counter() - start) * 1e6)
    latencies.sort()
    print("P50 %.1f P99 %.1f" % (latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]))
    channel.close()


main()

#!/usr/bin/python3
"""Read a trace from a qmi-ts instrument into numpy, with grpcio and stubs generated from idl/.

A typed array of a driver (`Float64Array`, `Int16Array`...) is a plain `repeated` field of its element type on the
wire (`repeated double`, `repeated int32`...), packed: numpy reads it with `np.asarray`. This script sends a
waveform to the echo instrument `echo` and reads it back, then a `Trace` message with two typed-array fields.

Run (after `bash examples/python/gen-stubs.sh`, with a context hosting an open EchoInstrument `echo`):
    /usr/bin/python3 examples/python/read_trace.py --address 127.0.0.1:40001

A message from another language is one gRPC message, so each way it must fit the context's
`security.max_message_bytes` (4 MiB by default: 500,000 doubles with room to spare) and the client's own limit
(grpcio's is 4 MiB too). For larger traces, raise the context's limit in its configuration and pass the same here:
    /usr/bin/python3 examples/python/read_trace.py --address 127.0.0.1:40001 --points 1000000 \
        --max-message-bytes 16777216
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "stubs"))

import grpc  # noqa: E402
import numpy as np  # noqa: E402
from qmi.drivers.dummy import echo_instrument_pb2 as echo_pb2  # noqa: E402
from qmi.drivers.dummy import echo_instrument_pb2_grpc as echo_grpc  # noqa: E402

METADATA = (("qmi-object", "echo"), ("qmi-context", "python_trace_reader"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True, help="host:port of the context")
    parser.add_argument("--points", type=int, default=100_000, help="samples in the waveform")
    parser.add_argument(
        "--max-message-bytes",
        type=int,
        help="largest message this client sends and receives (grpcio's default is 4 MiB); "
        "match the context's security.max_message_bytes",
    )
    args = parser.parse_args()
    limits = []
    if args.max_message_bytes:
        limits = [
            ("grpc.max_send_message_length", args.max_message_bytes),
            ("grpc.max_receive_message_length", args.max_message_bytes),
        ]

    with grpc.insecure_channel(args.address, options=limits) as channel:
        echo = echo_grpc.EchoInstrumentStub(channel)
        waveform = np.sin(np.linspace(0, 2 * np.pi, args.points))
        reply = echo.EchoFloat64Array(echo_pb2.EchoFloat64ArrayRequest(values=waveform), metadata=METADATA, timeout=30)
        trace = np.asarray(reply.value, dtype=np.float64)
        print(f"trace: {trace.size} points, {trace.dtype}, equal: {np.array_equal(trace, waveform)}")

        sent = echo_pb2.Trace(interval=1e-6, samples=waveform[:5], counts=[-32768, -1, 0, 1, 32767])
        back = echo.EchoTrace(echo_pb2.EchoTraceRequest(trace=sent), metadata=METADATA, timeout=30).value
        counts = np.asarray(back.counts, dtype=np.int16)
        print(f"counts: {counts.tolist()} as {counts.dtype}")

        try:
            echo.EchoInt16Array(echo_pb2.EchoInt16ArrayRequest(values=[40000]), metadata=METADATA, timeout=30)
        except grpc.RpcError as error:
            print(f"out of range: {error.code().name} {error.details()}")
    print("done")


if __name__ == "__main__":
    main()

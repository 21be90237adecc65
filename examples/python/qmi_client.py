#!/usr/bin/python3
"""Drive a qmi-ts instrument from Python with nothing but grpcio and stubs generated from idl/.

Run (after `bash examples/python/gen-stubs.sh`, with a context hosting the noisy sine generator `nsg`):
    /usr/bin/python3 examples/python/qmi_client.py --address 127.0.0.1:40001

Against a context with a `security` section, add its token and TLS files (README, "Security"):
    ... --auth-token-file lab.token --tls-ca lab-ca.crt [--tls-cert lab.crt --tls-key lab.key]

The metadata contract (README, "Design choices"): `qmi-object` names the target object, `qmi-context` the
caller, `qmi-lock-token` the caller's lock token. A failed call ends with a gRPC status and the trailer
`qmi-error: <ErrorClass>`.
"""
import argparse
import os
import sys
import threading
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "stubs"))

import grpc  # noqa: E402
from qmi.core import context_pb2, context_pb2_grpc, lock_pb2, lock_pb2_grpc  # noqa: E402
from qmi.drivers.dummy import noisy_sine_generator_pb2 as nsg_pb2  # noqa: E402
from qmi.drivers.dummy import noisy_sine_generator_pb2_grpc as nsg_grpc  # noqa: E402
from qmi.core import task_pb2, task_pb2_grpc  # noqa: E402
from qmi.examples import demo_task_pb2 as task_settings_pb2  # noqa: E402
from qmi.examples import demo_task_pb2_grpc as task_settings_grpc  # noqa: E402


def metadata(obj, token):
    """The qmi-ts call metadata: target object, our context name, our lock token."""
    return (("qmi-object", obj), ("qmi-context", "python_client"), ("qmi-lock-token", token))


class AuthToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds the shared-secret token (`qmi-auth-token` metadata) to every call, as a qmi-ts context with a token
    requires; without it, every call ends with UNAUTHENTICATED."""

    def __init__(self, token):
        self.token = token

    def _with_token(self, details):
        metadata = list(details.metadata or ()) + [("qmi-auth-token", self.token)]
        return details._replace(metadata=metadata)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._with_token(details), request)


def open_channel(args):
    """A plaintext channel, or TLS trusting `--tls-ca` (and presenting `--tls-cert` for mutual TLS); with the token."""
    if args.tls_ca:
        read = lambda path: open(path, "rb").read() if path else None  # noqa: E731
        tls = grpc.ssl_channel_credentials(read(args.tls_ca), read(args.tls_key), read(args.tls_cert))
        options = [("grpc.ssl_target_name_override", args.tls_server_name)] if args.tls_server_name else []
        channel = grpc.secure_channel(args.address, tls, options=options)
    else:
        channel = grpc.insecure_channel(args.address)
    if args.auth_token_file:
        token = open(args.auth_token_file, encoding="utf-8").readline().strip()
        channel = grpc.intercept_channel(channel, AuthToken(token))
    return channel


def error_text(error):
    """Status code and the qmi-error trailer of a failed call."""
    trailer = dict(error.trailing_metadata() or ()).get("qmi-error", "")
    return f"{error.code().name} {trailer}: {error.details()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True, help="host:port of the context")
    parser.add_argument("--object", default="nsg", help="name of the noisy sine generator in the context")
    parser.add_argument("--task", help="name of a DemoRpcControlTask (examples/demo-task.ts) in the context, if any")
    parser.add_argument("--auth-token-file", help="file whose first line is the context's security token")
    parser.add_argument("--tls-ca", help="PEM file of the CA that signed the context's certificate (turns TLS on)")
    parser.add_argument("--tls-cert", help="PEM certificate to present (mutual TLS)")
    parser.add_argument("--tls-key", help="PEM key of --tls-cert")
    parser.add_argument("--tls-server-name", help="name expected in the context's certificate, if not the host")
    args = parser.parse_args()

    channel = open_channel(args)
    context = context_pb2_grpc.ContextStub(channel)
    nsg = nsg_grpc.NoisySineGeneratorStub(channel)
    locks = lock_pb2_grpc.LockStub(channel)
    token = str(uuid.uuid4())
    mine = metadata(args.object, token)
    theirs = metadata(args.object, str(uuid.uuid4()))

    described = context.Describe(context_pb2.DescribeRequest(), timeout=5)
    print("context:", described.name, "objects:", ",".join(o.name for o in described.objects))

    try:
        nsg.GetSample(nsg_pb2.GetSampleRequest(), metadata=mine, timeout=5)
    except grpc.RpcError as error:
        print("closed getSample:", error_text(error))

    nsg.Open(nsg_pb2.OpenRequest(), metadata=mine, timeout=5)
    nsg.SetAmplitude(nsg_pb2.SetAmplitudeRequest(amplitude=5.0), metadata=mine, timeout=5)
    print("amplitude:", nsg.GetAmplitude(nsg_pb2.GetAmplitudeRequest(), metadata=mine, timeout=5).value)
    sample = nsg.GetSample(nsg_pb2.GetSampleRequest(), metadata=mine, timeout=5).value
    print("sample within amplitude:", abs(sample) <= 5.0 + 10.0)
    try:
        nsg.SetAmplitude(nsg_pb2.SetAmplitudeRequest(amplitude=-1.0), metadata=mine, timeout=5)
    except grpc.RpcError as error:
        print("negative amplitude:", error_text(error))

    print("lock:", locks.Lock(lock_pb2.LockRequest(), metadata=mine, timeout=5).granted)
    print("locked:", locks.IsLocked(lock_pb2.IsLockedRequest(), metadata=theirs, timeout=5).locked)
    try:
        nsg.GetSample(nsg_pb2.GetSampleRequest(), metadata=theirs, timeout=5)
    except grpc.RpcError as error:
        print("other token:", error_text(error))
    print("holder amplitude:", nsg.GetAmplitude(nsg_pb2.GetAmplitudeRequest(), metadata=mine, timeout=5).value)
    print("unlock by other:", locks.Unlock(lock_pb2.UnlockRequest(), metadata=theirs, timeout=5).released)
    print("unlock:", locks.Unlock(lock_pb2.UnlockRequest(), metadata=mine, timeout=5).released)

    stream = nsg.SubscribeSampleTaken(nsg_pb2.SubscribeSampleTakenRequest(), metadata=mine, timeout=10)
    received = []

    def read():
        try:
            for event in stream:
                received.append(event.value.value)
                if len(received) == 3:
                    stream.cancel()
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                print("signal stream:", error_text(error))

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(50):
        nsg.GetSample(nsg_pb2.GetSampleRequest(), metadata=mine, timeout=5)
        if len(received) >= 3:
            break
        threading.Event().wait(0.05)
    reader.join(timeout=10)
    print("signals received:", len(received))

    try:
        nsg.IsOpen(nsg_pb2.IsOpenRequest(), metadata=metadata("no_such_object", token), timeout=5)
    except grpc.RpcError as error:
        print("unknown object:", error_text(error))

    nsg.Close(nsg_pb2.CloseRequest(), metadata=mine, timeout=5)

    if args.task:
        # A task's settings through its generated service, its state through the core qmi.core.Task service.
        settings = task_settings_grpc.DemoRpcControlTaskStub(channel)
        tasks = task_pb2_grpc.TaskStub(channel)
        at_task = metadata(args.task, token)
        current = settings.GetSettings(task_settings_pb2.DemoRpcControlTaskGetSettingsRequest(), metadata=at_task, timeout=5)
        print("task settings amplitude:", current.value.amplitude)
        new = task_settings_pb2.DemoLoopTaskSettings(amplitude=42.0)
        settings.SetSettings(task_settings_pb2.DemoRpcControlTaskSetSettingsRequest(settings=new), metadata=at_task, timeout=5)
        pending = settings.GetPendingSettings(
            task_settings_pb2.DemoRpcControlTaskGetPendingSettingsRequest(), metadata=at_task, timeout=5
        )
        print("task pending amplitude:", pending.value.amplitude)
        print("task running:", tasks.IsRunning(task_pb2.TaskIsRunningRequest(), metadata=at_task, timeout=5).value)

    print("done")


if __name__ == "__main__":
    main()

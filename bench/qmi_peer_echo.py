"""Benchmark 11's peer figures: Python QMI echoing arrays between two processes over loopback.

Usage, with QMI's source folder on PYTHONPATH and Debian's /usr/bin/python3 (numpy, psutil and QMI's other
dependencies from apt):
  /usr/bin/python3 bench/qmi_peer_echo.py serve
      starts context `bench_qmi_server` hosting `echo` (one RPC method handing back its argument), prints
      `READY <port>` and serves until stdin closes;
  /usr/bin/python3 bench/qmi_peer_echo.py measure <127.0.0.1:port> <sizes> <rounds> <warm-up>
      connects context `bench_qmi_client` to it and prints one JSON line: for each size (comma-separated counts
      of doubles) the median round trip of `echo` over `rounds` (comma-separated, one per size) timed calls
      after one untimed call, with the payload as a numpy array, a Python list and bytes. Before all of them,
      `<warm-up>` (`<rounds>x<doubles>`, as the qmi-ts paths get) untimed calls of each payload type.

Loopback only. Every socket of the process is confined to 127.0.0.1: a bind to the wildcard address becomes a
bind to 127.0.0.1, and binds, connects and datagrams to any other address fail, as does enabling broadcast.
The context's UDP responder (which answers discovery requests from the network) is not started, peers are
connected by explicit address, and discovery is never called. After starting, each process checks with psutil
that it holds no UDP socket and no socket off loopback.
"""
import ipaddress
import json
import socket
import sys
import time

_BaseSocket = socket.socket
_INET = (socket.AF_INET, socket.AF_INET6)


def _loopback(family, address, wildcard_to_loopback=False):
    """The address, when it is on loopback (or not an IP address at all, e.g. a Unix socket's path)."""
    if family not in _INET:
        return address
    host = address[0]
    if host in ("", "0.0.0.0", "::") and wildcard_to_loopback:
        return ("127.0.0.1" if family == socket.AF_INET else "::1",) + tuple(address[1:])
    if not ipaddress.ip_address(host).is_loopback:
        raise PermissionError("qmi_peer_echo.py: refused %r, not a loopback address" % (host,))
    return address


class _LoopbackSocket(_BaseSocket):
    """A socket that only ever talks to this machine."""

    def bind(self, address):
        return super().bind(_loopback(self.family, address, wildcard_to_loopback=True))

    def connect(self, address):
        return super().connect(_loopback(self.family, address))

    def connect_ex(self, address):
        return super().connect_ex(_loopback(self.family, address))

    def sendto(self, data, *flags_and_address):
        _loopback(self.family, flags_and_address[-1])
        return super().sendto(data, *flags_and_address)

    def sendmsg(self, buffers, *rest):
        if len(rest) >= 3 and rest[2] is not None:
            _loopback(self.family, rest[2])
        return super().sendmsg(buffers, *rest)

    def setsockopt(self, level, option, *value):
        if level == socket.SOL_SOCKET and option == socket.SO_BROADCAST:
            raise PermissionError("qmi_peer_echo.py: broadcast refused")
        return super().setsockopt(level, option, *value)


def _confine_to_loopback():
    """Installs the loopback-only socket for the whole process and turns QMI's UDP responder off."""
    socket.socket = _LoopbackSocket  # socket.create_connection and accept() build their sockets from this name
    from qmi.core import messaging

    messaging.MessageRouter.start_udp_responder = lambda _router, _port: None


def _check_sockets():
    """Fails unless every IP socket of this process is TCP on a loopback address."""
    import psutil

    process = psutil.Process()
    connections = getattr(process, "net_connections", process.connections)  # renamed in psutil 6
    for conn in connections(kind="inet"):
        if conn.type != socket.SOCK_STREAM:
            raise RuntimeError("qmi_peer_echo.py: unexpected non-TCP socket %r" % (conn,))
        for end in (conn.laddr, conn.raddr):
            if end and not ipaddress.ip_address(end.ip).is_loopback:
                raise RuntimeError("qmi_peer_echo.py: socket off loopback %r" % (conn,))


def _start(name, context_cfg=None):
    import qmi

    # No configuration file (QMI_CONFIG is ignored) and no logging setup: nothing is written to QMI's home.
    context = qmi.start(name, config_file=None, init_logging=False, context_cfg=context_cfg)
    return qmi, context


def serve():
    from qmi.core.instrument import QMI_Instrument
    from qmi.core.rpc import rpc_method

    class BenchEcho(QMI_Instrument):
        """Hands back whatever it is given."""

        @rpc_method
        def echo(self, x):
            return x

    name = "bench_qmi_server"
    qmi, context = _start(name, {name: {"host": "127.0.0.1", "tcp_server_port": 0}})
    try:
        qmi.make_instrument("echo", BenchEcho)
        _check_sockets()
        print("READY %d" % context.get_tcp_server_port(), flush=True)
        for line in sys.stdin:
            if line.strip() == "quit":
                break
    finally:
        qmi.stop()


def _median_round_trip(call, payload, rounds, payload_bytes):
    echoed = call(payload)  # untimed warm-up, and a check that the payload came back whole
    if len(echoed) != len(payload):
        raise RuntimeError("echo returned %d elements for %d" % (len(echoed), len(payload)))
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call(payload)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    median_ms = times[len(times) // 2]
    return {"ms": median_ms, "mbPerS": payload_bytes / 1e6 / (median_ms / 1000), "rounds": rounds}


def _payloads(doubles):
    import numpy

    values = numpy.sin(numpy.arange(doubles) / 10.0)
    return values.nbytes, (("numpy", values), ("list", values.tolist()), ("bytes", values.tobytes()))


def measure(address, sizes, rounds, warm_up):
    qmi, context = _start("bench_qmi_client")
    try:
        context.connect_to_peer("bench_qmi_server", peer_address=address)
        _check_sockets()
        echo = context.get_instrument("bench_qmi_server.echo")
        warm_up_rounds, warm_up_doubles = (int(n) for n in warm_up.split("x"))
        for _kind, payload in _payloads(warm_up_doubles)[1]:
            for _ in range(warm_up_rounds):
                echo.echo(payload)
        results = []
        for doubles, count in zip(sizes, rounds):
            payload_bytes, payloads = _payloads(doubles)
            figures = {"doubles": doubles}
            for kind, payload in payloads:
                try:
                    figures[kind] = _median_round_trip(echo.echo, payload, count, payload_bytes)
                except Exception as error:  # one failing payload (e.g. QMI's message size limit) is reported, not fatal
                    figures[kind] = {"failed": ("%s: %s" % (type(error).__name__, error))[:200]}
            results.append(figures)
        print(json.dumps(results), flush=True)
    finally:
        qmi.stop()


def main():
    _confine_to_loopback()
    if sys.argv[1:2] == ["serve"]:
        serve()
    elif sys.argv[1:2] == ["measure"] and len(sys.argv) == 6:
        sizes, rounds = ([int(n) for n in arg.split(",")] for arg in sys.argv[3:5])
        measure(sys.argv[2], sizes, rounds, sys.argv[5])
    else:
        sys.exit(__doc__)


main()

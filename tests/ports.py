"""A free TCP port on the loopback, for the tests that start a server of their own (gunicorn,
redis-server, an SMTP sink): several test processes run at once, so no port is fixed."""

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

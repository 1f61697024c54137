"""The served mock's socket: TCP_NODELAY, or every keep-alive answer waits ~40 ms for a delayed ACK.

Found by bench/bench_client.py: asyncio sets TCP_NODELAY on accepted connections only when the
listening socket names its protocol, so the mock must create it with IPPROTO_TCP.
"""

from __future__ import annotations

import socket

from mock_platform._server import _listening_socket


def test_listening_socket_is_tcp_with_nodelay() -> None:
    sock = _listening_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()

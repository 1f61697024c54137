"""An ASGI app that does nothing but read the body and answer fixed bytes, for bench/bench_floor.py.

Usage: python bench/_empty_server.py {h11|httptools} {asyncio|uvloop} — prints its port, then serves.
The socket is made as mock_platform/_server.py makes it (IPPROTO_TCP, TCP_NODELAY), so the floor is
measured under the same conditions as the served mock.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import uvicorn

ANSWER = (
    b'{"infcode":0,"inf_refmsgid":"640100202611230930000000000001","output":{"pad":"' + b"y" * 900 + b'"}}'
)
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})


def main(http: str, loop: str) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, http=http, loop=loop, log_level="warning", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

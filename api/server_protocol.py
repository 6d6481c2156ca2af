"""The HTTP protocol ``cmatch serve`` runs under uvicorn: uvicorn's own, with ``TCP_NODELAY``.

With ``--workers N`` uvicorn binds the listening socket itself (``socket.socket(family)``,
protocol 0), and asyncio then leaves Nagle's algorithm on for the connections it accepts
(``_set_nodelay`` only acts on sockets created with ``IPPROTO_TCP``). A response goes out as
two writes (headers, body), so the body waited for the client's delayed ACK: about 40 ms on
every keep-alive request (measured: ``/health`` 44 ms with 2 workers, 6 ms with one).
"""
from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol

#: What to pass as uvicorn's ``http`` (an import string, so worker processes can load it).
HTTP_PROTOCOL = "api.server_protocol:NoDelayHTTPProtocol"


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:   # not a TCP socket after all: serve as uvicorn would
                pass
        super().connection_made(transport)

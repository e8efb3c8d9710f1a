"""A raw asyncio TCP server for tests that script HTTP/1.1 byte by byte (framing, stalls, closes)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Server:
    """A raw asyncio server whose handler tasks are all finished and closed by ``close``."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None

    def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for task in self.tasks:
            task.cancel()

    async def wait(self) -> None:
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def serve(
    handler: Handler, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1"
) -> tuple[Server, int]:
    holder = Server()

    async def wrapped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        holder.tasks.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    holder.server = await asyncio.start_server(wrapped, host, 0, ssl=tls)
    return holder, holder.server.sockets[0].getsockname()[1]


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    body = await reader.readexactly(length) if length else b""
    return head, body

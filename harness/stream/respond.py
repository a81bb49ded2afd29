"""Writing an event stream to an ASGI ``send``: one body chunk per event, so a server flushes
each event when it happens instead of buffering the stream to its end."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable

from harness.server.asgi import Send
from harness.stream.sse import EVENT_STREAM

__all__ = ["STREAM_HEADERS", "respond_stream"]

STREAM_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-type", f"{EVENT_STREAM}; charset=utf-8".encode()),
    (b"cache-control", b"no-cache"),
)


async def respond_stream(
    send: Send,
    status: int,
    headers: list[tuple[bytes, bytes]] | None,
    chunks: Iterable[bytes] | AsyncIterable[bytes],
) -> None:
    """Send a streamed response, one body message per chunk (an encoded event);
    ``headers`` None means the API's stream headers. No ``content-length``: the body ends
    when the last chunk has been sent."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": list(STREAM_HEADERS if headers is None else headers),
        }
    )
    if isinstance(chunks, AsyncIterable):
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    else:
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})

"""What an HTTP request to `/graphql` may take, enforced on the ASGI messages themselves.

- The body is read here, chunk by chunk, up to the limit: a larger `Content-Length` is answered 413
  before a byte is read, and a streamed (chunked) body is cut off at the limit, so no request can
  make the process hold more than `max_body_bytes` of it.
- Once the body is in, the request runs as its own task while this module listens for the client
  going away (`http.disconnect`); then the task is cancelled, and with it every backend call in
  flight, instead of finishing work nobody will read.
- `X-Request-Timeout-Ms` lets a client say how long it will wait; the operation's time budget is
  the shorter of that and the gateway's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from gateway.errors import BAD_USER_INPUT

PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
CLIENT_TIMEOUT_HEADER = "x-request-timeout-ms"
Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request body is larger than the limit."""


def _error(status: int, message: str, code: str, **extensions: Any) -> JSONResponse:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    return JSONResponse(body, status_code=status)


def payload_too_large(limit: int) -> JSONResponse:
    return _error(
        413,
        f"the request body is larger than the maximum of {limit} bytes",
        PAYLOAD_TOO_LARGE,
        maximumBytes=limit,
    )


def client_timeout_seconds(headers: Headers) -> float | None:
    """The client's `X-Request-Timeout-Ms` in seconds, None if absent; ValueError if malformed."""
    raw = headers.get(CLIENT_TIMEOUT_HEADER)
    if raw is None:
        return None
    millis = int(raw.strip())  # ValueError for anything but an integer
    if millis <= 0:
        raise ValueError(raw)
    return millis / 1000


def bad_timeout_header(raw: str | None) -> JSONResponse:
    message = f"{CLIENT_TIMEOUT_HEADER} must be a positive integer of milliseconds, got {raw!r}"
    return _error(400, message, BAD_USER_INPUT, fields=[{"field": CLIENT_TIMEOUT_HEADER, "message": message}])


def body_not_utf8() -> JSONResponse:
    """A JSON body whose bytes are not UTF-8 (json.loads would raise, strawberry would answer 500)."""
    message = "the request body is not valid UTF-8"
    return _error(400, message, BAD_USER_INPUT, fields=[{"field": "body", "message": message}])


async def read_body(
    scope: Scope, receive: Receive, *, limit: int, headers: Headers | None = None
) -> bytes | None:
    """The whole body, at most `limit` bytes; BodyTooLarge beyond; None if the client left."""
    declared = (headers if headers is not None else Headers(scope=scope)).get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


LISTEN_AFTER_SECONDS = 0.02


async def run_until_disconnect(
    handler: Handler, scope: Scope, body: bytes, receive: Receive, send: Send
) -> bool:
    """Run `handler` on the already-read `body`; cancel it if the client disconnects first.

    The handler runs in the calling task. An operation still running after `LISTEN_AFTER_SECONDS`
    gets a small task listening for the disconnect, which cancels the caller if it comes before the
    answer is out (quick answers, most of them, pay only for a timer). Returns True when that happened.
    """
    gone = False
    delivered = False
    answered = False
    # Set (and awaited by `replay`) only if the handler asks for a second message: strawberry
    # does not, so a request that ends normally never creates it.
    gone_event: asyncio.Event | None = None

    async def replay() -> Message:
        nonlocal delivered, gone_event
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        if not gone:
            gone_event = gone_event or asyncio.Event()
            await gone_event.wait()
        return {"type": "http.disconnect"}

    async def sending(message: Message) -> None:
        nonlocal answered
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            answered = True
        await send(message)

    running = asyncio.current_task()
    assert running is not None
    listening: list[asyncio.Future[None]] = []

    async def listen() -> None:
        nonlocal gone
        message = await receive()
        # After the answer the server reports "disconnect" too: only an earlier one cancels.
        if message.get("type") == "http.disconnect" and not answered:
            gone = True
            if gone_event is not None:
                gone_event.set()
            running.cancel()

    def start_listening() -> None:
        if not answered:
            listening.append(asyncio.ensure_future(listen()))

    timer = asyncio.get_running_loop().call_later(LISTEN_AFTER_SECONDS, start_listening)
    try:
        await handler(scope, replay, sending)
    except asyncio.CancelledError:
        if not gone:
            raise  # cancelled from outside (shutdown), not by the client leaving
        running.uncancel()
        return True
    finally:
        timer.cancel()
        for task in listening:
            task.cancel()
    return False

"""A loopback HTTP proxy in front of the moto server: adds latency, or rewrites answers."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}

#: ``rewrite(action, status, body) -> body`` (or ``(status, body)``): what the client gets
#: instead of moto's answer. ``action`` is the query-protocol ``Action`` (``AssumeRole``, ...)
#: or the JSON target.
Rewrite = Callable[[str, int, bytes], bytes | tuple[int, bytes]]
#: ``delay(action) -> seconds`` to wait before forwarding a request.
Delay = Callable[[str], float]


def _action(headers: Message, body: bytes | None) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    params = parse_qs((body or b"").decode("utf-8", "replace"))
    return params.get("Action", [""])[0]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away mid-answer (a killed CLI) is not worth a traceback."""


@contextmanager
def proxy(
    target: str, *, delay: float | Delay = 0.0, rewrite: Rewrite | None = None
) -> Iterator[str]:
    """Yield the URL of a proxy on 127.0.0.1 forwarding every request to ``target``.

    Each request waits ``delay`` seconds (or ``delay(action)``); ``rewrite`` may replace
    moto's real answer body and status (the headers are kept, ``Content-Length`` recomputed).
    """
    upstream = urlsplit(target)
    fixed = 0.0 if callable(delay) else delay

    def wait(action: str) -> float:
        return delay(action) if callable(delay) else fixed

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            action = _action(self.headers, body)
            seconds = wait(action)
            if seconds:
                time.sleep(seconds)
            host = upstream.hostname or "127.0.0.1"
            conn = http.client.HTTPConnection(host, upstream.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            status = resp.status
            if rewrite is not None:
                answer = rewrite(action, resp.status, data)
                status, data = answer if isinstance(answer, tuple) else (status, answer)
            self.send_response(status)
            for key, value in resp.getheaders():
                if key.lower() not in _HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _forward  # noqa: N815 - http.server's method names

        def log_message(self, *args: object) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def slow_proxy(target: str, delay: float) -> Iterator[str]:
    """Yield the URL of a proxy on 127.0.0.1 forwarding to ``target`` after ``delay`` seconds."""
    with proxy(target, delay=delay) as url:
        yield url


class BrokenAnswers:
    """A ``rewrite`` that appends a stray ``<`` to every answer to ``action``, keeping a copy.

    The client gets moto's real answer (for ``AssumeRole``: real temporary credentials) in a
    body that botocore cannot parse. :attr:`bodies` holds every original body it broke.
    """

    def __init__(self, action: str) -> None:
        self.action = action
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()

    def __call__(self, action: str, status: int, body: bytes) -> bytes:
        if action != self.action:
            return body
        with self._lock:
            self.bodies.append(body)
        return body + b"<"

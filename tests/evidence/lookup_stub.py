"""A loopback CloudTrail endpoint speaking the JSON 1.1 protocol, for ``LookupEvents``.

moto does not implement ``LookupEvents``; boto3 reaches this stub through
``AWS_ENDPOINT_URL_CLOUDTRAIL``. Events are served per region (read from the request's
SigV4 credential scope), ``page_size`` at a time with ``NextToken``; the first
``throttle[region]`` requests of a region answer ``ThrottlingException`` (HTTP 400), as
CloudTrail does when callers exceed its 2 requests per second.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/cloudtrail/")


@dataclass
class StubLog:
    """What the stub saw: requests per region, and each request's parameters."""

    requests: Counter[str] = field(default_factory=Counter)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _event(record: Mapping[str, Any]) -> dict[str, Any]:
    """A ``LookupEvents`` event: a few fields, and the record as ``CloudTrailEvent`` text."""
    return {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": "true",
        "EventTime": 1790000000,
        "EventSource": record["eventSource"],
        "Resources": [],
        "CloudTrailEvent": json.dumps(record),
    }


@contextmanager
def lookup_stub(
    events: Mapping[str, list[Mapping[str, Any]]],
    *,
    page_size: int = 2,
    throttle: Mapping[str, int] | None = None,
) -> Iterator[tuple[str, StubLog]]:
    """Yield (endpoint URL, log) of a stub serving ``events`` (region → records)."""
    log = StubLog()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            match = _SCOPE.search(self.headers.get("Authorization", ""))
            region = match.group(1) if match else "?"
            with log.lock:
                log.requests[region] += 1
                count = log.requests[region]
                log.bodies.append({"region": region, **body})
            if self.headers.get("X-Amz-Target") != TARGET:
                self._send(400, {"__type": "UnknownOperationException", "message": "no"})
            elif count <= (throttle or {}).get(region, 0):
                self._send(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
            else:
                records = events.get(region, [])
                start = int(body.get("NextToken") or 0)
                page: dict[str, Any] = {
                    "Events": [_event(r) for r in records[start : start + page_size]]
                }
                if start + page_size < len(records):
                    page["NextToken"] = str(start + page_size)
                self._send(200, page)

        def _send(self, status: int, payload: Mapping[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

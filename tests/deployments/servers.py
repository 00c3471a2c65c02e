"""Small real servers for the deployment tests: a notification receiver and a flaky S3 front."""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class LocalServer:
    """An HTTP server on 127.0.0.1, on a free port, served from a daemon thread."""

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> str:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()


class Receiver(LocalServer):
    """Collects the bodies POSTed to it, like a Slack/Teams/webhook endpoint would."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        outer = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.messages.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.end_headers()

        self.url = self._serve(Handler) + "/hook"


class FlakyS3(LocalServer):
    """Forwards to a real S3 server, but answers the first `failures` requests 503 SlowDown, as S3
    does when it throttles."""

    def __init__(self, upstream_port: int, failures: int) -> None:
        self.failures_left = failures
        self.failed = 0
        self.forwarded = 0
        lock = threading.Lock()
        outer = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                with lock:
                    fail = outer.failures_left > 0
                    outer.failures_left -= fail
                    outer.failed += fail
                if fail:
                    payload = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                    self.send_response(503)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                upstream.request(self.command, self.path, body=body, headers=dict(self.headers))
                response = upstream.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    # HEAD answers carry the object's length without a body: keep it.
                    if key.lower() not in ("transfer-encoding", "connection") and (
                            key.lower() != "content-length" or self.command == "HEAD"):
                        self.send_header(key, value)
                if self.command != "HEAD":
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                with lock:
                    outer.forwarded += 1

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.endpoint_url = self._serve(Handler)

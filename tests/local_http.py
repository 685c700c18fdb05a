"""A local HTTP server on 127.0.0.1 for the tests of downloading (never the internet).

``LocalServer(files)`` serves each path's bytes, honouring Range requests (recorded in
``ranges``); paths in ``broken`` stop halfway through their first answer; ``/error`` answers
500 and ``/page`` an HTML page, as a site asking a person to confirm does.
"""

from __future__ import annotations

import http.server
import threading


class LocalServer(http.server.ThreadingHTTPServer):
    def __init__(self, files: dict[str, bytes], broken: tuple[str, ...] = ()) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files
        self.broken = set(broken)
        self.ranges: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    server: LocalServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/error":
            self.send_error(500, "Internal Server Error")
            return
        if self.path == "/page":
            self._send(200, b"<html><body>Confirm the download</body></html>", "text/html")
            return
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        wanted = self.headers.get("Range")
        if wanted:
            self.server.ranges.append(wanted)
            start = int(wanted.removeprefix("bytes=").split("-")[0])
            self._send(206, body[start:], extra={"Content-Range": f"bytes {start}-/{len(body)}"})
            return
        if self.path in self.server.broken:
            self.server.broken.discard(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(200, body)

    def _send(
        self,
        code: int,
        body: bytes,
        kind: str = "application/octet-stream",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

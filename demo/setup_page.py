"""The page `serve` answers on its port while it prepares a new database (issue 18).

On a first `make run` the migrations and the static files take a while before gunicorn can
start. Meanwhile a small server in `serve` itself answers every request on the port: `/` and
any other page with a Chinese "preparing" page that reloads itself every two seconds (200 for
`/`, 503 with Retry-After for anything else), `/healthz` and `/readyz` 503, so nothing that
watches the site takes it for ready. It touches no database and no static file. When the
setup is done it closes the port and gunicorn binds it. Never in production (`serve` does
not start it there)."""

import html
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger("jiangtai.serve")


def page_html() -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Jiangtai is getting ready")
        lines = [
            _("The database is being prepared for its first use; then the demo county is loaded."),
            _("This page reloads by itself every two seconds."),
        ]
        lang = translation.get_language()
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="refresh" content="2">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path in ("/healthz", "/readyz"):
            self._answer(503, b"setting up\n", "text/plain; charset=utf-8")
        else:
            self._answer(200 if path == "/" else 503, self.page, "text/html; charset=utf-8")

    do_HEAD = do_GET

    def do_POST(self):
        self._answer(503, self.page, "text/html; charset=utf-8")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", "default-src 'none'")
        if status == 503:
            self.send_header("Retry-After", "2")
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # quiet: gunicorn logs the real requests
        pass


class SetupPage:
    """`with SetupPage(host, port):` answers on the port for the block, if the port is free
    (if not, gunicorn will say so after the setup, as before)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.server: ThreadingHTTPServer | None = None

    def __enter__(self):
        handler = type("SetupHandler", (_Handler,), {"page": page_html()})
        try:
            self.server = ThreadingHTTPServer((self.host, self.port), handler)
        except OSError as exc:
            logger.warning("the setup page could not open %s:%s: %s", self.host, self.port, exc)
            return self
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="setup-page", daemon=True).start()
        return self

    def __exit__(self, *exc):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

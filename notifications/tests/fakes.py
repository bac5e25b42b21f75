"""Local stand-ins for the providers' servers (SMS, WeChat): real HTTP on loopback that
check our requests the way the provider would and answer as the provider documents."""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from notifications.channels.aliyun_sms import sign


class FakeProvider:
    def __init__(self):
        self.requests: list[dict] = []
        self.accepted: dict[str, str] = {}  # idempotency key → provider id
        self.lock = threading.Lock()
        self.script: list = []  # answers to give, in order, before the default
        self.delay = 0.0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                provider.handle(self, "GET", b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                provider.handle(self, "POST", self.rfile.read(length))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def reply(self, handler, status: int, body: dict):
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def handle(self, handler, method, body):  # pragma: no cover - overridden
        raise NotImplementedError


class FakeAliyunSms(FakeProvider):
    """dysmsapi SendSms: verifies the signature with the shared secret; remembers OutId so a
    retried send is not delivered twice (our idempotency key travels as OutId)."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def handle(self, handler, method, body):
        if self.delay:
            time.sleep(self.delay)
        query = dict(
            urllib.parse.parse_qsl(
                urllib.parse.urlsplit(handler.path).query, keep_blank_values=True
            )
        )
        with self.lock:
            self.requests.append(query)
            scripted = self.script.pop(0) if self.script else None
        signature = query.pop("Signature", "")
        if signature != sign(query, self.secret):
            return self.reply(
                handler, 400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
            )
        if scripted == "timeout":
            time.sleep(2)
            return self.reply(handler, 200, {"Code": "OK"})
        if isinstance(scripted, int):
            return self.reply(handler, scripted, {"Message": "server error"})
        if isinstance(scripted, str):
            return self.reply(handler, 200, {"Code": scripted, "Message": scripted})
        with self.lock:
            biz_id = self.accepted.setdefault(query["OutId"], f"biz{len(self.accepted) + 1}")
        return self.reply(
            handler, 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "r"}
        )


class FakeWeChat(FakeProvider):
    """/cgi-bin/token, /cgi-bin/message/subscribe/send and the web authorisation's
    /sns/oauth2/access_token (code → openid: each code once, as WeChat does)."""

    def __init__(self):
        super().__init__()
        self.tokens_issued = 0
        self.valid_token = ""
        self.codes: dict[str, str] = {}  # code WeChat gave the browser → that person's openid

    def handle(self, handler, method, body):
        parts = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        with self.lock:
            self.requests.append(
                {"path": parts.path, "query": query, "body": json.loads(body or b"{}")}
            )
            scripted = self.script.pop(0) if self.script and parts.path.endswith("/send") else None
        if parts.path == "/cgi-bin/token":
            if query.get("appid") != "wxapp" or query.get("secret") != "wxsecret":
                return self.reply(handler, 200, {"errcode": 40125, "errmsg": "invalid appsecret"})
            with self.lock:
                self.tokens_issued += 1
                self.valid_token = f"token{self.tokens_issued}"
            return self.reply(handler, 200, {"access_token": self.valid_token, "expires_in": 7200})
        if parts.path in ("/cgi-bin/message/subscribe/send", "/cgi-bin/message/template/send"):
            if query.get("access_token") != self.valid_token:
                return self.reply(handler, 200, {"errcode": 40001, "errmsg": "invalid credential"})
            if isinstance(scripted, int):
                return self.reply(handler, 200, {"errcode": scripted, "errmsg": "scripted"})
            return self.reply(
                handler, 200, {"errcode": 0, "errmsg": "ok", "msgid": 1000 + len(self.requests)}
            )
        if parts.path == "/sns/oauth2/access_token":
            if query.get("appid") != "wxapp" or query.get("secret") != "wxsecret":
                return self.reply(handler, 200, {"errcode": 40125, "errmsg": "invalid appsecret"})
            if query.get("grant_type") != "authorization_code":
                return self.reply(handler, 200, {"errcode": 40002, "errmsg": "invalid grant_type"})
            with self.lock:
                openid = self.codes.pop(query.get("code", ""), None)
            if openid is None:
                return self.reply(handler, 200, {"errcode": 40029, "errmsg": "invalid code"})
            return self.reply(handler, 200, {"access_token": "web-token", "expires_in": 7200,
                                             "refresh_token": "r", "openid": openid,
                                             "scope": "snsapi_base"})  # fmt: skip
        return self.reply(handler, 404, {})

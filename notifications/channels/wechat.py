"""WeChat mini-program subscribe messages (subscribeMessage.send): a stable access token from
/cgi-bin/token (cached until shortly before it expires, renewed on 40001/42001), then
POST /cgi-bin/message/subscribe/send?access_token=… with touser, template_id, page, data."""

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from .base import Channel, Delivery, DeliveryResult, Outcome

TOKEN_EXPIRED = {40001, 40014, 42001}
PERMANENT = {
    40003: "invalid openid",
    40037: "invalid template_id",
    41030: "invalid page",
    43004: "the user does not follow the official account",
    43101: "the user did not subscribe to this message",
    47003: "template data does not fit the template",
}


class WeChatSubscribe(Channel):
    name = "wechat"

    def __init__(self, *, app_id: str, app_secret: str, templates: dict, page: str = "pages/index/index",
                 api_base: str = "https://api.weixin.qq.com", timeout: float = 5.0):  # fmt: skip
        self.app_id = app_id
        self.app_secret = app_secret
        self.templates = templates  # event → (template_id, {field: param name})
        self.page = page
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def _call(self, url: str, payload: dict | None = None) -> dict:
        data = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read().decode() or "{}")

    def access_token(self, *, renew: bool = False) -> str:
        with self._lock:
            if self._token and not renew and self._token[1] > time.monotonic():
                return self._token[0]
            query = urllib.parse.urlencode(
                {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
            )
            body = self._call(f"{self.api_base}/cgi-bin/token?{query}")
            if "access_token" not in body:
                raise PermissionError(f"{body.get('errcode')}: {body.get('errmsg')}")
            lifetime = int(body.get("expires_in", 7200))
            self._token = (body["access_token"], time.monotonic() + max(60, lifetime - 300))
            return self._token[0]

    def build_payload(self, delivery: Delivery) -> dict:
        template_id, fields = self.templates[delivery.event]
        values = {"title": delivery.title, "body": delivery.body, **delivery.params}
        return {
            "touser": delivery.address,
            "template_id": template_id,
            "page": f"{self.page}?url={urllib.parse.quote(delivery.url)}"
            if delivery.url
            else self.page,
            "miniprogram_state": "formal",
            "lang": "zh_CN",
            # Each template field takes at most 20 characters of `thing` data.
            "data": {
                field: {"value": str(values.get(param, ""))[:20]} for field, param in fields.items()
            },
        }

    send_path = "/cgi-bin/message/subscribe/send"

    def send(self, delivery: Delivery) -> DeliveryResult:
        if delivery.event not in self.templates:
            return DeliveryResult(Outcome.FAILED, f"no WeChat template for {delivery.event}")
        payload = self.build_payload(delivery)
        try:
            for attempt in range(2):
                token = self.access_token(renew=attempt > 0)
                url = f"{self.api_base}{self.send_path}?access_token={urllib.parse.quote(token)}"
                body = self._call(url, payload)
                code = int(body.get("errcode", 0))
                if code not in TOKEN_EXPIRED:
                    break
        except PermissionError as exc:
            return DeliveryResult(Outcome.RETRY, f"token: {exc}"[:300])
        except urllib.error.HTTPError as exc:
            return DeliveryResult(Outcome.RETRY, f"HTTP {exc.code}")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            return DeliveryResult(Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300])
        if code == 0:
            return DeliveryResult(Outcome.SENT, provider_id=str(body.get("msgid", "")))
        detail = f"{code}: {body.get('errmsg', '')}"[:300]
        return DeliveryResult(Outcome.FAILED if code in PERMANENT else Outcome.RETRY, detail)


class WeChatTemplate(WeChatSubscribe):
    """The official account's template messages (/cgi-bin/message/template/send): the channel
    for openids bound through the official account's web authorisation (`wechat_web`), which
    are the official account's and mean nothing to a mini-program. The link opens our page."""

    send_path = "/cgi-bin/message/template/send"

    def __init__(self, *, site_url: str = "", **options):
        options.pop("page", None)
        super().__init__(**options)
        if not site_url:
            from django.conf import settings

            site_url = getattr(settings, "SITE_URL", "")
        self.site_url = site_url.rstrip("/")

    def build_payload(self, delivery: Delivery) -> dict:
        template_id, fields = self.templates[delivery.event]
        values = {"title": delivery.title, "body": delivery.body, **delivery.params}
        payload = {
            "touser": delivery.address,
            "template_id": template_id,
            "data": {field: {"value": str(values.get(param, ""))[:20]} for field, param in fields.items()},
        }  # fmt: skip
        if delivery.url and self.site_url:
            payload["url"] = f"{self.site_url}{delivery.url}"
        return payload

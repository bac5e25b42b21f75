"""Binding a WeChat account through the official account's web authorisation (网页授权).

The person, inside WeChat, taps "绑定微信" on their notification settings; we redirect to
open.weixin.qq.com/connect/oauth2/authorize with scope snsapi_base (silent: no consent page)
and a `state` that only this session of this user can bring back; WeChat returns to our
callback with a one-time `code`, which we exchange for the person's openid at
`{api_base}/sns/oauth2/access_token`. The openid is the address of the WeChat channel.

Configured by the same environment as the WeChat channel (WECHAT_BACKEND=wechat,
WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_API_BASE); without it the county has not enabled
WeChat and the settings page says so. The callback address must be inside the domain set as
the official account's 网页授权域名.
"""

import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
STATE_LIFETIME = 600  # seconds between tapping "bind" and WeChat sending the person back
SESSION_KEY = "wechat_bind_nonce"
_SALT = "notifications.wechat_web.state"


@dataclass(frozen=True)
class WebAuthConfig:
    app_id: str
    app_secret: str
    api_base: str
    authorize_url: str
    timeout: float


class WeChatAnswerError(Exception):
    """WeChat refused the exchange (its errcode; -1 for an answer without an openid) or could
    not be reached (errcode 0)."""

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


def config() -> WebAuthConfig | None:
    """The official account's credentials, or None when the county has not enabled WeChat."""
    spec = settings.NOTIFICATION_CHANNELS.get("wechat") or {}
    options = spec.get("options") or {}
    if not options.get("app_id") or not options.get("app_secret"):
        return None
    return WebAuthConfig(
        app_id=options["app_id"],
        app_secret=options["app_secret"],
        api_base=options.get("api_base", "https://api.weixin.qq.com").rstrip("/"),
        authorize_url=options.get("authorize_url", AUTHORIZE_URL),
        timeout=float(options.get("timeout", 5.0)),
    )


def _signature(user_id: int, issued: str, nonce: str) -> str:
    return salted_hmac(_SALT, f"{user_id}:{issued}:{nonce}", algorithm="sha256").hexdigest()[:32]


def make_state(session, user) -> str:
    """A state of letters and digits (what WeChat passes back unchanged, at most 128 bytes):
    when it was issued, a nonce kept in this session, and a signature over the user's id."""
    issued = format(int(time.time()), "x")
    nonce = secrets.token_hex(8)
    session[SESSION_KEY] = nonce
    return f"{issued}g{nonce}g{_signature(user.pk, issued, nonce)}"


def check_state(session, user, state: str) -> bool:
    """True once for the state made for this user in this session within its lifetime."""
    expected_nonce = session.pop(SESSION_KEY, None)
    parts = state.split("g") if isinstance(state, str) and len(state) <= 128 else []
    if len(parts) != 3 or not expected_nonce:
        return False
    issued, nonce, signature = parts
    try:
        age = time.time() - int(issued, 16)
    except ValueError:
        return False
    return (
        0 <= age <= STATE_LIFETIME
        and constant_time_compare(nonce, expected_nonce)
        and constant_time_compare(signature, _signature(user.pk, issued, nonce))
    )


def authorize_url(conf: WebAuthConfig, *, redirect_uri: str, state: str) -> str:
    query = urllib.parse.urlencode(
        {
            "appid": conf.app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    # WeChat wants the parameters in this order and the fragment at the end.
    return f"{conf.authorize_url}?{query}#wechat_redirect"


def exchange_code(conf: WebAuthConfig, code: str) -> str:
    """The openid of the person who was given `code`; WeChatAnswerError otherwise."""
    query = urllib.parse.urlencode(
        {
            "appid": conf.app_id,
            "secret": conf.app_secret,
            "code": code,
            "grant_type": "authorization_code",
        }
    )
    url = f"{conf.api_base}/sns/oauth2/access_token?{query}"
    try:
        # The endpoint comes from settings (WECHAT_API_BASE), never from the request.
        with urllib.request.urlopen(url, timeout=conf.timeout) as response:  # noqa: S310
            body = json.loads(response.read().decode() or "{}")
    except urllib.error.HTTPError as exc:
        raise WeChatAnswerError(0, f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise WeChatAnswerError(0, type(exc).__name__) from None
    if not isinstance(body, dict):
        raise WeChatAnswerError(0, "unexpected answer")
    errcode = body.get("errcode") or 0
    openid = body.get("openid")
    if errcode or not isinstance(openid, str) or not 1 <= len(openid) <= 64:
        number = int(errcode) if str(errcode).lstrip("-").isdigit() and errcode else -1
        raise WeChatAnswerError(number, str(body.get("errmsg", ""))[:200])
    return openid

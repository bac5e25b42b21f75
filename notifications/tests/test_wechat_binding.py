"""Issue 11 item 2: binding WeChat through the official account's web authorisation
(网页授权): the redirect to WeChat, the callback exchanging the code for the openid at a local
stand-in for WeChat's servers, unbinding, the audit trail, and the refusals (a forged, expired
or someone else's state; WeChat's errors) as clear Chinese messages, never a 500."""

import socket
import time
import urllib.parse

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from core.models import AuditLog
from core.tests.browser import WECHAT_UA
from notifications import wechat_web
from notifications.models import Event, NotificationPreference, OutboxMessage
from notifications.services import notify

pytestmark = pytest.mark.django_db

SETTINGS = "/inbox/settings/"
BIND = "/inbox/settings/wechat/bind/"
CALLBACK = "/inbox/settings/wechat/callback/"
UNBIND = "/inbox/settings/wechat/unbind/"
OPENID = "oWx1234567890abcdefSecretary"


def phone_client(user) -> Client:
    client = Client(headers={"User-Agent": WECHAT_UA})
    client.force_login(user)
    return client


def start_binding(client) -> tuple[dict, str]:
    """Tap "绑定微信": where WeChat is asked to send the person, and the state it carries."""
    response = client.get(BIND)
    assert response.status_code == 302
    location = response["Location"]
    base, _sep, fragment = location.partition("#")
    url = urllib.parse.urlsplit(base)
    assert (url.scheme, url.netloc, url.path) == ("https", "open.weixin.qq.com", "/connect/oauth2/authorize")  # fmt: skip
    assert fragment == "wechat_redirect"
    query = dict(urllib.parse.parse_qsl(url.query))
    return query, query["state"]


def come_back(client, *, code: str, state: str):
    """WeChat sends the browser back with a code and our state."""
    return client.get(CALLBACK, {"code": code, "state": state})


def flashed(response) -> list[str]:
    """The message this response added (earlier ones may wait unread in the session)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def preference(user) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first()


def test_without_configuration_the_page_says_the_county_has_not_enabled_wechat(world):
    client = phone_client(world.secretary)
    html = client.get(SETTINGS).content.decode()
    assert "本县尚未开通微信通知" in html
    assert 'data-testid="wechat-bind"' not in html
    response = client.get(BIND)
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert flashed(response) == ["本县尚未开通微信通知。"]
    response = come_back(client, code="c", state="s")
    assert response.status_code == 302 and not preference(world.secretary)


def test_binding_asks_wechat_and_stores_the_openid(world, wechat):
    client = phone_client(world.secretary)
    html = client.get(SETTINGS).content.decode()
    assert 'data-testid="wechat-bind"' in html and "本县尚未开通" not in html
    query, state = start_binding(client)
    assert query["appid"] == "wxapp"
    assert query["redirect_uri"].endswith(CALLBACK)
    assert (query["response_type"], query["scope"]) == ("code", "snsapi_base")
    assert state.isalnum() and len(state) <= 128
    wechat.codes["CODE1"] = OPENID

    response = come_back(client, code="CODE1", state=state)

    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert flashed(response) == ["微信已绑定：消息也会通过微信发给您。"]
    saved = preference(world.secretary)
    assert (saved.wechat_openid, saved.by_wechat) == (OPENID, True)
    [exchange] = [r for r in wechat.requests if r["path"] == "/sns/oauth2/access_token"]
    assert exchange["query"] == {"appid": "wxapp", "secret": "wxsecret", "code": "CODE1",
                                 "grant_type": "authorization_code"}  # fmt: skip
    entry = AuditLog.objects.get(action="notification_preference.wechat_bind")
    assert entry.actor == world.secretary and entry.after == {
        "wechat": "oWx1****tary",
        "by_wechat": True,
    }
    assert OPENID not in str(entry.before) + str(entry.after)  # masked in the log
    html = client.get(SETTINGS).content.decode()
    assert "oWx1****tary" in html and OPENID not in html
    # From now on messages also go to this WeChat account.
    notify(recipients=[world.secretary], event=Event.BOOKING_ACCEPTED,
           facts={"lecturer": "张三丰", "course": "乡村振兴", "when": "12月3日"})  # fmt: skip
    assert OutboxMessage.objects.filter(channel="wechat", address=OPENID).exists()


def test_unbinding_forgets_the_account_and_is_audited(world, wechat):
    client = phone_client(world.secretary)
    _query, state = start_binding(client)
    wechat.codes["CODE1"] = OPENID
    come_back(client, code="CODE1", state=state)
    assert client.get(UNBIND).status_code == 405
    response = client.post(UNBIND)
    assert response.status_code == 302
    assert flashed(response) == ["已解除微信绑定：不再通过微信接收消息。"]
    saved = preference(world.secretary)
    assert (saved.wechat_openid, saved.by_wechat) == ("", False)
    entry = AuditLog.objects.get(action="notification_preference.wechat_unbind")
    assert entry.before == {"wechat": "oWx1****tary", "by_wechat": True}
    response = client.post(UNBIND)  # nothing bound any more
    assert response.status_code == 302 and flashed(response) == ["尚未绑定微信。"]


@pytest.mark.parametrize("tamper", ["forged", "expired", "garbage", "missing", "replayed"])
def test_a_bad_state_binds_nothing(world, wechat, tamper):
    client = phone_client(world.secretary)
    _query, state = start_binding(client)
    wechat.codes["CODE1"] = OPENID
    if tamper == "forged":
        issued, nonce, signature = state.split("g")
        state = f"{issued}g{nonce}g{'0' * len(signature)}"
    elif tamper == "expired":
        session = client.session
        nonce = session[wechat_web.SESSION_KEY]
        issued = format(int(time.time()) - wechat_web.STATE_LIFETIME - 5, "x")
        state = f"{issued}g{nonce}g{wechat_web._signature(world.secretary.pk, issued, nonce)}"
    elif tamper == "garbage":
        state = "x" * 5000
    elif tamper == "missing":
        state = ""
    elif tamper == "replayed":
        come_back(client, code="CODE1", state=state)
        NotificationPreference.objects.filter(user=world.secretary).delete()
        wechat.codes["CODE2"] = OPENID
    response = come_back(client, code="CODE2" if tamper == "replayed" else "CODE1", state=state)
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert flashed(response) == ["绑定链接已过期或不属于当前账号，请重新点击“绑定微信”。"]
    assert not preference(world.secretary)
    exchanges = [r for r in wechat.requests if r["path"] == "/sns/oauth2/access_token"]
    assert len(exchanges) == (1 if tamper == "replayed" else 0)  # the code was never sent


def test_wechat_errors_are_told_in_chinese(world, wechat):
    client = phone_client(world.secretary)
    _query, state = start_binding(client)
    response = come_back(client, code="NOT-ISSUED", state=state)  # WeChat answers 40029
    assert response.status_code == 302
    assert flashed(response) == ["微信没有接受这次授权（错误码 40029），请重新点击“绑定微信”。"]
    assert not preference(world.secretary)


def test_a_misconfigured_secret_is_told_in_chinese(world, wechat, settings):
    settings.NOTIFICATION_CHANNELS["wechat"]["options"]["app_secret"] = "wrong"
    client = phone_client(world.secretary)
    _query, state = start_binding(client)
    wechat.codes["CODE1"] = OPENID
    response = come_back(client, code="CODE1", state=state)
    assert flashed(response) == [
        "微信拒绝了绑定（错误码 40125），请重试；如果一直这样，请告诉县里的管理员。"
    ]
    assert not preference(world.secretary)


def test_wechat_out_of_reach_is_told_in_chinese(world, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "wechat": {"class": "notifications.channels.wechat.WeChatSubscribe",
                   "options": {"app_id": "wxapp", "app_secret": "wxsecret", "templates": {},
                               "api_base": f"http://127.0.0.1:{port}", "timeout": 1.0}},
    }  # fmt: skip
    client = phone_client(world.secretary)
    _query, state = start_binding(client)
    response = come_back(client, code="CODE1", state=state)
    assert flashed(response) == ["暂时连不上微信，请稍后再试。"]
    assert not preference(world.secretary)


def test_an_outsider_cannot_bind_an_openid_to_another_user(world, wechat):
    """The outsider (another county's lecturer) gets the secretary's state and a code for their
    own WeChat: neither lets them write on the secretary's account, nor take her WeChat."""
    victim = phone_client(world.secretary)
    _query, victims_state = start_binding(victim)
    outsider = phone_client(world.lecturer_b.user)
    start_binding(outsider)  # the outsider's own session has a nonce of its own
    wechat.codes["OUTSIDER"] = "oOutsiderOpenid0000001"
    response = come_back(outsider, code="OUTSIDER", state=victims_state)
    assert flashed(response) == ["绑定链接已过期或不属于当前账号，请重新点击“绑定微信”。"]
    assert not preference(world.secretary) and not preference(world.lecturer_b.user)
    # The victim binds; the outsider, with a valid state of their own, brings the victim's
    # openid (a code WeChat issued for it): one WeChat account belongs to one account here.
    wechat.codes["CODE1"] = OPENID
    come_back(victim, code="CODE1", state=victims_state)
    _query, own_state = start_binding(outsider)
    wechat.codes["STOLEN"] = OPENID
    response = come_back(outsider, code="STOLEN", state=own_state)
    assert flashed(response) == ["这个微信号已绑定本平台的另一个账号，请先在那个账号中解除绑定。"]
    assert preference(world.secretary).wechat_openid == OPENID
    assert not preference(world.lecturer_b.user)


def test_binding_needs_a_login(world, wechat):
    anonymous = Client()
    for response in (anonymous.get(BIND), anonymous.get(CALLBACK, {"code": "c", "state": "s"})):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert anonymous.post(UNBIND).status_code == 302
    assert not NotificationPreference.objects.exists()


def test_odd_callback_input_never_fails(world, wechat):
    client = phone_client(world.secretary)
    for params in ({}, {"code": "x" * 5000}, {"state": "g" * 10}, {"code": "\x00", "state": "gg"}):
        assert client.get(CALLBACK, params).status_code in (302, 400)
    _query, state = start_binding(client)
    response = client.get(CALLBACK, {"state": state})  # WeChat sent no code
    assert flashed(response) == ["微信没有授权这次绑定，请重试。"]

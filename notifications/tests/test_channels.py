"""Our side of each provider's wire format, against local fake servers and a real SMTP server."""

import json
import socket

import pytest

from notifications.channels.aliyun_sms import AliyunSms, sign
from notifications.channels.base import Delivery, Outcome
from notifications.channels.email import Email
from notifications.channels.wechat import WeChatSubscribe, WeChatTemplate

from .fakes import FakeAliyunSms, FakeWeChat

DELIVERY = Delivery(
    key="booking:1:7:sms",
    event="booking_requested",
    address="13800138000",
    title="新的约课请求",
    body="【讲台】东村党支部邀请您12月3日授课，请登录平台接单。",
    url="/bookings/1/",
    params={"org": "东村党支部", "when": "12月3日 09:00"},
)


def test_the_signature_matches_the_providers_documented_example():
    """The example request and signature of Alibaba Cloud's SMS signing documentation."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sign(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def sms(fake, **kw):
    return AliyunSms(
        access_key_id="ak", access_key_secret="sk", sign_name="讲台",
        templates={"booking_requested": "SMS_1"}, endpoint=f"{fake.url}/", timeout=kw.get("timeout", 1.0),
    )  # fmt: skip


def test_an_sms_is_signed_and_sent():
    with FakeAliyunSms("sk") as fake:
        result = sms(fake).send(DELIVERY)
    assert result.outcome == Outcome.SENT and result.provider_id == "biz1"
    [request] = fake.requests
    assert request["PhoneNumbers"] == "13800138000"
    assert request["TemplateCode"] == "SMS_1" and request["SignName"] == "讲台"
    assert json.loads(request["TemplateParam"]) == DELIVERY.params
    assert request["OutId"] == DELIVERY.key


def test_a_wrong_secret_is_refused_by_the_provider():
    with FakeAliyunSms("another-secret") as fake:
        result = sms(fake).send(DELIVERY)
    assert result.outcome == Outcome.FAILED and "SignatureDoesNotMatch" in result.detail


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ("isv.MOBILE_NUMBER_ILLEGAL", Outcome.FAILED),
        ("isv.SMS_TEMPLATE_ILLEGAL", Outcome.FAILED),
        ("isv.BUSINESS_LIMIT_CONTROL", Outcome.RETRY),
        ("isp.SYSTEM_ERROR", Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        ("timeout", Outcome.RETRY),
    ],
)
def test_provider_errors_map_to_retry_or_failure(answer, outcome):
    with FakeAliyunSms("sk") as fake:
        fake.script = [answer]
        result = sms(fake, timeout=0.5).send(DELIVERY)
    assert result.outcome == outcome, result
    assert result.detail


def test_an_unknown_event_has_no_template():
    with FakeAliyunSms("sk") as fake:
        result = sms(fake).send(Delivery(**{**DELIVERY.__dict__, "event": "other"}))
    assert result.outcome == Outcome.FAILED and not fake.requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_closed_port_is_a_retry():
    port = free_port()
    channel = AliyunSms(access_key_id="a", access_key_secret="b", sign_name="c",
                        templates={"booking_requested": "T"}, endpoint=f"http://127.0.0.1:{port}/")  # fmt: skip
    assert channel.send(DELIVERY).outcome == Outcome.RETRY


def wechat(fake, secret="wxsecret"):
    return WeChatSubscribe(
        app_id="wxapp", app_secret=secret, api_base=fake.url,
        templates={"booking_requested": ["TPL1", {"thing1": "title", "thing2": "org", "time3": "when"}]},
    )  # fmt: skip


def test_a_wechat_message_fetches_a_token_and_sends_the_template():
    with FakeWeChat() as fake:
        channel = wechat(fake)
        first = channel.send(Delivery(**{**DELIVERY.__dict__, "address": "openid-1"}))
        second = channel.send(Delivery(**{**DELIVERY.__dict__, "address": "openid-2"}))
    assert first.outcome == second.outcome == Outcome.SENT
    assert fake.tokens_issued == 1  # cached between sends
    body = fake.requests[1]["body"]
    assert body["touser"] == "openid-1" and body["template_id"] == "TPL1"
    assert body["data"]["thing2"] == {"value": "东村党支部"}
    assert all(len(v["value"]) <= 20 for v in body["data"].values())
    assert body["page"].startswith("pages/index/index?url=")


def test_an_expired_token_is_renewed_once():
    with FakeWeChat() as fake:
        channel = wechat(fake)
        assert (
            channel.send(Delivery(**{**DELIVERY.__dict__, "address": "o"})).outcome == Outcome.SENT
        )
        fake.valid_token = "rotated-by-wechat"
        result = channel.send(Delivery(**{**DELIVERY.__dict__, "address": "o"}))
    assert result.outcome == Outcome.SENT and fake.tokens_issued == 2


@pytest.mark.parametrize(
    ("code", "outcome"), [(43101, Outcome.FAILED), (47003, Outcome.FAILED), (45009, Outcome.RETRY)]
)
def test_wechat_errors_map_to_retry_or_failure(code, outcome):
    with FakeWeChat() as fake:
        fake.script = [code]
        result = wechat(fake).send(Delivery(**{**DELIVERY.__dict__, "address": "o"}))
    assert result.outcome == outcome and str(code) in result.detail


def test_a_wrong_app_secret_is_a_retry_with_the_reason():
    with FakeWeChat() as fake:
        result = wechat(fake, secret="nope").send(Delivery(**{**DELIVERY.__dict__, "address": "o"}))
    assert result.outcome == Outcome.RETRY and "40125" in result.detail


# --- e-mail over a real SMTP server on loopback (aiosmtpd) -------------------------------------


class Mailbox:
    def __init__(self, refuse: str = ""):
        self.messages = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and address == self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    from aiosmtpd.controller import Controller

    mailbox = Mailbox(refuse="nobody@example.org")
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield mailbox
    controller.stop()


def test_an_email_goes_through_smtp(smtp):
    result = Email().send(Delivery(**{**DELIVERY.__dict__, "address": "lecturer@example.org"}))
    assert result.outcome == Outcome.SENT
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["lecturer@example.org"]
    text = envelope.content.decode()
    assert "Message-ID: <booking:1:7:sms@jiangtai>" in text
    assert "/bookings/1/" in text


def test_a_refused_recipient_fails_for_good(smtp):
    result = Email().send(Delivery(**{**DELIVERY.__dict__, "address": "nobody@example.org"}))
    assert result.outcome == Outcome.FAILED and "refused" in result.detail
    assert not smtp.messages


def test_an_smtp_server_that_is_down_is_a_retry(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    result = Email().send(Delivery(**{**DELIVERY.__dict__, "address": "a@example.org"}))
    assert result.outcome == Outcome.RETRY


def test_the_official_account_sends_a_template_message_linking_to_our_page():
    """Openids bound through the official account's web authorisation get its template
    messages (issue 11): the link opens the platform's page, not a mini-program page."""
    with FakeWeChat() as fake:
        channel = WeChatTemplate(
            app_id="wxapp", app_secret="wxsecret", api_base=fake.url, site_url="https://jt.example.gov.cn",
            templates={"booking_requested": ["TPL9", {"first": "title", "keyword1": "org"}]},
        )  # fmt: skip
        result = channel.send(Delivery(**{**DELIVERY.__dict__, "address": "oWx-bound"}))
        fake.script = [43004]  # the person no longer follows the official account
        refused = channel.send(Delivery(**{**DELIVERY.__dict__, "address": "oWx-bound"}))
    assert result.outcome == Outcome.SENT and refused.outcome == Outcome.FAILED
    send = fake.requests[1]
    assert send["path"] == "/cgi-bin/message/template/send"
    body = send["body"]
    assert (body["touser"], body["template_id"]) == ("oWx-bound", "TPL9")
    assert body["url"] == f"https://jt.example.gov.cn{DELIVERY.url}"
    assert body["data"]["keyword1"] == {"value": "东村党支部"} and "page" not in body

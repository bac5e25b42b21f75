"""A new mobile number or e-mail address is used only once the code sent to it is entered:
the code goes through the outbox to the new number (SMS) or address (real SMTP), expires,
allows a few wrong tries, is used once even when entered twice at once, and is pruned."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from conftest import run_in_threads
from core.errors import InvalidInput
from notifications import contact_change
from notifications.contact_change import MAX_ATTEMPTS, contact_change_confirm
from notifications.models import ContactChange, ContactChangeStatus, OutboxMessage
from notifications.services import notification_preference_update
from notifications.tests.test_channels import smtp  # noqa: F401  the loopback SMTP server

pytestmark = pytest.mark.django_db

OFF = {"by_sms": False, "by_wechat": False, "by_email": False}


def _request(user, **kwargs):
    return notification_preference_update(actor=user, **{**OFF, **kwargs})


def _code(user, kind):
    change = ContactChange.objects.filter(user=user, kind=kind).latest("pk")
    return OutboxMessage.objects.get(key=f"contact:{change.pk}").params["code"]


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_code_goes_by_sms_to_the_new_number_only(world):
    _request(world.secretary, phone="13911112345")
    [message] = OutboxMessage.objects.filter(event="contact_code")
    assert (message.channel, message.address) == ("sms", "13911112345")
    code = message.params["code"]
    assert len(code) == 6 and code.isdigit() and code in message.body
    assert ContactChange.objects.get().code_digest != code  # only a digest is stored
    assert User.objects.get(pk=world.secretary.pk).phone == "13900000002"


def test_the_code_for_an_address_goes_by_real_email(world, settings, smtp):  # noqa: F811
    """Through the outbox, the e-mail channel and a real SMTP server on loopback."""
    from notifications import outbox

    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS,
                                      "email": {"class": "notifications.channels.email.Email"}}  # fmt: skip
    outbox.get_channel.cache_clear()
    try:
        _request(world.secretary, email="li@example.com")
        code = _code(world.secretary, "email")
        outbox.deliver_due()
    finally:
        outbox.get_channel.cache_clear()
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["li@example.com"] and code in envelope.content.decode()
    message = OutboxMessage.objects.get(event="contact_code")
    assert message.status == "sent" and code not in message.body  # forgotten once sent
    assert User.objects.get(pk=world.secretary.pk).email == ""


def test_a_wrong_code_counts_and_too_many_end_the_request(world):
    _request(world.secretary, phone="13911112345")
    code = _code(world.secretary, "phone")
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(InvalidInput):
            contact_change_confirm(actor=world.secretary, kind="phone", code=_wrong(code))
    assert ContactChange.objects.get().status == ContactChangeStatus.FAILED
    with pytest.raises(InvalidInput):
        contact_change_confirm(actor=world.secretary, kind="phone", code=code)
    assert User.objects.get(pk=world.secretary.pk).phone == "13900000002"


def test_an_expired_code_is_refused(world):
    _request(world.secretary, phone="13911112345")
    code = _code(world.secretary, "phone")
    ContactChange.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidInput):
        contact_change_confirm(actor=world.secretary, kind="phone", code=code)
    assert User.objects.get(pk=world.secretary.pk).phone == "13900000002"


def test_a_new_request_replaces_the_old_code(world):
    _request(world.secretary, phone="13911112345")
    first = _code(world.secretary, "phone")
    _request(world.secretary, phone="13911119876")
    second = _code(world.secretary, "phone")
    if first != second:
        with pytest.raises(InvalidInput):
            contact_change_confirm(actor=world.secretary, kind="phone", code=first)
    contact_change_confirm(actor=world.secretary, kind="phone", code=second)
    assert User.objects.get(pk=world.secretary.pk).phone == "13911119876"
    assert ContactChange.objects.filter(status=ContactChangeStatus.SUPERSEDED).count() == 1


def test_another_persons_code_does_nothing_for_me(world):
    _request(world.secretary, phone="13911112345")
    code = _code(world.secretary, "phone")
    with pytest.raises(InvalidInput):
        contact_change_confirm(actor=world.outsider, kind="phone", code=code)
    assert User.objects.get(pk=world.outsider.pk).phone == ""


def test_the_confirm_page_and_api_need_a_login(world, anon_api):
    assert anon_api.post("/api/v1/me/contact/confirm", {"kind": "phone", "code": "123456"}).status_code == 401  # fmt: skip
    response = Client().post("/inbox/settings/confirm/", {"kind": "phone", "code": "123456"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bad_input_is_422_naming_the_field(world, api_as):
    api = api_as(world.secretary)
    for body, field in (({"kind": "phone", "code": "12ab56"}, "code"), ({"kind": "phone", "code": "123456"}, "code")):  # fmt: skip
        response = api.post("/api/v1/me/contact/confirm", body)
        assert response.status_code == 422 and field in response.json()["fields"]
    assert api.post("/api/v1/me/contact/confirm", {"kind": "fax", "code": "123456"}).status_code == 422  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_code_entered_twice_at_once_is_used_once(world):
    from core.models import AuditLog

    _request(world.secretary, phone="13911112345")
    code = _code(world.secretary, "phone")

    def enter(_i):
        secretary = User.objects.get(pk=world.secretary.pk)
        try:
            contact_change_confirm(actor=secretary, kind="phone", code=code)
            return "ok"
        except Exception as exc:
            return type(exc).__name__

    results = run_in_threads(enter, 4)
    assert results.count("ok") == 1, results
    assert AuditLog.objects.filter(action="user.contact_change").count() == 1
    assert User.objects.get(pk=world.secretary.pk).phone == "13911112345"


def test_prune_removes_only_requests_dead_for_a_day(world):
    _request(world.secretary, phone="13911112345")
    _request(world.town_admin, phone="13911112346")
    ContactChange.objects.filter(user=world.secretary).update(
        expires_at=timezone.now() - timedelta(days=2)
    )
    assert contact_change.prune() == 1
    assert list(ContactChange.objects.values_list("user_id", flat=True)) == [world.town_admin.pk]

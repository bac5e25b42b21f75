"""Notification settings (issue 4): people choose their channels; SMS needs a mainland mobile
on the account, e-mail a valid address, WeChat a bound account. The service, the page
/inbox/settings/ and the API /api/v1/me/notifications; nobody edits anyone else's."""

import json
import re
from unittest import mock

import pytest
from django.db import IntegrityError

from accounts.models import User
from core.errors import InvalidInput, NotAuthenticated
from core.models import AuditLog
from core.tests.factories import make_user
from notifications.models import NotificationPreference
from notifications.services import notification_preference_update

pytestmark = pytest.mark.django_db

API = "/api/v1/me/notifications"
CHANNELS_OFF = {"by_sms": False, "by_wechat": False, "by_email": False}


def sent_code(user, kind: str) -> str:
    """The code queued for the user's latest request (the outbox keeps it until delivered)."""
    from notifications.models import ContactChange, OutboxMessage

    change = ContactChange.objects.filter(user=user, kind=kind).latest("pk")
    return OutboxMessage.objects.get(key=f"contact:{change.pk}").params["code"]


def confirm(user, kind: str):
    from notifications.contact_change import contact_change_confirm

    return contact_change_confirm(actor=user, kind=kind, code=sent_code(user, kind))


def update(actor, **kwargs):
    return notification_preference_update(actor=actor, **{**CHANNELS_OFF, **kwargs})


def refused(actor, **kwargs) -> dict:
    """The field errors of a refused update; nothing may have been written."""
    users_before = list(User.objects.order_by("pk").values_list("pk", "phone", "email"))
    with pytest.raises(InvalidInput) as caught:
        update(actor, **kwargs)
    assert list(User.objects.order_by("pk").values_list("pk", "phone", "email")) == users_before
    assert not NotificationPreference.objects.filter(user=actor).exists()
    assert not AuditLog.objects.filter(action="notification_preference.update").exists()
    return {name: str(message) for name, message in caught.value.fields.items()}


def preference_of(user) -> NotificationPreference:
    return NotificationPreference.objects.get(user=user)


def put(client, user, body):
    """PUT through the API with a real bearer token."""
    from accounts.services import api_token_issue

    return client.put(
        API,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_token_issue(user=user)}"},
    )


# --- the service ----------------------------------------------------------------------------------


def test_it_refuses_sms_without_a_phone(world):
    assert world.town_admin.phone == ""
    fields = refused(world.town_admin, by_sms=True)
    assert set(fields) == {"phone"} and "短信" in fields["phone"]


def test_it_refuses_sms_when_the_phone_is_removed(world):
    fields = refused(world.secretary, by_sms=True, phone="")
    assert set(fields) == {"phone"}


def test_it_refuses_a_phone_another_account_has(world):
    fields = refused(world.town_admin, by_sms=True, phone=world.secretary.phone)
    assert fields == {"phone": "该手机号码已注册账号。"}
    assert User.objects.get(pk=world.town_admin.pk).phone == ""


def test_it_refuses_a_phone_that_is_another_accounts_login_name(world):
    """The login takes a phone in place of the user name: the number would open two accounts."""
    make_user("13711112222")
    fields = refused(world.town_admin, by_sms=True, phone="13711112222")
    assert set(fields) == {"phone"}


def test_it_refuses_a_twelve_digit_phone(world):
    fields = refused(world.town_admin, by_sms=True, phone="139000000011")
    assert fields == {"phone": "请输入11位中国大陆手机号码。"}
    # Also when SMS stays off: a number on the account must be a real one.
    assert set(refused(world.town_admin, phone="139000000011")) == {"phone"}


def test_it_refuses_sms_to_an_invalid_number_already_on_the_account(world):
    User.objects.filter(pk=world.town_admin.pk).update(phone="12345")
    world.town_admin.refresh_from_db()
    assert set(refused(world.town_admin, by_sms=True)) == {"phone"}


def test_it_refuses_an_invalid_email(world):
    fields = refused(world.secretary, by_email=True, email="zhang@")
    assert set(fields) == {"email"} and "电子邮件" in fields["email"]
    assert set(refused(world.secretary, email="no address")) == {"email"}


def test_it_refuses_email_without_an_address(world):
    assert world.secretary.email == ""
    assert set(refused(world.secretary, by_email=True)) == {"email"}


def test_it_refuses_wechat_without_a_bound_account(world, wechat):
    fields = refused(world.secretary, by_wechat=True)
    assert set(fields) == {"by_wechat"} and "绑定微信" in fields["by_wechat"]


def test_it_refuses_wechat_where_the_county_has_not_enabled_it(world):
    fields = refused(world.secretary, by_wechat=True)
    assert fields == {"by_wechat": "本县尚未开通微信通知。"}


def test_it_names_every_bad_field_at_once(world):
    fields = refused(
        world.town_admin, by_sms=True, by_email=True, by_wechat=True, email="x", phone=""
    )
    assert set(fields) == {"phone", "email", "by_wechat"}


def test_wechat_can_be_turned_on_once_bound(world):
    NotificationPreference.objects.create(user=world.secretary, wechat_openid="oABC123")
    update(world.secretary, by_wechat=True)
    assert preference_of(world.secretary).by_wechat is True
    assert preference_of(world.secretary).wechat_openid == "oABC123"


def test_a_change_is_written_and_audited_with_the_phone_masked(world):
    user = world.town_admin
    preference = update(
        user, by_sms=True, by_email=True, phone="+86 139 1111 2222", email="wang@example.com"
    )
    user.refresh_from_db()
    assert (user.phone, user.email) == ("", "")  # each waits for its code
    assert preference.pending_contacts == ["email", "phone"]
    confirm(user, "phone")
    confirm(user, "email")
    user.refresh_from_db()
    assert (user.phone, user.email) == ("13911112222", "wang@example.com")
    saved = preference_of(user)
    assert saved.pk == preference.pk
    assert (saved.by_sms, saved.by_wechat, saved.by_email) == (True, False, True)
    [entry] = AuditLog.objects.filter(action="notification_preference.update")
    assert entry.actor == user and entry.object_id == str(saved.pk)
    assert entry.county_id == world.county.pk
    assert entry.before == {"by_sms": True, "by_wechat": False, "by_email": False,
                            "phone": "", "email": ""}  # fmt: skip
    assert entry.after == {"by_sms": True, "by_wechat": False, "by_email": True,
                           "phone": "", "email": ""}  # fmt: skip
    changes = AuditLog.objects.filter(action="user.contact_change").order_by("pk")
    assert [c.after for c in changes] == [{"phone": "139****2222"}, {"email": "w***@example.com"}]
    logged = json.dumps([[e.before, e.after] for e in AuditLog.objects.all()])
    assert "13911112222" not in logged and "wang@example.com" not in logged


def test_a_changed_phone_is_audited_masked_on_both_sides(world):
    update(world.secretary, by_sms=True, phone="13911113333")
    confirm(world.secretary, "phone")
    entry = AuditLog.objects.get(action="user.contact_change")
    assert (entry.before["phone"], entry.after["phone"]) == ("139****0002", "139****3333")
    assert "13900000002" not in json.dumps(entry.before)


def test_turning_sms_off_keeps_the_number(world):
    update(world.secretary)
    assert preference_of(world.secretary).by_sms is False
    assert User.objects.get(pk=world.secretary.pk).phone == "13900000002"


def test_saving_the_same_choices_again_writes_no_audit_entry(world):
    update(world.secretary)
    update(world.secretary, phone="13900000002")
    assert AuditLog.objects.filter(action="notification_preference.update").count() == 1


def test_a_number_taken_while_its_code_was_on_the_way_is_refused(world):
    """Two people claiming one number: the one who confirms second is refused, and nothing
    of it is written."""
    update(world.town_admin, by_sms=True, phone="13911119999")
    User.objects.filter(pk=world.other_secretary.pk).update(phone="13911119999")
    with pytest.raises(InvalidInput) as caught:
        confirm(world.town_admin, "phone")
    assert set(caught.value.fields) == {"code"}
    assert User.objects.get(pk=world.town_admin.pk).phone == ""
    assert not AuditLog.objects.filter(action="user.contact_change").exists()


def test_a_database_error_leaves_nothing_half_written(world):
    from notifications import contact_change
    from notifications.models import ContactChange, OutboxMessage

    with (
        mock.patch.object(contact_change, "audit", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        update(world.town_admin, by_sms=True, by_email=True, email="w@example.com", phone="13911114444")  # fmt: skip
    assert User.objects.get(pk=world.town_admin.pk).phone == ""
    assert not NotificationPreference.objects.filter(user=world.town_admin).exists()
    assert not ContactChange.objects.exists() and not OutboxMessage.objects.exists()


def test_it_needs_a_logged_in_person():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        update(AnonymousUser(), by_sms=True)


def test_the_outbox_follows_the_choice(world):
    """What people choose is what `notify` queues."""
    from notifications.models import Event, OutboxMessage
    from notifications.services import notify

    NotificationPreference.objects.create(user=world.secretary, wechat_openid="oXYZ789")
    update(world.secretary, by_wechat=True, by_email=True, email="li@example.com")
    facts = {"org": "东村", "lecturer": "张三", "course": "课", "when": "12月3日", "reason": "无"}
    notify(recipients=[world.secretary], event=Event.BOOKING_DECLINED, facts=facts, key="k1")
    rows = OutboxMessage.objects.filter(recipient=world.secretary)
    assert sorted(rows.values_list("channel", "address")) == [
        ("email", "li@example.com"),
        ("wechat", "oXYZ789"),
    ]


# --- the page ----------------------------------------------------------------------------------------


def test_the_settings_page_needs_a_login(client):
    response = client.get("/inbox/settings/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/inbox/settings/", {"by_sms": "on"}).status_code == 302
    assert not NotificationPreference.objects.exists()


def test_the_inbox_links_to_the_settings(world, client):
    client.force_login(world.lecturer)
    assert 'href="/inbox/settings/"' in client.get("/inbox/").content.decode()


def test_the_page_shows_my_current_choices(world, client):
    client.force_login(world.secretary)
    html = client.get("/inbox/settings/").content.decode()
    assert re.search(r'name="by_sms"[^>]*checked', html)
    assert not re.search(r'name="by_email"[^>]*checked', html)
    assert 'value="13900000002"' in html  # the owner sees the number in full
    assert "本县尚未开通微信通知" in html  # no WeChat configured in the test settings


def test_the_page_marks_bad_fields_in_chinese_and_writes_nothing(world, client, wechat):
    client.force_login(world.town_admin)
    response = client.post(
        "/inbox/settings/",
        {"by_sms": "on", "phone": "139000000011", "by_email": "on", "email": "bad", "by_wechat": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("phone", "email", "by_wechat"):
        assert re.search(rf'class="field[^"]*has-error" id="field-{field}"', html), field
    assert "请输入11位中国大陆手机号码。" in html
    assert 'class="form-errors"' in html
    assert 'value="139000000011"' in html  # what was typed stays for correcting
    assert not NotificationPreference.objects.filter(user=world.town_admin).exists()
    assert User.objects.get(pk=world.town_admin.pk).phone == ""


def test_the_page_refuses_a_phone_someone_else_has(world, client):
    client.force_login(world.town_admin)
    response = client.post("/inbox/settings/", {"by_sms": "on", "phone": world.secretary.phone})
    assert "该手机号码已注册账号。" in response.content.decode()
    assert User.objects.get(pk=world.town_admin.pk).phone == ""


def test_the_page_saves_and_says_so(world, client):
    client.force_login(world.town_admin)
    response = client.post(
        "/inbox/settings/",
        {"by_sms": "on", "phone": "13911115555", "by_email": "on", "email": "wang@example.com"},
        follow=True,
    )
    assert response.redirect_chain == [("/inbox/settings/", 302)]
    page = response.content.decode()
    assert 'class="notice notice-success"' in page
    assert 'data-testid="confirm-phone"' in page and "139****5555" in page
    assert "13911115555" not in page.replace('value="13911115555"', "")
    user = User.objects.get(pk=world.town_admin.pk)
    assert (user.phone, user.email) == ("", "")
    wrong = client.post("/inbox/settings/confirm/", {"kind": "phone", "code": "000000"})
    if sent_code(user, "phone") != "000000":
        assert wrong.status_code == 422 and "验证码不正确" in wrong.content.decode()
    for kind in ("phone", "email"):
        done = client.post(
            "/inbox/settings/confirm/", {"kind": kind, "code": sent_code(user, kind)}
        )
        assert done.status_code == 302
    user = User.objects.get(pk=world.town_admin.pk)
    assert (user.phone, user.email) == ("13911115555", "wang@example.com")
    preference = preference_of(user)
    assert (preference.by_sms, preference.by_wechat, preference.by_email) == (True, False, True)


def test_the_page_always_edits_the_callers_own_settings(world, client):
    """There is no id in the address; whatever is posted, only the caller's row changes."""
    NotificationPreference.objects.create(user=world.secretary, by_sms=True)
    client.force_login(world.outsider)
    client.post(
        "/inbox/settings/",
        {"user": world.secretary.pk, "user_id": world.secretary.pk, "phone": "13911116666"},
    )
    assert preference_of(world.secretary).by_sms is True
    assert User.objects.get(pk=world.secretary.pk).phone == "13900000002"
    assert preference_of(world.outsider).by_sms is False
    assert User.objects.get(pk=world.outsider.pk).phone == ""
    assert world.outsider.contact_changes.get().new_value == "13911116666"
    assert not world.secretary.contact_changes.exists()


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_needs_a_login(anon_api, client):
    assert anon_api.get(API).status_code == 401
    response = client.put(API, json.dumps(CHANNELS_OFF), content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_the_api_shows_my_settings_with_my_phone_in_full(world, api_as):
    response = api_as(world.secretary).get(API)
    assert response.status_code == 200
    assert response.json() == {"by_sms": True, "by_wechat": False, "by_email": False,
                               "phone": "13900000002", "email": "", "wechat_bound": False,
                               "pending_phone": "", "pending_email": ""}  # fmt: skip


def test_the_api_saves_my_choice(world, client):
    response = put(
        client, world.town_admin, {**CHANNELS_OFF, "by_sms": True, "phone": "13911117777"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["by_sms"] is True and response.json()["phone"] == ""
    assert response.json()["pending_phone"] == "139****7777"
    assert User.objects.get(pk=world.town_admin.pk).phone == ""
    from accounts.services import api_token_issue

    headers = {"Authorization": f"Bearer {api_token_issue(user=world.town_admin)}"}
    body = json.dumps({"kind": "phone", "code": sent_code(world.town_admin, "phone")})
    done = client.post("/api/v1/me/contact/confirm", body, content_type="application/json", headers=headers)  # fmt: skip
    assert done.status_code == 200, done.content
    assert done.json()["phone"] == "13911117777" and done.json()["pending_phone"] == ""
    assert User.objects.get(pk=world.town_admin.pk).phone == "13911117777"
    assert AuditLog.objects.filter(action="user.contact_change").count() == 1


def test_the_api_answers_bad_input_in_the_error_shape(world, client):
    response = put(
        client, world.town_admin, {**CHANNELS_OFF, "by_sms": True, "phone": "1390000000"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    assert body["fields"] == {"phone": "请输入11位中国大陆手机号码。"}
    response = put(client, world.secretary, {**CHANNELS_OFF, "by_wechat": True})
    assert response.status_code == 422 and set(response.json()["fields"]) == {"by_wechat"}
    response = put(client, world.secretary, {"by_sms": True})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"by_wechat", "by_email"}
    assert not NotificationPreference.objects.exists()


def test_the_api_always_edits_the_callers_own_settings(world, client):
    body = {**CHANNELS_OFF, "user_id": world.secretary.pk, "id": world.secretary.pk}
    assert put(client, world.outsider, body).status_code == 200
    assert not NotificationPreference.objects.filter(user=world.secretary).exists()
    assert preference_of(world.outsider).by_sms is False


def test_a_repeated_put_with_the_same_idempotency_key_changes_nothing(world, client):
    from accounts.services import api_token_issue

    token = api_token_issue(user=world.town_admin)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "prefs-1"}
    body = json.dumps({**CHANNELS_OFF, "by_sms": True, "phone": "13911118888"})
    first = client.put(API, body, content_type="application/json", headers=headers)
    second = client.put(API, body, content_type="application/json", headers=headers)
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert AuditLog.objects.filter(action="user.contact_change_request").count() == 1


@pytest.mark.django_db
def test_a_lecturers_new_number_reaches_the_resume_too(world):
    from lecturers.models import Lecturer

    notification_preference_update(actor=world.lecturer, by_sms=True, by_wechat=False, by_email=False,
                                   phone="13712349876")  # fmt: skip
    confirm(world.lecturer, "phone")
    assert Lecturer.objects.get(pk=world.zhang.pk).phone == "13712349876"

"""The delivery operations page (issue 4): county admins see their county's SMS, WeChat and
e-mail messages with figures, filters, masked addresses and the provider's reason, and send
failed ones again; everybody else gets 403, and another county's messages stay out of sight."""

import re

import pytest
from django.utils.html import escape

from core.models import AuditLog
from notifications.models import (
    Channel,
    DeliveryStatus,
    Event,
    NotificationPreference,
    OutboxMessage,
)
from notifications.services import notify

pytestmark = pytest.mark.django_db

PAGE = "/inbox/deliveries/"
FACTS = {"org": "东村党支部", "lecturer": "张三丰", "course": "乡村振兴", "when": "12月3日 周四 09:00",
         "reason": "临时有事"}  # fmt: skip
REASON = "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号"


def resend_url(message) -> str:
    return f"/inbox/deliveries/{message.pk}/resend/"


def reload(message) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


@pytest.fixture
def outbox_rows(world):
    """County A: SMS to the secretary (failed), the lecturer (sent), the county admin (queued)
    and an e-mail to the secretary; county B: SMS to its lecturer (failed)."""
    NotificationPreference.objects.create(user=world.secretary, by_sms=True, by_email=True)
    world.secretary.email = "zhangsan@example.com"
    world.secretary.save(update_fields=["email"])
    notify(recipients=[world.secretary], event=Event.BOOKING_DECLINED, facts=FACTS, key="a1",
           county_id=world.county.pk)  # fmt: skip
    notify(recipients=[world.lecturer], event=Event.BOOKING_REQUESTED, facts=FACTS, key="a2",
           county_id=world.county.pk)  # fmt: skip
    notify(recipients=[world.county_admin], event=Event.OUTSIDE_SESSION_FILED,
           facts={**FACTS, "host": "外县党校"}, key="a3", county_id=world.county.pk)  # fmt: skip
    notify(recipients=[world.lecturer_b.user], event=Event.BOOKING_REQUESTED, facts=FACTS,
           key="b1", county_id=world.county_b.pk)  # fmt: skip
    rows = {
        "failed": OutboxMessage.objects.get(recipient=world.secretary, channel=Channel.SMS),
        "email": OutboxMessage.objects.get(recipient=world.secretary, channel=Channel.EMAIL),
        "sent": OutboxMessage.objects.get(recipient=world.lecturer),
        "queued": OutboxMessage.objects.get(recipient=world.county_admin),
        "b": OutboxMessage.objects.get(recipient=world.lecturer_b.user),
    }
    for name in ("failed", "b"):
        OutboxMessage.objects.filter(pk=rows[name].pk).update(
            status=DeliveryStatus.FAILED, attempts=8, last_error=REASON
        )
    OutboxMessage.objects.filter(pk=rows["sent"].pk).update(
        status=DeliveryStatus.SENT, attempts=1, provider_id="biz1"
    )
    return {name: reload(row) for name, row in rows.items()}


def page_html(client, user, query: str = "") -> str:
    client.force_login(user)
    response = client.get(PAGE + query)
    assert response.status_code == 200
    return response.content.decode()


def listed_ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'data-testid="delivery" data-id="(\d+)"', html)}


def test_a_county_admin_sees_the_own_countys_messages_only(world, client, outbox_rows):
    html = page_html(client, world.county_admin)
    county_a = {outbox_rows[name].pk for name in ("failed", "email", "sent", "queued")}
    assert listed_ids(html) == county_a
    assert world.lecturer_b.name not in html
    assert REASON in html  # the provider's reason of the failed one
    assert escape(outbox_rows["failed"].body) in html  # message bodies are shown


def test_the_list_is_newest_first(world, client, outbox_rows):
    html = page_html(client, world.county_admin)
    ids = [int(n) for n in re.findall(r'data-testid="delivery" data-id="(\d+)"', html)]
    assert ids == sorted(ids, reverse=True)


def test_addresses_are_masked(world, client, outbox_rows):
    html = page_html(client, world.county_admin)
    for name in ("failed", "sent", "queued"):
        phone = outbox_rows[name].address
        assert len(phone) == 11 and phone not in html, name
        assert f"{phone[:3]}****{phone[-4:]}" in html
    assert "zhangsan@example.com" not in html and "z***@example.com" in html


def test_the_figures_count_by_channel_and_status(world, client, outbox_rows):
    client.force_login(world.county_admin)
    figures = {row["channel"]: row["counts"] for row in client.get(PAGE).context["figures"]}
    # queued, sending, sent, dropped, failed
    assert figures == {"sms": [1, 0, 1, 0, 1], "wechat": [0, 0, 0, 0, 0], "email": [1, 0, 0, 0, 0]}
    html = client.get(PAGE).content.decode()
    assert re.search(r'data-testid="figures-sms"><th scope="row">短信</th><td>1</td><td>0</td>'
                     r'<td>1</td><td>0</td><td class="hot">1</td><td>3</td>', html)  # fmt: skip


def test_the_filters_narrow_the_list(world, client, outbox_rows):
    html = page_html(client, world.county_admin, "?status=failed")
    assert listed_ids(html) == {outbox_rows["failed"].pk}
    html = page_html(client, world.county_admin, "?channel=email")
    assert listed_ids(html) == {outbox_rows["email"].pk}
    html = page_html(client, world.county_admin, "?status=queued&channel=sms")
    assert listed_ids(html) == {outbox_rows["queued"].pk}
    assert listed_ids(page_html(client, world.county_admin, "?status=sent&channel=wechat")) == set()
    # Unknown values are ignored rather than answered with an error page.
    assert len(listed_ids(page_html(client, world.county_admin, "?status=x&channel=fax"))) == 4


def test_only_failed_messages_have_a_resend_button(world, client, outbox_rows):
    html = page_html(client, world.county_admin)
    assert re.findall(r'action="(/inbox/deliveries/\d+/resend/)"', html) == [
        resend_url(outbox_rows["failed"])
    ]


def test_the_list_is_paginated_by_fifty(world, client, outbox_rows):
    template = outbox_rows["sent"]
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                recipient=world.lecturer,
                county=world.county,
                event=template.event,
                channel=Channel.SMS,
                key=f"bulk{i}",
                address=template.address,
                title="t",
                body="b",
                next_attempt_at=template.next_attempt_at,
            )
            for i in range(50)
        ]
    )
    assert len(listed_ids(page_html(client, world.county_admin))) == 50
    second = page_html(client, world.county_admin, "?status=queued&page=2")
    # 52 queued: the bulk ones, the county admin's SMS and the secretary's e-mail
    assert len(listed_ids(second)) == 2
    assert 'href="?status=queued&amp;page=1"' in second


def test_resending_a_failed_message_queues_it_again_and_audits(world, client, outbox_rows):
    failed = outbox_rows["failed"]
    client.force_login(world.county_admin)
    response = client.post(resend_url(failed), {"next": f"{PAGE}?status=failed"}, follow=True)
    assert response.redirect_chain == [(f"{PAGE}?status=failed", 302)]
    assert 'class="notice notice-success"' in response.content.decode()
    message = reload(failed)
    assert (message.status, message.attempts, message.last_error) == ("queued", 0, "")
    entry = AuditLog.objects.get(action="outbox.resend")
    assert entry.actor == world.county_admin and entry.object_id == str(failed.pk)
    assert entry.county_id == world.county.pk
    assert entry.before == {"status": "failed", "last_error": REASON}


def test_resending_a_sent_message_is_refused_and_changes_nothing(world, client, outbox_rows):
    sent = outbox_rows["sent"]
    client.force_login(world.county_admin)
    response = client.post(resend_url(sent), follow=True)
    html = response.content.decode()
    assert 'class="notice notice-error"' in html
    assert "只有发送失败的消息才能重新发送。" in html
    assert reload(sent).status == "sent" and reload(sent).attempts == 1
    assert not AuditLog.objects.filter(action="outbox.resend").exists()


def test_resend_needs_a_post(world, client, outbox_rows):
    client.force_login(world.county_admin)
    assert client.get(resend_url(outbox_rows["failed"])).status_code == 405
    assert reload(outbox_rows["failed"]).status == "failed"


def test_a_link_elsewhere_is_not_followed_after_resending(world, client, outbox_rows):
    client.force_login(world.county_admin)
    response = client.post(resend_url(outbox_rows["failed"]), {"next": "https://evil.example/"})
    assert response["Location"] == PAGE


@pytest.mark.parametrize("persona", ["town_admin", "secretary", "lecturer", "other_secretary"])
def test_nobody_but_county_admins_may_open_or_resend(world, client, outbox_rows, persona):
    client.force_login(getattr(world, persona))
    assert client.get(PAGE).status_code == 403
    assert client.post(resend_url(outbox_rows["failed"])).status_code == 403
    assert reload(outbox_rows["failed"]).status == "failed"


def test_it_needs_a_login(client, outbox_rows):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(resend_url(outbox_rows["failed"])).status_code == 302
    assert reload(outbox_rows["failed"]).status == "failed"


def test_the_admin_of_another_county_sees_only_theirs(world, client, outbox_rows):
    """The outsider is county B's admin: B's message only, and A's are not found."""
    html = page_html(client, world.outsider)
    assert listed_ids(html) == {outbox_rows["b"].pk}
    assert world.secretary.display_name not in html
    failed_a = outbox_rows["failed"]
    assert client.post(resend_url(failed_a)).status_code == 404
    assert reload(failed_a).status == "failed"
    assert client.post("/inbox/deliveries/99999999999999999999999/resend/").status_code == 404
    assert not AuditLog.objects.filter(action="outbox.resend").exists()
    response = client.post(resend_url(outbox_rows["b"]))
    assert response.status_code == 302 and reload(outbox_rows["b"]).status == "queued"


# --- navigation and the home page ------------------------------------------------------------------


def nav_links(html: str, bar: str) -> list[str]:
    block = re.search(rf'<nav class="{bar}"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"', block)


def test_county_admins_find_the_page_in_the_desktop_bar_only(world, client):
    client.force_login(world.county_admin)
    html = client.get("/").content.decode()
    assert PAGE in nav_links(html, "topnav")
    assert PAGE not in nav_links(html, "tabbar") and len(nav_links(html, "tabbar")) <= 5
    for persona in ("town_admin", "secretary", "lecturer", "other_secretary"):
        client.force_login(getattr(world, persona))
        html = client.get("/").content.decode()
        assert PAGE not in html, persona
        assert len(nav_links(html, "tabbar")) <= 5


def test_only_the_delivery_entry_is_active_on_its_page(world, client):
    client.force_login(world.county_admin)
    html = client.get(PAGE).content.decode()
    active = re.findall(r'<nav class="topnav">.*?</nav>', html, re.S)[0]
    assert re.findall(r'<a href="([^"]+)" class="active"', active) == [PAGE]
    html = client.get("/inbox/").content.decode()
    active = re.findall(r'<nav class="topnav">.*?</nav>', html, re.S)[0]
    assert re.findall(r'<a href="([^"]+)" class="active"', active) == ["/inbox/"]


def test_the_county_admins_home_counts_failed_messages(world, client, outbox_rows):
    client.force_login(world.county_admin)
    html = client.get("/").content.decode()
    card = re.search(r'<a class="todo hot" href="([^"]+)" data-testid="failed-deliveries">\s*'
                     r"<span>[^<]+</span><b>(\d+)</b>", html)  # fmt: skip
    assert card and card.groups() == (f"{PAGE}?status=failed", "1")
    client.force_login(world.secretary)
    assert 'data-testid="failed-deliveries"' not in client.get("/").content.decode()


def test_the_home_card_is_calm_when_nothing_failed(world, client):
    client.force_login(world.county_admin)
    html = client.get("/").content.decode()
    assert re.search(r'<a class="todo" href="/inbox/deliveries/" data-testid="failed-deliveries">'
                     r"\s*<span>[^<]+</span><b>0</b>", html)  # fmt: skip


def test_an_empty_list_says_what_comes_there(world, client):
    html = page_html(client, world.county_admin)
    assert 'class="empty"' in html and listed_ids(html) == set()

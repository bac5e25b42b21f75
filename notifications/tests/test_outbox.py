"""The outbox: written with the change, delivered once per channel, retried, never lost."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import run_in_threads
from core.tests.factories import make_member
from core.timeutil import aware
from notifications import outbox
from notifications.messages import SMS_MAX_CHARS, TEMPLATES
from notifications.models import (
    Event,
    InboxMessage,
    NotificationPreference,
    OutboxMessage,
)
from notifications.services import notify, render
from orgs.models import CountySettings, Role
from scheduling import services as scheduling
from scheduling.tests.conftest import at

FACTS = {"org": "东村党支部", "lecturer": "张三丰", "course": "乡村振兴", "when": "12月3日 周四 09:00–11:00",
         "reason": "临时有事", "venue": "党群服务中心", "host": "外县党校", "decision": "已批准", "note": "",
         "month": "2026-12", "topic": "乡村振兴 产业发展", "status": "冷库", "what": "新版本课程",
         "year": 2026, "grade": "较好", "wanted": 90, "issue": "更新讲师档案",
         "meeting": "12月校务会", "due": "2026-12-10", "login": "13712345678",
         "password": "Ab3dEf6hJk7m", "place": "组织部会议室",
         "until": "2029-12-31", "number": "甲县讲字〔2026〕第001号",
         "call": "2026年度党员教育讲师推选", "stage": "政治审查", "result": "未通过",
         "certificate": "甲县东镇讲字〔2026〕第001号", "code": "123456", "minutes": 10,
         "competition": "2026年度精品课评选", "rank": 2, "entries": 12, "winner": "，被评为精品课，您享有“三优先”"}  # fmt: skip


def test_every_sms_template_fits_one_message():
    long_facts = {
        k: v * 2 if k in {"org", "lecturer", "venue", "host"} else v for k, v in FACTS.items()
    }
    for event in TEMPLATES:
        _title, _body, sms = render(event, long_facts)
        assert len(sms) <= SMS_MAX_CHARS, (event, sms)
        assert sms.startswith("【讲台】"), sms


@pytest.mark.django_db
def test_a_rolled_back_booking_sends_nothing(world, booking_payload_obj):
    with pytest.raises(RuntimeError), transaction.atomic():
        scheduling.booking_create(actor=world.secretary, **booking_payload_obj)
        raise RuntimeError("the surrounding work failed")
    assert not InboxMessage.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_booking_queues_an_sms_and_a_delivery_task_after_commit(world, booking_payload_obj):
    scheduling.booking_create(actor=world.secretary, **booking_payload_obj)
    [message] = OutboxMessage.objects.all()
    assert (message.recipient, message.channel, message.address) == (
        world.lecturer,
        "sms",
        world.zhang.phone,
    )
    assert message.body.startswith("【讲台】") and len(message.body) <= SMS_MAX_CHARS
    assert DBTaskResult.objects.filter(task_path="notifications.tasks.deliver_outbox").count() == 1


@pytest.mark.django_db(transaction=True)
def test_messages_written_while_a_delivery_task_waits_queue_no_second_one(
    world, booking_payload_obj
):
    scheduling.booking_create(actor=world.secretary, **booking_payload_obj)
    later = {**booking_payload_obj, "start": at(8, 9), "end": at(8, 11)}
    scheduling.booking_create(actor=world.secretary, **later)
    assert OutboxMessage.objects.count() == 2
    deliveries = DBTaskResult.objects.filter(task_path="notifications.tasks.deliver_outbox")
    # The waiting task claims when it starts, after both commits: it takes both messages.
    assert deliveries.count() == 1
    # Once a worker has started it, the next message queues a task of its own.
    deliveries.update(status="RUNNING")
    scheduling.booking_create(
        actor=world.secretary, **{**later, "start": at(9, 9), "end": at(9, 11)}
    )
    assert deliveries.count() == 2


@pytest.mark.django_db
def test_channels_follow_preferences_and_addresses(world):
    NotificationPreference.objects.create(user=world.secretary, by_sms=False, by_email=True, by_wechat=True,
                                          wechat_openid="oABC")  # fmt: skip
    world.secretary.email = "sec@example.org"
    world.secretary.save()
    no_phone = make_member("nophone", world.branch, Role.SECRETARY)
    notify(
        recipients=[world.secretary, no_phone], event=Event.BOOKING_ACCEPTED, facts=FACTS, url="/x/"
    )
    assert set(OutboxMessage.objects.values_list("recipient__username", "channel")) == {
        ("secretary", "email"),
        ("secretary", "wechat"),
    }
    assert InboxMessage.objects.count() == 2


@pytest.mark.django_db
def test_the_same_occurrence_is_notified_once(world):
    for _ in range(3):
        notify(
            recipients=[world.lecturer],
            event=Event.SESSION_REMINDER,
            facts=FACTS,
            key="booking:1:remind:24h",
        )
    assert InboxMessage.objects.count() == 1
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hour", "held_until_hour"), [(23, 8), (3, 8), (12, None), (21, 8), (8, None)]
)
def test_sms_are_held_through_the_countys_quiet_hours(world, hour, held_until_hour):
    CountySettings.objects.create(county=world.county, quiet_hours_start=21, quiet_hours_end=8)
    now = aware(datetime(2026, 12, 3, hour, 30))
    until = timezone.localtime(outbox.quiet_until(world.county.pk, now))
    if held_until_hour is None:
        assert until == now
    else:
        assert until.hour == held_until_hour and until > now and until - now < timedelta(hours=12)


@pytest.mark.django_db
def test_delivery_sends_retries_and_fails_with_the_reason(world, sms_provider):
    users = [
        make_member(f"u{i}", world.branch, Role.SECRETARY, phone=f"1370000000{i}") for i in range(3)
    ]
    for user in users:
        notify(recipients=[user], event=Event.BOOKING_ACCEPTED, facts=FACTS)
    sms_provider.script = ["isv.MOBILE_NUMBER_ILLEGAL", 500]  # first two sends, in claim order
    assert outbox.deliver_due() == {"failed": 1, "retry": 1, "sent": 1}
    failed, retried, sent = (OutboxMessage.objects.get(recipient=u) for u in users)
    assert failed.status == "failed" and "MOBILE_NUMBER_ILLEGAL" in failed.last_error
    assert (
        retried.status == "queued"
        and retried.attempts == 1
        and retried.next_attempt_at > timezone.now()
    )
    assert "HTTP 500" in retried.last_error
    assert sent.status == "sent" and sent.provider_id
    # Not due yet: nothing happens; once due, it goes.
    assert outbox.deliver_due() == {}
    OutboxMessage.objects.filter(pk=retried.pk).update(next_attempt_at=timezone.now())
    assert outbox.deliver_due() == {"sent": 1}


@pytest.mark.django_db
def test_a_message_that_keeps_failing_gives_up(world, sms_provider):
    notify(recipients=[world.lecturer], event=Event.BOOKING_REQUESTED, facts=FACTS)
    sms_provider.script = [503] * outbox.MAX_ATTEMPTS
    for _ in range(outbox.MAX_ATTEMPTS):
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        outbox.deliver_due()
    message = OutboxMessage.objects.get()
    assert message.status == "failed" and message.attempts == outbox.MAX_ATTEMPTS
    assert outbox.resend(message=message)
    assert outbox.deliver_due() == {"sent": 1}


def test_backoff_grows_and_is_capped():
    assert timedelta(seconds=20) <= outbox.backoff(1) <= timedelta(seconds=40)
    assert outbox.backoff(4) > outbox.backoff(1) * 4
    assert outbox.backoff(30) <= timedelta(seconds=3600 * 1.2)


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_message_once(world, sms_provider):
    users = [
        make_member(f"w{i}", world.branch, Role.SECRETARY, phone=f"136000000{i:02d}")
        for i in range(40)
    ]
    notify(recipients=users, event=Event.BOOKING_ACCEPTED, facts=FACTS)
    sms_provider.delay = 0.01
    results = run_in_threads(lambda _i: outbox.deliver_due(), 4)
    assert all(not isinstance(r, Exception) for r in results), results
    assert OutboxMessage.objects.filter(status="sent").count() == 40
    assert len(sms_provider.requests) == 40  # no message was sent twice
    assert sum(r.get("sent", 0) for r in results) == 40


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(world, sms_provider):
    users = [
        make_member(f"k{i}", world.branch, Role.SECRETARY, phone=f"135000000{i:02d}")
        for i in range(30)
    ]
    notify(recipients=users, event=Event.BOOKING_ACCEPTED, facts=FACTS)
    sms_provider.delay = 0.05
    sms = django_settings.NOTIFICATION_CHANNELS["sms"]["options"]
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SMS_BACKEND": "aliyun",
        "ALIYUN_SMS_ACCESS_KEY_ID": "ak",
        "ALIYUN_SMS_ACCESS_KEY_SECRET": "sk",
        "ALIYUN_SMS_SIGN_NAME": "讲台",
        "ALIYUN_SMS_TEMPLATES": __import__("json").dumps(sms["templates"]),
        "ALIYUN_SMS_ENDPOINT": sms["endpoint"],
        "OUTBOX_LEASE_SECONDS": "2",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "outbox", "deliver"], cwd=django_settings.BASE_DIR, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(sms_provider.requests) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    sent_before = len(sms_provider.requests)
    assert 10 <= sent_before < 30, "the worker must be killed in the middle of the batch"
    stuck = OutboxMessage.objects.filter(status="sending").count()
    assert stuck > 0  # claimed by the dead worker
    assert outbox.deliver_due() == {}  # still leased: nobody else takes them yet
    time.sleep(2.2)
    outbox.deliver_due()
    assert OutboxMessage.objects.filter(status="sent").count() == 30
    # Each message reached the phone once: the provider saw every key, and a key sent again
    # after the crash (the one in flight) was recognised by its idempotency key.
    assert len(sms_provider.accepted) == 30
    assert len(sms_provider.requests) - 30 <= 1

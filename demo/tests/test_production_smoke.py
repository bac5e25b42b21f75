"""Production mode end to end (issue 17, item 1): `manage.py serve` with JIANGTAI_PRODUCTION=1
on PostgreSQL and Redis, two gunicorn processes and two task workers, driven over HTTP as
nginx would forward it (no nginx): readiness, then booking → accept → QR code → trainee
ratings → ranking through the API. Runs where DATABASE_URL is PostgreSQL and REDIS_URL
answers (`.ci/run` has a step for it)."""

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import redis
from django.utils import timezone

from accounts.services import api_token_issue
from core.tests.factories import no_quiet_hours
from evaluation.models import TraineeRating
from evaluation.selectors import lecturer_ranking
from evaluation.tests.recompute import assert_aggregates_match_the_rows
from lecturers.models import Lecturer
from notifications.models import DeliveryStatus, Event, OutboxMessage
from scheduling.models import Booking

from .served import (
    STARTUP_SECONDS,
    Http,
    free_port,
    production_env,
    redis_url,
    serving,
    until,
    zbar,
)

pytestmark = [pytest.mark.production, pytest.mark.django_db(transaction=True)]


def test_production_mode_serves_a_session_from_booking_to_ranking(world, tmp_path):
    no_quiet_hours(world.county)
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **production_env(tmp_path),
        "WEB_WORKERS": "2",
        "TASK_WORKERS": "2",
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    site = Http(port)
    with serving(log, "--port", str(port), env=env) as serve:
        # Ready: the database, Redis and a task worker that ran the heartbeat.
        until(lambda: site.status("/readyz") == 200, STARTUP_SECONDS, "not ready", log)
        status, _headers, body = site.get("/readyz")
        ready = json.loads(body)
        assert {ready[part]["state"] for part in ("database", "cache", "worker")} == {"up"}
        text = log.read_text()
        assert text.count("task worker started") == 2 and "Demo logins" not in text
        # Redis holds the cache: the readiness probe's key is there under this site's prefix.
        keys = redis.Redis.from_url(redis_url()).keys(f"{env['CACHE_KEY_PREFIX']}:*")
        assert b"readyz:probe" in b" ".join(keys)
        # Plain HTTP that did not come through nginx's TLS is sent to HTTPS.
        status, headers, _body = Http(port, https=False).get("/lecturers/")
        assert status == 301 and headers["Location"].startswith("https://")

        secretary = Http(port, api_token_issue(user=world.secretary))
        lecturer = Http(port, api_token_issue(user=world.lecturer))
        start = (timezone.localtime() + timedelta(days=3)).replace(hour=9, minute=0, second=0)
        request = {
            "org_id": world.branch.pk, "lecturer_id": world.zhang.pk, "course_id": world.course.pk,
            "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(),
            "venue": "党群服务中心", "expected_attendees": 30, "classroom": "classroom",
        }  # fmt: skip
        status, _h, body = secretary.post(
            "/api/v1/bookings", request, headers={"Idempotency-Key": "smoke-1"}
        )
        assert status == 201, body
        booking_id = json.loads(body)["id"]
        # A client that retries the same request gets the same booking, not a second one.
        status, headers, again = secretary.post(
            "/api/v1/bookings", request, headers={"Idempotency-Key": "smoke-1"}
        )
        assert status == 201 and json.loads(again)["id"] == booking_id
        assert headers["Idempotent-Replayed"] == "true"

        status, _h, body = lecturer.post(f"/api/v1/bookings/{booking_id}/accept")
        assert status == 200 and json.loads(body)["status"] == "confirmed", body

        # The session begins (the clock moves on): the QR code on the poster opens rating.
        began = timezone.now() - timedelta(minutes=20)
        Booking.objects.filter(pk=booking_id).update(
            start_at=began, end_at=began + timedelta(hours=2)
        )
        status, _h, png = secretary.get(f"/api/v1/bookings/{booking_id}/qrcode.png")
        assert status == 200
        url = zbar(png, tmp_path)
        assert url.startswith("https://jiangtai.example.gov.cn/e/")
        token = urlsplit(url).path.rsplit("/", 1)[1]

        scores = [(90, 85, 95), (80, 90, 70), (100, 95, 90)]
        for i, (content, method, effect) in enumerate(scores):
            status, _h, body = Http(port).post(
                f"/api/v1/evaluations/{token}",
                {"name": f"学员{i}", "phone": f"1391234560{i}", "content": content,
                 "method": method, "effect": effect, "comment": "讲得好"},
                headers={"X-Forwarded-For": f"10.1.{i}.7"},  # each trainee on own mobile data
            )  # fmt: skip
            assert status == 201, body
        status, _h, body = Http(port).post(
            f"/api/v1/evaluations/{token}",
            {"name": "学员0", "phone": "13912345600", "content": 10, "method": 10, "effect": 10},
            headers={"X-Forwarded-For": "10.1.0.7"},
        )
        assert status == 200, body  # the same phone again: the first record, unchanged

        status, _h, body = secretary.get("/api/v1/rankings/lecturers")
        assert status == 200
        [first, *_rest] = json.loads(body)["items"]
        assert first["id"] == world.zhang.pk and first["rank"] == 1 and first["sessions"] == 1
        # What the served ranking says is what the selector makes of the stored rows, and
        # the lecturer's stored aggregates equal a recomputation from the three ratings.
        [computed, *_rest] = lecturer_ranking(world.secretary)
        assert (
            first["score"] == pytest.approx(computed["score"]) and first["star"] == computed["star"]
        )
        assert TraineeRating.objects.filter(booking_id=booking_id).count() == 3
        assert_aggregates_match_the_rows()
        assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 3

        # The task workers worked through the outbox: the request's and the acceptance's
        # messages (dropped, as the session's time they name has changed since).
        def settled():
            # Not the scheduler's monthly "publish your courses" nudge: on the counties'
            # reminder day it goes out at start, and county B's waits for the morning.
            messages = OutboxMessage.objects.exclude(event=Event.PUBLISH_REMINDER)
            pending = messages.filter(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
            return messages.count() == 2 and not pending.exists()

        until(settled, 60, "the task workers did not work through the outbox", log)
        status, _h, body = secretary.get("/api/v1/inbox")
        assert status == 200 and json.loads(body)["count"] >= 1
        assert serve.poll() is None
    # Two gunicorn workers served it (the master forks them after the app loads).
    assert log.read_text().count("Booting worker with pid") == 2

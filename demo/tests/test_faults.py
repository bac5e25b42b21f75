"""Faults survived (issue 17, item 5): production mode on PostgreSQL and Redis takes a burst of
bookings, acceptances, grabs and trainee ratings over HTTP while a gunicorn worker and a task
worker are killed (SIGKILL) and every database connection of the site is cut
(pg_terminate_backend). Clients retry as the API tells them to: a write again with its
Idempotency-Key, a rating again with its phone. Afterwards nothing is lost or duplicated —
each booking request made one booking, each acceptance held, each demand has one winner,
each phone one rating, each message was worked through once — and the invariants hold."""

import http.client
import json
import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count

from accounts.services import api_token_issue
from core.tests.factories import make_course, make_lecturer, no_quiet_hours, session
from evaluation.models import TraineeRating
from evaluation.tests.recompute import assert_aggregates_match_the_rows
from matching.models import Demand, DemandNotice, DemandStatus
from notifications.models import DeliveryStatus, Event, InboxMessage, OutboxMessage
from scheduling.models import Booking, BookingStatus
from scheduling.tests.conftest import at

from .served import (
    STARTUP_SECONDS,
    WEB_STARTED,
    WORKER_STARTED,
    Http,
    alive,
    free_port,
    pids,
    production_env,
    serving,
    until,
    zbar,
)

pytestmark = [pytest.mark.production, pytest.mark.django_db(transaction=True)]

BOOKINGS = 16  # requests of one lecturer, each accepted
DEMANDS = 4  # each grabbed by every notified lecturer at once
GRABBERS = 6
TRAINEES = 40
RETRY_SECONDS = 90
GUNICORN_BOOTED = "Booting worker with pid: "


FAILED_ATTEMPTS: list[str] = []  # what the clients met and retried, for the test to see


def retried(call):
    """What a client does: again on a cut connection or a 5xx (a killed process, a dropped
    database connection), with the same request, until an answer that is not a failure."""
    deadline = time.monotonic() + RETRY_SECONDS
    while True:
        try:
            status, _headers, body = call()
            if status < 500:
                return status, json.loads(body or b"null")
            FAILED_ATTEMPTS.append(str(status))
        except (OSError, http.client.HTTPException) as error:  # refused, reset, cut short
            FAILED_ATTEMPTS.append(type(error).__name__)
        if time.monotonic() > deadline:
            raise AssertionError("no answer within the retry window")
        time.sleep(random.uniform(0.1, 0.4))


def _gunicorn_workers(log) -> list[int]:
    return [
        int(line.rsplit(GUNICORN_BOOTED, 1)[1])
        for line in log.read_text().splitlines()
        if GUNICORN_BOOTED in line
    ]


def _cut_database_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_burst_survives_killed_processes_and_a_dropped_database(world, tmp_path):
    no_quiet_hours(world.county)
    # --- the county's people and their work to do --------------------------------------
    grabbers = [
        make_lecturer(world.county, f"讲师{i}号", org=world.branch) for i in range(GRABBERS)
    ]
    grab_courses = [
        make_course(lec, "乡村振兴与产业发展实务", "practical_work") for lec in grabbers
    ]
    demands = []
    for d in range(DEMANDS):
        demand = Demand.objects.create(
            county=world.county, org=world.branch, topic="乡村振兴", window_start=at(10 + d, 8),
            window_end=at(10 + d, 18), duration_minutes=90, venue="村委会", lat=36.5, lng=118.5,
            expected_attendees=30, classroom="classroom", created_by=world.secretary,
        )  # fmt: skip
        DemandNotice.objects.bulk_create(
            DemandNotice(demand=demand, lecturer=lec, round=1, rank=i + 1, score=0.5)
            for i, lec in enumerate(grabbers)
        )
        demands.append(demand)
    hall = session(world)  # under way: its QR code is open

    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **production_env(tmp_path),
        "WEB_WORKERS": "2",
        "TASK_WORKERS": "2",
        "TRUSTED_PROXIES": "127.0.0.1",
        "OUTBOX_LEASE_SECONDS": "5",  # a killed worker's messages are taken over soon
        # Kept connections, as deployed: the cut ones fail the next request that uses them.
        "CONN_MAX_AGE": "60",
    }
    with serving(log, "--port", str(port), env=env) as serve:
        until(lambda: Http(port).status("/readyz") == 200, STARTUP_SECONDS, "not ready", log)
        secretary = Http(port, api_token_issue(user=world.secretary))
        zhang = Http(port, api_token_issue(user=world.lecturer))
        grabber_sites = [Http(port, api_token_issue(user=lec.user)) for lec in grabbers]
        status, _h, png = secretary.get(f"/api/v1/bookings/{hall.pk}/qrcode.png")
        assert status == 200
        rating_url = "/api/v1/evaluations/" + zbar(png, tmp_path).rsplit("/", 1)[1]

        def book_and_accept(i):
            start = at(3 + i // 4, 8 + 2 * (i % 4))
            request = {
                "org_id": world.branch.pk, "lecturer_id": world.zhang.pk,
                "course_id": world.course.pk, "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(), "venue": "党群服务中心",
                "expected_attendees": 30, "classroom": "classroom",
            }  # fmt: skip
            key = {"Idempotency-Key": f"book-{i}"}
            status, body = retried(lambda: secretary.post("/api/v1/bookings", request, headers=key))
            assert status == 201, body
            booking_id = body["id"]
            accept = {"Idempotency-Key": f"accept-{i}"}
            status, body = retried(
                lambda: zhang.post(f"/api/v1/bookings/{booking_id}/accept", headers=accept)
            )
            assert status == 200 and body["status"] == "confirmed", body
            return ("booking", booking_id)

        def grab(d, g):
            demand = demands[d]
            payload = {"course_id": grab_courses[g].pk, "start": at(10 + d, 9).isoformat()}
            key = {"Idempotency-Key": f"grab-{d}-{g}"}
            status, body = retried(
                lambda: grabber_sites[g].post(
                    f"/api/v1/demands/{demand.pk}/grab", payload, headers=key
                )
            )
            assert status == 200 or (status == 409 and body["code"] == "taken"), body
            return ("grab", d, g, status)

        def rate(t):
            phone = f"1380000{t:04d}"
            trainee = {
                "name": f"学员{t}", "phone": phone, "content": 60 + t % 40,
                "method": 70 + t % 30, "effect": 80 + t % 20, "comment": "好",
            }  # fmt: skip
            address = {"X-Forwarded-For": f"10.2.{t}.9"}
            status, body = retried(lambda: Http(port).post(rating_url, trainee, headers=address))
            assert status in (200, 201), body
            return ("rating", phone, status)

        work = (
            [(book_and_accept, (i,)) for i in range(BOOKINGS)]
            + [(grab, (d, g)) for d in range(DEMANDS) for g in range(GRABBERS)]
            + [(rate, (t,)) for t in range(TRAINEES)]
        )
        random.Random(17).shuffle(work)

        # Each fault once a share of the burst is done, so that all three strike mid-burst
        # however fast this machine is.
        done = []
        faults = []

        def job(work_item):
            function, args = work_item
            try:
                return function(*args)
            finally:
                done.append(1)

        def when_done(share):
            until(lambda: len(done) >= share * len(work), RETRY_SECONDS, f"{share:.0%} done", log)

        def inject_faults():
            when_done(0.1)
            victim = _gunicorn_workers(log)[0]
            os.kill(victim, signal.SIGKILL)
            faults.append(("gunicorn worker", victim))
            when_done(0.25)
            task_worker = pids(WORKER_STARTED, log)[0]
            os.kill(task_worker, signal.SIGKILL)
            faults.append(("task worker", task_worker))
            when_done(0.4)
            faults.append(("database connections", _cut_database_connections()))
            faults.append(("done", time.monotonic()))

        FAILED_ATTEMPTS.clear()
        injector = threading.Thread(target=inject_faults)
        injector.start()
        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(job, work))
        burst_ended = time.monotonic()
        injector.join()
        connection.close()  # the test's own connection was cut with the site's
        assert [name for name, _ in faults] == [
            "gunicorn worker", "task worker", "database connections", "done",
        ]  # fmt: skip
        assert faults[2][1] > 0, "no connection of the site was cut"
        # The faults came in the middle of the burst, and clients met them.
        assert burst_ended > faults[3][1], "the burst was over before the last fault"
        assert FAILED_ATTEMPTS, "no request failed: the faults hit nothing"
        assert not alive(faults[0][1]) and not alive(faults[1][1])
        # Both were replaced: gunicorn's master forked a new worker, serve a new task worker.
        until(lambda: len(_gunicorn_workers(log)) >= 3, 30, "no new gunicorn worker", log)
        until(lambda: len(pids(WORKER_STARTED, log)) >= 3, 30, "no new task worker", log)
        assert f"task worker (pid {faults[1][1]}) ended with signal SIGKILL" in log.read_text()
        assert pids(WEB_STARTED, log) and serve.poll() is None

        # Every message of the burst is worked through (sent or, when no longer true,
        # dropped); not the scheduler's monthly "publish your courses" nudge, which on the
        # counties' reminder day county B's quiet hours hold until the morning.
        def outbox_settled():
            return not (
                OutboxMessage.objects.filter(
                    status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
                )
                .exclude(event=Event.PUBLISH_REMINDER)
                .exists()
            )

        until(outbox_settled, 120, "the outbox was not worked through", log)
        until(lambda: Http(port).status("/readyz") == 200, 120, "not ready again", log)

    # --- nothing lost, nothing twice ----------------------------------------------------
    booked = [r[1] for r in results if r[0] == "booking"]
    assert len(set(booked)) == BOOKINGS
    requested = Booking.objects.filter(lecturer=world.zhang).exclude(pk=hall.pk)
    assert sorted(requested.values_list("pk", flat=True)) == sorted(booked)
    assert set(requested.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}

    # One winner per demand; every other grabber was told `taken`.
    for d, demand in enumerate(demands):
        demand.refresh_from_db()
        outcomes = sorted(r[3] for r in results if r[0] == "grab" and r[1] == d)
        assert outcomes == [200] + [409] * (GRABBERS - 1), (d, outcomes)
        assert demand.status == DemandStatus.TAKEN and demand.booking_id is not None
        winners = Booking.objects.filter(lecturer__in=grabbers, start_at=at(10 + d, 9))
        assert winners.count() == 1 and winners.get().pk == demand.booking_id

    # One rating per phone, each stored once.
    phones = {r[1] for r in results if r[0] == "rating"}
    stored = TraineeRating.objects.filter(booking=hall)
    assert stored.count() == TRAINEES == len(phones)
    assert set(stored.values_list("phone", flat=True)) == phones

    # No lecturer's confirmed sessions overlap.
    confirmed = Booking.objects.filter(status=BookingStatus.CONFIRMED)
    for booking in confirmed:
        clash = confirmed.filter(
            lecturer_id=booking.lecturer_id,
            start_at__lt=booking.end_at,
            end_at__gt=booking.start_at,
        ).exclude(pk=booking.pk)
        assert not clash.exists(), booking

    # The stored aggregates equal a recomputation from the rating rows.
    assert_aggregates_match_the_rows()

    # Messages: one in-app message per event per booking, none twice; every outbox row done.
    requests_told = InboxMessage.objects.filter(recipient=world.lecturer, event="booking_requested")
    assert requests_told.count() == BOOKINGS
    accepted_told = InboxMessage.objects.filter(recipient=world.secretary, event="booking_accepted")
    assert accepted_told.count() == BOOKINGS
    duplicates = (
        OutboxMessage.objects.values("recipient", "channel", "event", "key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    assert not OutboxMessage.objects.filter(status=DeliveryStatus.FAILED).exists()

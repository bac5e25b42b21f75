"""A hall of 300 trainees scanning the QR code within one minute, through the real HTTP server.

pytest-django's `live_server` (Django's threaded WSGI server, a real socket) serves the
product's URLs; 20 client threads, each with its own keep-alive `http.client` connection and
its own phones, post to `POST /api/v1/evaluations/<token>`. Runs on SQLite and PostgreSQL.
"""

import http.client
import ipaddress
import itertools
import json
import threading
import time
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from evaluation.models import TraineeRating
from evaluation.services import token_for
from evaluation.tests.recompute import assert_aggregates_match_the_rows
from lecturers.models import Lecturer
from scheduling.models import Booking, BookingStatus

TRAINEES = 300
CLIENTS = 20
MINUTE = 60.0


def scores(i: int) -> dict:
    """Every trainee a different triple (41, 46 and 51 are pairwise coprime: no two of the
    first 96,186 coincide), so the "identical scores in a burst" rule stays quiet."""
    return {"content": 60 + i % 41, "method": 55 + i % 46, "effect": 50 + i % 51}


def post_all(url: str, token: str, indexes: list[int], results: dict, lock, barrier) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=MINUTE)
    barrier.wait(timeout=MINUTE)
    try:
        for i in indexes:
            body = json.dumps(
                {"name": f"学员{i:03d}", "phone": f"139{i:08d}", "comment": "", **scores(i)}
            ).encode()
            headers = {
                "Content-Type": "application/json",
                "Connection": "keep-alive",
                "Cookie": f"jt_device=device{i:03d}",  # every trainee scans with own phone
                # ... on mobile data, through the trusted proxy: one address each (a hall on
                # one Wi-Fi is held beyond the county's rate, see test_holds.py)
                "X-Forwarded-For": f"10.{i // 250}.{i % 250}.1",
            }
            try:
                conn.request("POST", f"/api/v1/evaluations/{token}", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.will_close:
                    conn.close()  # http.client opens a new one for the next request
                outcome = (response.status, data[:300])
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                outcome = (None, repr(exc))
            with lock:
                results[i] = outcome
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_300_trainees_rate_one_session_within_a_minute(world, live_server, settings):
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    now = timezone.now()
    booking = Booking.objects.create(
        county=world.county, org=world.branch, lecturer=world.zhang, course=world.course,
        start_at=now - timezone.timedelta(minutes=5), end_at=now + timezone.timedelta(hours=2),
        venue="县委党校报告厅", expected_attendees=TRAINEES + 20, classroom="classroom",
        requested_by=world.secretary, expires_at=now, status=BookingStatus.CONFIRMED,
    )  # fmt: skip
    assert len({tuple(scores(i).values()) for i in range(TRAINEES)}) == TRAINEES

    token = token_for(booking)
    results: dict[int, tuple] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)
    shares = [list(itertools.islice(range(TRAINEES), k, None, CLIENTS)) for k in range(CLIENTS)]
    threads = [
        threading.Thread(
            target=post_all, args=(live_server.url, token, share, results, lock, barrier)
        )
        for share in shares
    ]
    for t in threads:
        t.start()
    barrier.wait(timeout=MINUTE)
    started = time.monotonic()
    for t in threads:
        t.join(timeout=2 * MINUTE)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "client threads still busy"

    failures = {i: r for i, r in results.items() if r[0] != 201}
    assert len(results) == TRAINEES and not failures, list(failures.items())[:5]
    assert elapsed < MINUTE, f"300 submissions took {elapsed:.1f} s"

    rows = list(TraineeRating.objects.filter(booking=booking))
    assert len(rows) == TRAINEES
    assert len({r.phone for r in rows}) == TRAINEES
    assert all(r.rated_at is not None for r in rows)
    counted = [r for r in rows if not r.is_flagged]
    assert not [r.flag_reason for r in rows if r.is_flagged]  # an honest hall: nothing flagged

    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == len(counted) == TRAINEES
    assert_aggregates_match_the_rows()
    print(f"\n{TRAINEES} submissions from {CLIENTS} threads in {elapsed:.1f} s")

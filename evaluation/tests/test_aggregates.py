"""Stored aggregates always equal a recomputation from the raw ratings.

Seeded random activity on real rows (submissions with repeats, check-ins, shared devices,
identical scores, too many trainees, bad input, reviews by county admins, organisation
ratings), then every Lecturer's, Course's and OrgScore's stored score, star and count is
compared with plain Python over the TraineeRating and OrgRating rows. The concurrent tests
below show the same with real threads (SQLite and PostgreSQL).
"""

import itertools
import random
import threading
import time

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from conftest import run_in_threads
from core.errors import Conflict, Forbidden, InvalidInput
from core.tests.factories import make_course, make_lecturer
from evaluation import services
from evaluation.models import OrgRating, SessionScore, TraineeRating
from evaluation.tests.recompute import assert_aggregates_match_the_rows
from lecturers.models import Lecturer
from orgs.models import CountySettings, OrgScore
from scheduling.models import Booking, BookingStatus


def make_session(world, lecturer, course, org, *, hours_ago: float, attendees: int) -> Booking:
    now = timezone.now()
    start = now - timezone.timedelta(hours=hours_ago)
    return Booking.objects.create(
        county=lecturer.county, org=org, lecturer=lecturer, course=course, start_at=start,
        end_at=start + timezone.timedelta(hours=2), venue="党群服务中心",
        expected_attendees=attendees, classroom="classroom", requested_by=world.secretary,
        expires_at=now, status=BookingStatus.CONFIRMED,
    )  # fmt: skip


# --- random activity ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_aggregates_equal_a_recomputation_after_random_activity(world, monkeypatch, seed):
    # Shared devices and repeated phones are part of the activity; the per-minute limits
    # would only turn them into 429s.
    monkeypatch.setattr(services, "LIMIT_PER_DEVICE", 10_000)
    monkeypatch.setattr(services, "LIMIT_PER_PHONE", 10_000)
    rng = random.Random(seed)
    CountySettings.objects.create(county=world.county_b, star_thresholds="95,85,75,65")
    # A low rate from one address, so that the address rule holds some too (issue 10).
    CountySettings.objects.update_or_create(
        county=world.county, defaults={"rating_burst_per_minute": 3}
    )

    wang = make_lecturer(world.county, "王建国", org=world.unit)
    teaching = [
        (world.zhang, world.course),
        (world.zhang, make_course(world.zhang, "党支部标准化建设", "practical_work")),
        (world.li, world.course_li),
        (wang, make_course(wang, "基层治理实务", "practical_work")),
        (world.lecturer_b, world.course_b),
    ]
    orgs = {
        world.county.pk: [world.branch, world.sibling_branch, world.other_branch, world.unit],
        world.county_b.pk: [world.branch_b],
    }
    admins = {world.county.pk: world.county_admin, world.county_b.pk: world.outsider}
    sessions = []
    for k in range(9):
        lecturer, course = teaching[k % len(teaching)]
        sessions.append(
            make_session(
                world,
                lecturer,
                course,
                rng.choice(orgs[lecturer.county_id]),
                hours_ago=3 * k + rng.random(),  # 2 h long: no overlap
                attendees=rng.randint(6, 40),
            )
        )
    phones = {b.pk: [f"13{k}{j:08d}" for j in range(b.expected_attendees + 8)] for k, b in enumerate(sessions)}  # fmt: skip
    done = {"rated": 0, "repeat": 0, "check_in": 0, "refused": 0, "kept": 0, "discarded": 0,
            "forbidden": 0, "org": 0, "org_again": 0}  # fmt: skip

    # Some halls mostly give full marks (honestly, often); eight alike within a minute get flagged.
    full_marks = {b.pk: rng.choice([0.1, 0.3, 0.7]) for b in sessions}

    def scores(booking) -> dict:
        roll = rng.random()
        if roll < full_marks[booking.pk]:
            triple = (100, 100, 100)
        elif roll < full_marks[booking.pk] + 0.06:
            triple = (90, 90, 90)
        else:
            triple = (rng.randint(30, 100), rng.randint(30, 100), rng.randint(30, 100))
        return dict(zip(("content", "method", "effect"), triple, strict=True))

    reasons: set[str] = set()
    for step in range(1, 401):
        booking = rng.choice(sessions)
        token = services.token_for(booking)
        phone = rng.choice(phones[booking.pk])
        device = rng.choice(["", "", f"phone-{rng.randint(0, 1)}"])  # a few share a phone
        roll = rng.random()
        if roll < 0.70:
            before = TraineeRating.objects.filter(booking=booking, phone=phone).first()
            record, created = services.trainee_rate(
                token=token, name="学员", phone=phone, scores=scores(booking), device=device,
                client_ip=f"10.0.0.{rng.randint(1, 9)}",
                comment=rng.choice(["", "", "讲得实在", f"第{step}条意见"]),
            )  # fmt: skip
            assert created == (before is None) and record.rated_at is not None
            if before is not None and before.rated_at is not None:
                assert (record.content, record.method, record.effect) == (
                    before.content, before.method, before.effect,
                )  # fmt: skip
            done["rated" if created else "repeat"] += 1
        elif roll < 0.78:
            services.trainee_check_in(token=token, name="学员", phone=phone, device=device)
            done["check_in"] += 1
        elif roll < 0.82:
            bad = {
                **scores(booking),
                rng.choice(["content", "method", "effect"]): rng.choice([101, -1]),
            }
            with pytest.raises(InvalidInput):
                services.trainee_rate(token=token, name="学员", phone=phone, scores=bad)
            done["refused"] += 1
        elif roll < 0.93:
            flagged = list(TraineeRating.objects.filter(is_flagged=True).select_related("booking"))
            if flagged:
                rating = rng.choice(flagged)
                county = rating.booking.county_id
                if rng.random() < 0.15:
                    other = next(a for c, a in admins.items() if c != county)
                    with pytest.raises(Forbidden):
                        services.rating_review(actor=other, rating=rating, keep=True)
                    done["forbidden"] += 1
                else:
                    keep = rng.random() < 0.5
                    services.rating_review(actor=admins[county], rating=rating, keep=keep)
                    done["kept" if keep else "discarded"] += 1
        else:
            values = {f: rng.randint(40, 100) for f in ("performance", "discipline", "engagement")}
            actor = booking.lecturer.user
            if OrgRating.objects.filter(booking=booking).exists():
                with pytest.raises(Conflict):
                    services.org_rating_submit(actor=actor, booking=booking, **values)
                done["org_again"] += 1
            else:
                services.org_rating_submit(actor=actor, booking=booking, **values)
                done["org"] += 1
        flagged = TraineeRating.objects.filter(is_flagged=True)
        reasons.update(flagged.values_list("flag_reason", flat=True).distinct())
        if step % 100 == 0:
            assert_aggregates_match_the_rows()

    # The activity did what it is meant to exercise.
    assert all(done.values()), done
    assert TraineeRating.objects.filter(flag_reason=services.REVIEWED).exists()
    assert len(reasons) == 4, reasons  # every rule but "early" held something at some point

    # Each submission checked only the ratings it can form a suspicious group with; checking
    # every session whole finds nothing more.
    flags = list(TraineeRating.objects.order_by("pk").values_list("pk", "is_flagged", "flag_reason"))  # fmt: skip
    for booking in sessions:
        services.flag_suspicious(booking)
    assert list(TraineeRating.objects.order_by("pk").values_list("pk", "is_flagged", "flag_reason")) == flags  # fmt: skip
    assert_aggregates_match_the_rows()


@pytest.mark.django_db
def test_each_rule_flags_on_submission_and_a_kept_rating_stays_kept(world, monkeypatch):
    monkeypatch.setattr(services, "LIMIT_PER_DEVICE", 10_000)
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=0.5, attendees=12)  # fmt: skip
    token = services.token_for(booking)

    def rate(phone, triple, device=""):
        scores = dict(zip(("content", "method", "effect"), triple, strict=True))
        record, _created = services.trainee_rate(
            token=token, name="学员", phone=phone, scores=scores, device=device
        )
        return TraineeRating.objects.get(pk=record.pk)

    shared = [rate(f"1360000000{i}", (70 + i, 80, 90), "shared") for i in range(4)]
    same = [rate(f"1360000001{i}", (100, 100, 100)) for i in range(8)]
    late = rate("13600000020", (60, 61, 62))  # the 13th rating of a session for 12
    flags = dict(TraineeRating.objects.values_list("pk", "flag_reason"))
    # The device's first phone counts; every further phone from it is held (issue 10).
    assert flags[shared[0].pk] == ""
    assert {flags[r.pk] for r in shared[1:]} == {str(_("another phone has rated from this device"))}
    assert {flags[r.pk] for r in same} == {str(_("identical scores in a burst"))}
    assert flags[late.pk] == str(_("more ratings than expected attendees"))
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 1

    services.rating_review(actor=world.county_admin, rating=shared[1], keep=True)
    rate("13600000030", (50, 50, 50), "shared")  # the device again: the kept one stays kept
    assert TraineeRating.objects.get(pk=shared[1].pk).flag_reason == services.REVIEWED
    lecturer = Lecturer.objects.get(pk=world.zhang.pk)
    assert lecturer.rating_count == 2 and lecturer.score == round((240 + 241) / 6, 2)
    assert_aggregates_match_the_rows()


@pytest.mark.django_db
def test_a_rating_on_a_band_edge_counts_in_the_band_it_starts(world):
    """A submission adds to its session's band, a recount counts the bands again: a mean of
    exactly 60, 70, 80 or 90 starts its band, one just below stays in the band under it."""
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=0.5, attendees=40)  # fmt: skip
    token = services.token_for(booking)
    edges = [(0, 0, 0), (60, 60, 59), (60, 60, 60), (70, 70, 69), (70, 70, 70), (80, 80, 79),
             (80, 80, 80), (90, 90, 89), (90, 90, 90), (100, 100, 100)]  # fmt: skip
    for k, triple in enumerate(edges):
        services.trainee_rate(
            token=token, name="学员", phone=f"1360000{k:04d}",
            scores=dict(zip(("content", "method", "effect"), triple, strict=True)),
        )  # fmt: skip
    services.trainee_check_in(token=token, name="学员", phone="13600009999")
    bands = ("band_0_59", "band_60_69", "band_70_79", "band_80_89", "band_90_100")
    added = SessionScore.objects.values(*bands).get(booking=booking)
    assert added == dict.fromkeys(bands, 2)
    services.refresh_aggregates(booking)
    assert SessionScore.objects.values(*bands).get(booking=booking) == added
    assert_aggregates_match_the_rows()


# --- concurrent writers ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sessions_of_one_lecturer_rated_at_once_keep_the_count(world):
    """Each submission adds to the lecturer's totals and latest comments; concurrent ones
    must not both add to the same old total or list (PostgreSQL, READ COMMITTED)."""
    first = make_session(world, world.zhang, world.course, world.branch, hours_ago=0.5, attendees=40)  # fmt: skip
    second = make_session(world, world.zhang, world.course, world.unit, hours_ago=3, attendees=40)  # fmt: skip
    tokens = [services.token_for(first), services.token_for(second)]

    def rate(i):
        return services.trainee_rate(
            token=tokens[i % 2], name="学员", phone=f"1370000{i:04d}", device=f"phone-{i}",
            scores={"content": 50 + i, "method": 60 + i, "effect": 70 + 2 * i},
            comment=f"第{i}位学员的意见",
        )[1]  # fmt: skip

    assert run_in_threads(rate, 16) == [True] * 16
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 16
    assert_aggregates_match_the_rows()


@pytest.mark.django_db(transaction=True)
def test_recounts_beside_submissions_lose_no_rating(world, monkeypatch):
    """A recount (after a flag or a review) sums the ratings and writes the total while
    other trainees' ratings add to it: none may be lost between the sum and the write."""
    monkeypatch.setattr(services, "LIMIT_PER_ADDRESS", 10_000)
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=0.5, attendees=200)  # fmt: skip
    token = services.token_for(booking)

    def work(i):
        for k in range(10):
            if i % 2:
                services.refresh_aggregates(booking)
            else:
                services.trainee_rate(
                    token=token, name="学员", phone=f"1390{i:03d}{k:04d}", device=f"d-{i}-{k}",
                    scores={"content": 40 + i + k, "method": 50 + k, "effect": 60 + i},
                    comment=f"意见{i}-{k}",
                )  # fmt: skip
        return i % 2

    assert sorted(run_in_threads(work, 12)) == [0] * 6 + [1] * 6
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 60
    assert_aggregates_match_the_rows()


@pytest.mark.django_db(transaction=True)
def test_check_ins_beside_recounts_lose_no_attendance(world, monkeypatch):
    """A check-in locks no lecturer: it adds to the session's attendances alone, while
    recounts replace them; none may be lost between a recount's count and its write."""
    monkeypatch.setattr(services, "LIMIT_PER_ADDRESS", 10_000)
    store = services._store_session_score

    def slow_recount(booking_id, **totals):  # widens the window between count and write
        if not totals["add"]:
            time.sleep(0.01)
        store(booking_id, **totals)

    monkeypatch.setattr(services, "_store_session_score", slow_recount)
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=0.5, attendees=200)  # fmt: skip
    token = services.token_for(booking)

    recounted = threading.Event()  # set when every recount is done
    recounters = threading.Barrier(6, action=recounted.set)

    def work(i):
        if i % 2:
            for _k in range(10):
                services.refresh_aggregates(booking)
            recounters.wait()
            return 0
        # Check-ins all along the recounts, the last one begun after them (a later recount
        # would recount what an earlier one lost).
        for k in itertools.count():
            last = recounted.is_set()
            services.trainee_check_in(
                token=token, name="学员", phone=f"1380{i:03d}{k:04d}", device=f"d-{i}-{k}"
            )
            if last:
                return k + 1

    checked_in = sum(run_in_threads(work, 12))
    assert checked_in > 6
    assert SessionScore.objects.get(booking=booking).attendance_count == checked_in
    assert_aggregates_match_the_rows()


@pytest.mark.django_db(transaction=True)
def test_lecturers_rating_one_organisation_at_once_keep_its_count(world):
    """Several lecturers rate the same branch at once: one OrgScore with every rating."""
    sessions = []
    for k in range(6):
        lecturer = make_lecturer(world.county, f"讲师{k}", org=world.unit)
        course = make_course(lecturer, f"课程{k}", "practical_work")
        sessions.append(
            make_session(world, lecturer, course, world.branch, hours_ago=1, attendees=30)
        )

    def rate_org(i):
        booking = Booking.objects.select_related("lecturer__user", "org").get(pk=sessions[i].pk)
        services.org_rating_submit(
            actor=booking.lecturer.user, booking=booking,
            performance=60 + 5 * i, discipline=70 + 3 * i, engagement=80 + i,
        )  # fmt: skip
        return "ok"

    assert run_in_threads(rate_org, len(sessions)) == ["ok"] * len(sessions)
    assert OrgScore.objects.get(org=world.branch).rating_count == len(sessions)
    assert_aggregates_match_the_rows()


@pytest.mark.django_db(transaction=True)
def test_a_manufactured_burst_among_honest_trainees_is_flagged_whole(world, monkeypatch):
    """The integrity check follows each rating's commit, outside the write lock. However the
    threads interleave, the check of the rating committed last in a group sees the whole
    group, and the recounts the flags cause lose none of the honest ratings added meanwhile."""
    monkeypatch.setattr(services, "LIMIT_PER_DEVICE", 10_000)
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=0.5, attendees=100)  # fmt: skip
    token = services.token_for(booking)

    def rate(i):
        if i % 3 == 0:  # one device, a different phone and scores each time
            device, triple = "one-device", (60 + i, 70, 80)
        elif i % 3 == 1:  # the same three scores from different phones
            device, triple = f"device-{i}", (100, 100, 100)
        else:  # honest trainees
            device, triple = f"device-{i}", (50 + i, 60 + i, 70)
        scores = dict(zip(("content", "method", "effect"), triple, strict=True))
        services.trainee_rate(
            token=token, name="学员", phone=f"1380000{i:04d}", scores=scores, device=device
        )
        return i % 3

    kinds = run_in_threads(rate, 27)
    assert sorted(kinds) == [0] * 9 + [1] * 9 + [2] * 9
    # The device's first phone (by rating time) counts, the other eight are held (issue 10).
    first_on_device = (
        TraineeRating.objects.filter(device="one-device").order_by("rated_at", "id").first().phone
    )
    flagged = dict(TraineeRating.objects.values_list("phone", "is_flagged"))
    assert [flagged[f"1380000{i:04d}"] for i in range(27)] == [
        i % 3 != 2 and f"1380000{i:04d}" != first_on_device for i in range(27)
    ]
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 10
    assert_aggregates_match_the_rows()

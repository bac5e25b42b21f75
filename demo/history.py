"""The demo county's past (by default its last twelve months), replayed through the platform's own services.

Branch secretaries book lecturers and post demands, lecturers accept, decline or let requests
expire, grab demands, teach; trainees rate the sessions by their codes, lecturers rate the
branches, sessions are completed, some cancelled, a few late; lecturers file outside
sessions. Every step is the service a person's click would call, so the stars, rankings,
roll-ups and counts a new user sees are the platform's own, not figures written in.

The services read the time from `django.utils.timezone.now`; the replay runs them at the
moment each event happened by moving that clock (`_Clock`), one event after another in time
order. Messages of the past go to the inboxes as read and are never sent
(`notifications.services.replaying_past`). Deterministic: the same seed replays the same year.
"""

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from appraisal.models import AppraisalResult, Grade, ReminderTalk
from appraisal.outcomes.services import (
    appraisal_outcomes_apply,
    commendations_confirm,
    talk_set_time,
)
from appraisal.services import (
    appraisal_compute,
    appraisal_publish,
    appraisal_result_override,
    appraisal_run_start,
)
from core.errors import ServiceError
from courses.models import CourseStatus
from evaluation.services import org_rating_submit, token_for, trainee_rate
from lecturers.models import LecturerStatus
from lecturers.selectors import lecturer_bookable_for
from matching.models import Demand, DemandStatus
from matching.selectors import demand_notices
from matching.services import demand_broadcast, demand_create, demand_grab, demands_widen_due
from notifications.services import replaying_past
from orgs.models import CountySettings, Membership, OrgLevel, Role
from scheduling.models import Booking, BookingStatus, OutsideSession
from scheduling.services import (
    booking_accept,
    booking_cancel,
    booking_complete,
    booking_create,
    booking_decline,
    bookings_expire_due,
    outside_session_decide,
    outside_session_file,
)

from . import demo_catalogue as words

YEAR_DAYS = 365
BOOKINGS_PER_WEEK = 14
DEMANDS_PER_WEEK = 2
OUTSIDE_SESSIONS = 12
# Share of the branches that book at all: the rest are the coverage gap a county works on.
BOOKING_BRANCHES = 0.7
# Share of the active lecturers whose trainees rate them poorly: the appraisal's 差.
POOR_SHARE = 0.05
SESSION_HOURS = (time(9), time(14, 30), time(19, 30))
# A tiny valid PDF: the invitation letter of an outside session.
LETTER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class _Clock:
    """Moves `django.utils.timezone.now`, the clock every service reads, while in use."""

    def __init__(self, start: datetime):
        self.now = start

    def __enter__(self):
        self._real = timezone.now
        timezone.now = lambda: self.now
        return self

    def __exit__(self, *exc):
        timezone.now = self._real


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    act: object = field(compare=False)


class _Replay:
    def __init__(self, *, rng: random.Random, county, admin, lecturers, end: datetime):
        self.rng = rng
        self.county = county
        self.admin = admin
        self.end = end
        self.queue: list[_Event] = []
        self.seq = itertools.count()
        self.rules = CountySettings.for_county(county.pk)
        self.lecturers = [lec for lec in lecturers if lec.status == LecturerStatus.ACTIVE]
        self.courses = {
            lec.pk: list(
                lec.courses.filter(status=CourseStatus.ACTIVE)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for lec in self.lecturers
        }
        self.lecturers = [lec for lec in self.lecturers if self.courses[lec.pk]]
        users = {
            u.pk: u for u in User.objects.filter(pk__in=[lec.user_id for lec in self.lecturers])
        }
        self.user_of = {lec.pk: users[lec.user_id] for lec in self.lecturers}
        # Each lecturer's trainees rate around one mean; a few lecturers teach poorly.
        poor = set(
            rng.sample(range(len(self.lecturers)), max(1, int(len(self.lecturers) * POOR_SHARE)))
        )
        self.mean = {
            lec.pk: (rng.gauss(54, 4) if i in poor else min(97.0, rng.gauss(87, 5)))
            for i, lec in enumerate(self.lecturers)
        }
        self.trainee_seq = itertools.count(1)
        self.stats = {"bookings": 0, "held": 0, "ratings": 0, "demands": 0, "grabbed": 0}
        self.refused: dict[str, int] = {}

    # --- the event queue ---------------------------------------------------------------------
    def at(self, when: datetime, act) -> None:
        if when <= self.end:
            heapq.heappush(self.queue, _Event(when, next(self.seq), act))

    def run(self, clock: _Clock, progress=None) -> None:
        """Every event in time order; `progress(fraction)` hears how far in time it is."""
        start = self.queue[0].at if self.queue else self.end
        span = (self.end - start).total_seconds() or 1.0
        while self.queue:
            event = heapq.heappop(self.queue)
            clock.now = event.at
            if progress is not None:
                progress((event.at - start).total_seconds() / span)
            try:
                event.act()
            except ServiceError as exc:
                # a step the platform refused (a clash, a taken demand) is part of life;
                # counted, so that a replay where everything is refused shows
                code = exc.code or type(exc).__name__
                self.refused[code] = self.refused.get(code, 0) + 1

    # --- who --------------------------------------------------------------------------------
    def secretaries(self, branches, prefix: str, password_hash: str) -> dict:
        """A secretary for each branch that books; the demo's own secretary keeps theirs."""
        own = {
            m.org_id: m.user
            for m in Membership.objects.filter(
                org__in=branches, role=Role.SECRETARY
            ).select_related("user")
        }
        new = [b for b in branches if b.pk not in own]
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{prefix}sec{b.pk}",
                    name=f"{b.name.removesuffix('党支部').removesuffix('党委')}书记",
                    county=self.county,
                    password=password_hash,
                )
                for b in new
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, org=b, role=Role.SECRETARY)
                for u, b in zip(users, new, strict=True)
            ]
        )
        return {**own, **{b.pk: u for b, u in zip(new, users, strict=True)}}

    # --- the year ---------------------------------------------------------------------------
    def plan(self, start: datetime, branches, secretaries: dict) -> None:
        rng = self.rng
        day = start
        while day < self.end:
            self.at(day.replace(hour=0, minute=5), self.expire)
            if day.weekday() == 0:
                for _ in range(BOOKINGS_PER_WEEK):
                    branch = rng.choice(branches)
                    at = day + timedelta(hours=rng.uniform(8, 60))
                    self.at(at, lambda b=branch: self.book(b, secretaries[b.pk]))
                for _ in range(DEMANDS_PER_WEEK):
                    branch = rng.choice(branches)
                    at = day + timedelta(hours=rng.uniform(8, 60))
                    self.at(at, lambda b=branch: self.post_demand(b, secretaries[b.pk]))
            day += timedelta(days=1)
        for _ in range(OUTSIDE_SESSIONS):
            lecturer = rng.choice(self.lecturers)
            at = start + timedelta(days=rng.uniform(0, (self.end - start).days), hours=10)
            self.at(at, lambda lec=lecturer: self.outside(lec))

    def expire(self) -> None:
        bookings_expire_due()
        demands_widen_due()

    def session_start(self, after: datetime, lo_days: int, hi_days: int) -> datetime:
        day = timezone.localtime(after).date() + timedelta(
            days=self.rng.randrange(lo_days, hi_days)
        )
        return timezone.make_aware(datetime.combine(day, self.rng.choice(SESSION_HOURS)))

    def book(self, branch, secretary) -> None:
        rng = self.rng
        candidates = [
            lec for lec in self.lecturers if lecturer_bookable_for(lec, branch, self.rules)
        ]
        if not candidates:
            return
        lecturer = rng.choice(candidates)
        course_id = rng.choice(self.courses[lecturer.pk])
        start = self.session_start(timezone.now(), 4, 15)
        booking = booking_create(
            actor=secretary, org_id=branch.pk, lecturer_id=lecturer.pk, course_id=course_id,
            start=start, end=start + timedelta(minutes=90), venue=branch.address or branch.name,
            expected_attendees=rng.randrange(15, 45), classroom=rng.choice(words.DEMO_CLASSROOMS),
        )  # fmt: skip
        self.stats["bookings"] += 1
        now = timezone.now()
        roll = rng.random()
        if roll < 0.06:
            return  # never answered: it expires
        answer = now + timedelta(hours=rng.uniform(0.5, 20))
        if roll < 0.14:
            self.at(answer, lambda: booking_decline(
                actor=self.user_of[lecturer.pk], booking=booking,
                reason=rng.choice(words.DECLINE_REASONS),
            ))  # fmt: skip
            return
        self.at(answer, lambda: booking_accept(actor=self.user_of[lecturer.pk], booking=booking))
        self.follow_session(booking, secretary, cancel=roll < 0.2)

    def follow_session(self, booking: Booking, secretary, *, cancel: bool) -> None:
        rng = self.rng
        if cancel:
            before = booking.start_at - timedelta(hours=rng.choice((2, 30, 72)))
            self.at(before, lambda: booking_cancel(
                actor=secretary, booking=booking, reason=rng.choice(words.CANCEL_REASONS)
            ))  # fmt: skip
            return
        self.at(booking.start_at + timedelta(minutes=40), lambda: self.rate(booking))
        lecturer_user = self.user_of[booking.lecturer_id]
        done = booking.end_at + timedelta(minutes=rng.randrange(5, 180))
        self.at(done, lambda: booking_complete(actor=lecturer_user, booking=booking))
        if rng.random() < 0.7:
            self.at(done + timedelta(minutes=10), lambda: org_rating_submit(
                actor=lecturer_user, booking=booking, performance=rng.randrange(70, 101),
                discipline=rng.randrange(70, 101), engagement=rng.randrange(60, 101),
            ))  # fmt: skip

    def rate(self, booking: Booking) -> None:
        """The hall scans the code: most of those present rate, each on their own phone."""
        booking.refresh_from_db(fields=["status"])
        if booking.status != BookingStatus.CONFIRMED:
            return
        rng = self.rng
        self.stats["held"] += 1
        mean = self.mean[booking.lecturer_id]
        token = token_for(booking)
        for _ in range(rng.randrange(6, min(booking.expected_attendees, 16) + 1)):
            n = next(self.trainee_seq)
            scores = {
                f: max(20, min(100, round(rng.gauss(mean + shift, 6))))
                for f, shift in (("content", 1), ("method", -1), ("effect", 0))
            }
            trainee_rate(
                token=token, name=rng.choice(words.SURNAMES) + rng.choice(words.GIVEN_CHARS),
                phone=f"188{n:08d}", scores=scores, client_ip=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
                comment=rng.choice(words.TRAINEE_COMMENTS) if rng.random() < 0.15 else "",
            )  # fmt: skip
            self.stats["ratings"] += 1

    def post_demand(self, branch, secretary) -> None:
        rng = self.rng
        category, topic = rng.choice(words.DEMAND_TOPICS)
        start = self.session_start(timezone.now(), 5, 8)
        demand = demand_create(
            actor=secretary, org_id=branch.pk, topic=topic, category=category,
            window_start=start, window_end=start + timedelta(days=10, hours=3),
            duration_minutes=90, expected_attendees=rng.randrange(15, 45),
        )  # fmt: skip
        self.stats["demands"] += 1
        if not demand.notices.exists():
            demand_broadcast(actor=secretary, demand=demand)
        if rng.random() < 0.8:
            self.at(
                timezone.now() + timedelta(hours=rng.uniform(0.2, 30)),
                lambda: self.grab(demand, secretary),
            )

    def grab(self, demand: Demand, secretary) -> None:
        demand.refresh_from_db()
        if demand.status != DemandStatus.OPEN:
            return
        for notice in demand_notices(demand)[:3]:  # the first round's best first
            lecturer = next((lec for lec in self.lecturers if lec.pk == notice.lecturer_id), None)
            if lecturer is None:
                continue
            booking = demand_grab(
                actor=self.user_of[lecturer.pk], demand=demand,
                course_id=self.courses[lecturer.pk][0], start=demand.window_start,
            )  # fmt: skip
            self.stats["grabbed"] += 1
            self.follow_session(booking, secretary, cancel=False)
            return

    def outside(self, lecturer) -> None:
        rng = self.rng
        start = self.session_start(timezone.now(), 5, 20)
        session = outside_session_file(
            actor=self.user_of[lecturer.pk], host=rng.choice(words.OUTSIDE_HOSTS),
            topic=rng.choice(words.DEMAND_TOPICS)[1], start=start,
            end=start + timedelta(hours=2), venue=rng.choice(words.OUTSIDE_HOSTS),
            letter=ContentFile(LETTER_PDF, name="invitation.pdf"),
        )  # fmt: skip
        later = timezone.now() + timedelta(days=rng.uniform(1, 4))
        self.at(later, lambda: outside_session_decide(
            actor=self.admin, session=OutsideSession.objects.get(pk=session.pk), approve=True
        ))  # fmt: skip


def replay_past(
    *,
    days: int,
    rng: random.Random,
    county,
    admin,
    branches,
    lecturers,
    prefix,
    password_hash,
    progress=None,
):
    """Replay the last `days` of `county`'s life; returns what happened, counted.
    `progress(fraction)`, if given, is told how far the replay is (0 to 1), often."""
    end = timezone.now()
    start = timezone.make_aware(
        datetime.combine(timezone.localtime(end).date() - timedelta(days=days), time())
    )
    replay = _Replay(rng=rng, county=county, admin=admin, lecturers=lecturers, end=end)
    booking_branches = rng.sample(
        [b for b in branches if b.level == OrgLevel.VILLAGE],
        int(len(branches) * BOOKING_BRANCHES),
    )
    secretaries = replay.secretaries(booking_branches, prefix, password_hash)
    replay.plan(start, booking_branches, secretaries)
    with replaying_past(), _Clock(start) as clock:
        replay.run(clock, progress)
    return {**replay.stats, "refused": replay.refused}


def appraise_year(*, county, admin, year: int, rng: random.Random) -> dict:
    """The county's appraisal of `year` from the replayed sessions, as the county runs it: the
    run, one grade changed by the committee with its reason, publication, the outcomes
    (commendations confirmed, reminder talks, cold store with help plans). Returns the count
    of each grade."""
    run, _started = appraisal_run_start(actor=admin, year=year)
    appraisal_compute(run_id=run.pk, attempt=run.attempt)
    results = AppraisalResult.objects.filter(run=run)
    borderline = results.filter(computed_grade=Grade.GOOD).order_by("-score").first()
    if borderline is not None:
        appraisal_result_override(
            actor=admin, year=year, lecturer_id=borderline.lecturer_id, grade=Grade.EXCELLENT,
            reason="年内获评市级优秀宣讲员，委员会研究提升一档",
        )  # fmt: skip
    appraisal_publish(actor=admin, year=year)
    appraisal_outcomes_apply(actor=admin, year=year)
    commended = list(results.filter(grade=Grade.EXCELLENT).values_list("lecturer_id", flat=True))
    commendations_confirm(actor=admin, year=year, lecturer_ids=commended)
    for talk in ReminderTalk.objects.filter(lecturer__county=county).order_by("pk")[:2]:
        when = timezone.now() + timedelta(days=rng.randrange(3, 10), hours=rng.randrange(1, 6))
        talk_set_time(
            actor=admin, talk_id=talk.pk, when=when, place="县委组织部三楼会议室",
            held_by="组织部干部教育科",
        )  # fmt: skip
    grades = dict(results.values_list("grade").annotate(n=Count("id")))
    return {str(Grade(g).label) if g else "not graded": n for g, n in grades.items()}

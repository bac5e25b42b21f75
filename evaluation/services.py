"""QR evaluation (测评码, L10): signed tokens, trainee check-in and ratings, the lecturer's
rating of the organisation, and the stored aggregates that star levels and rankings use."""

from datetime import UTC, timedelta
from itertools import zip_longest

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, F, FloatField, Q, Sum
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core import ratelimit, read_cache, signed
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, Gone, NotFound
from core.prepared import Prepared, instance_reader
from core.text import clean_mobile, clean_text
from courses.models import Course
from lecturers.models import Lecturer
from orgs.models import CountySettings, OrgScore
from scheduling.models import Booking, BookingStatus

from .models import BAND_FIELDS, RATING_BANDS, OrgRating, SessionScore, TraineeRating, band_of

_SALT = "jiangtai.evaluation-token"
OPENS_BEFORE = timedelta(minutes=30)
RATEABLE = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
MAX_COMMENT = 1000


# --- tokens ------------------------------------------------------------------------------------


def token_for(booking: Booking) -> str:
    return signed.signed_id(_SALT, booking.pk)


def trainee_url(booking: Booking) -> str:
    return f"{settings.SITE_URL}/e/{token_for(booking)}"


# What the trainee page shows of a session, and what a trainee's submission (on every
# trainee's phone) uses: read alone, not the rows' every column, with SQL built once.
_SHOWN = instance_reader(
    Booking, "lecturer", "course", "org",
    only=("county_id", "status", "start_at", "end_at", "venue", "lecturer__name",
          "course__title", "org__name"),
)  # fmt: skip
_USED = instance_reader(
    Booking,
    only=("county_id", "org_id", "lecturer_id", "course_id", "status", "start_at", "end_at",
          "expected_attendees"),
)  # fmt: skip


def _session_read(reader) -> Prepared:
    return Prepared(
        lambda booking_id: Booking.objects.filter(pk=booking_id).values_list(*reader.columns),
        booking_id=int,
    )


_SHOWN_SESSION, _USED_SESSION = _session_read(_SHOWN), _session_read(_USED)


def open_session(token: str, *, now=None, related: bool = True) -> tuple[Booking, CountySettings]:
    """The session of a token that is open now and its county's rules: 404 forged, 410 expired
    or cancelled, 409 not open yet (30 minutes before the start). With `related`, the
    lecturer's name, the course's title and the organisation's name for the trainee page;
    without, only their ids (a trainee's submission)."""
    booking_id = signed.id_from_signed(_SALT, token)
    if booking_id is None:
        raise NotFound(_("This code is not valid."))
    reader, read = (_SHOWN, _SHOWN_SESSION) if related else (_USED, _USED_SESSION)

    def session_and_rules() -> tuple[tuple, CountySettings] | None:
        row = read.first(booking_id=int(booking_id))
        if row is None:
            return None
        return row, CountySettings.for_county(reader.instance(row).county_id)

    # The trainee page: a hall scans the code within minutes, so what it shows of the session
    # is kept until the next write (core.read_cache). A submission reads it afresh.
    found = (
        read_cache.cached(("trainee session", int(booking_id)), session_and_rules)
        if related
        else session_and_rules()
    )
    if found is None:
        raise NotFound(_("This code is not valid."))
    row, rules = found
    booking = reader.instance(row)
    now = now or timezone.now()
    if booking.status not in RATEABLE or now >= booking.end_at + timedelta(
        hours=rules.rating_open_hours
    ):
        raise Gone(_("Rating for this session has closed."), code="expired")
    if now < booking.start_at - OPENS_BEFORE:
        raise Conflict(_("Check-in opens 30 minutes before the session."), code="not_open")
    return booking, rules


# --- trainee ratings ------------------------------------------------------------------------------


def _clean_score(value, field: str, errors: FieldErrors):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        errors.add(field, _("Enter a whole number from 0 to 100."))
        return None
    return value


def trainee_check_in(
    *, token: str, name: str, phone: str, device: str = ""
) -> tuple[TraineeRating, bool]:
    """Check in (name + phone) without rating yet; the same phone again returns the first."""
    return trainee_rate(token=token, name=name, phone=phone, device=device, scores=None)


# Trainee submissions allowed per minute: a whole hall scanning from one network is fine,
# one phone number or one device hammering the form is not.
LIMIT_PER_ADDRESS, LIMIT_PER_PHONE, LIMIT_PER_DEVICE = 600, 10, 30


def trainee_rate(
    *, token: str, name: str, phone: str, scores: dict | None, comment: str = "", device: str = "",
    client_ip: str = "", submission_key: str = "",
) -> tuple[TraineeRating, bool]:  # fmt: skip
    """Check in and rate in one step. Returns (record, created): the same phone again for the
    same session gets its first record back, unchanged (rating it if it had no scores yet).
    `submission_key` is stored with a new record, so that a retry of the same submission can
    be told from another person's use of the phone number.

    Every submission to an open session counts against the per-minute limits, invalid ones
    too; a refusal (429) comes before any complaint about the input. A valid submission
    counts in the transaction that stores it (one commit, one flush of PostgreSQL's log, per
    submission); a refused one rolls back with it, which changes nothing, as its key's window
    is full and stays full until it ends."""
    booking, rules = open_session(token, related=False)
    limit_keys = []
    if client_ip:
        limit_keys.append((f"eval:ip:{client_ip}", LIMIT_PER_ADDRESS))
    if device:
        limit_keys.append((f"eval:device:{device[:64]}", LIMIT_PER_DEVICE))
    if isinstance(phone, str) and phone:
        limit_keys.append((f"eval:phone:{booking.pk}:{phone[:20]}", LIMIT_PER_PHONE))
    errors = FieldErrors()
    name = errors.check(clean_text, name, field="name", max_length=32)
    phone = errors.check(clean_mobile, phone)
    comment = errors.check(
        clean_text, comment, field="comment", max_length=MAX_COMMENT, required=False, multiline=True
    )
    values = {}
    if scores is not None:
        for field in ("content", "method", "effect"):
            values[field] = _clean_score(scores.get(field), field, errors)
    device = (device or "")[:64]
    now = timezone.now()
    rated = {**values, "comment": comment, "rated_at": now} if scores is not None else {}
    if errors.fields:
        ratelimit.hit(*limit_keys)  # bad input counts too, and a refusal (429) comes first
        errors.raise_if_any()
    return _store(
        booking, rules, limits=limit_keys, name=name, phone=phone, device=device,
        client_ip=(client_ip or "")[:45], submission_key=(submission_key or "")[:32], rated=rated,
    )  # fmt: skip


def _store(
    booking: Booking, rules: CountySettings, *, limits: list[tuple[str, int]], name: str,
    phone: str, device: str, client_ip: str, submission_key: str, rated: dict,
) -> tuple[TraineeRating, bool]:  # fmt: skip
    """The check-in or rating of `trainee_rate`, counted under `limits`: a new record in one
    transaction, or, when the phone is already checked in, that record (rated now if it had
    no scores) in a second. A rating is stored held (`_hold_reason`, judged from what has
    committed before it) or joins the running totals in its transaction; the integrity check
    follows the commit (`_flag_new`) and holds what concurrent submissions made suspicious,
    so that the write lock is held only for the writes."""
    rated_now = None
    # Read before the write lock (SQLite's IMMEDIATE transaction): it holds only for ratings
    # committed before, whatever commits meanwhile is for `_flag_new` after the commit.
    held = _hold_reason(booking, rules, rated, client_ip, device) if rated else ""
    try:
        with transaction.atomic():
            ratelimit.hit(*limits)
            record = TraineeRating.objects.create(
                booking=booking, name=name, phone=phone, device=device, client_ip=client_ip,
                submission_key=submission_key, is_flagged=bool(held), flag_reason=held, **rated,
            )  # fmt: skip
            if not rated:
                _store_session_score(booking.pk, attendances=1, add=True)
            elif not held:
                _add_to_aggregates(booking, record, rules, attended=True)
            if rated:
                rated_now = record
        created = True
    except IntegrityError:  # this phone is already checked in for this session
        created = False
        with transaction.atomic():
            ratelimit.hit(*limits)  # the first transaction's count rolled back with it
            record = TraineeRating.objects.get(booking=booking, phone=phone)
            if rated and record.rated_at is None:
                held = _hold_reason(booking, rules, rated, client_ip, device, before_id=record.pk)
                change = {**rated, "client_ip": client_ip, "is_flagged": bool(held),
                          "flag_reason": held}  # fmt: skip
                if TraineeRating.objects.filter(pk=record.pk, rated_at__isnull=True).update(
                    **change
                ):
                    counted_before = not record.is_flagged  # as a check-in
                    for field, value in change.items():
                        setattr(record, field, value)
                    if not held:
                        _add_to_aggregates(booking, record, rules, attended=not counted_before)
                    elif counted_before:  # its check-in counted (and made the row)
                        SessionScore.objects.filter(pk=booking.pk).update(
                            attendance_count=F("attendance_count") - 1
                        )
                    rated_now = record
                record.refresh_from_db()
    if rated_now is not None and _flag_new(booking, rated_now, rules):
        refresh_aggregates(booking, rules=rules)  # flagged ratings leave the totals
    return record, created


# --- integrity and aggregates --------------------------------------------------------------------------

# A rating is held (stored, `is_flagged`, not counted) when it looks manufactured or cannot be
# an attendee's, until the booking organisation confirms the attendance list
# (`attendance_confirm`) or a county reviewer keeps it (`rating_review`). The rules:
# - "early": rated before the session started. The rating window is [start, end + the county's
#   rating_open_hours): check-in opens 30 minutes before the start (409 before that), and
#   the token answers 410 once the window has closed.
# - "address": more than the county's rating_burst_per_minute ratings of one session from
#   one client address within a minute: the whole burst, its first ratings too (they are no
#   more an attendee's than its last; counting them let a script move a new lecturer's star).
#   A class on one village Wi-Fi shares an address, so they are held, not refused.
# - "device": the second phone rating from one device onward (the device's first phone counts).
# - "scores": IDENTICAL_IN_BURST ratings with the same three scores within BURST. Many people
#   honestly give 100/100/100; the same three scores from many phones within seconds is what
#   a script or one person with a stack of phones looks like.
# - "attendees": the ratings beyond the session's expected attendees.
# Ratings are ordered by (rated_at, id); every rule holds a rating for what precedes it, so
# ratings that arrive later can only add to the held ones, never release one.
BURST = timedelta(seconds=60)
IDENTICAL_IN_BURST = 8
REVIEWED = "reviewed"  # kept by a county reviewer
CONFIRMED = "confirmed"  # on the attendance list the organisation confirmed
DECIDED = (REVIEWED, CONFIRMED)  # never held again


def _why(rule: str) -> str:
    return {
        "early": _("rated before the session started"),
        "address": _("many ratings from one address within a minute"),
        "device": _("another phone has rated from this device"),
        "scores": _("identical scores in a burst"),
        "attendees": _("more ratings than expected attendees"),
    }[rule]


def _beyond_rate(entries: list[tuple], limit: int, *, start: tuple | None = None) -> list[int]:
    """The ids among `entries` ((rated_at, id) of one address, in that order) of every burst
    that goes beyond the rate: an entry with `limit` or more predecessors within BURST, and
    those predecessors. Only the bursts that end at `start` or later when given."""
    beyond: dict[int, None] = {}
    first = 0
    for j, (at, pk) in enumerate(entries):
        while entries[first][0] <= at - BURST:
            first += 1
        if j - first >= limit and (start is None or (at, pk) >= start):
            beyond.update(dict.fromkeys(pk for _at, pk in entries[first : j + 1]))
    return list(beyond)


def _hold_reason(
    booking: Booking, rules: CountySettings, rated: dict, client_ip: str, device: str, *,
    before_id: int | None = None,
) -> str:  # fmt: skip
    """Why the rating about to be stored is held, judged from the ratings committed before
    it ("" when it counts): one statement (for a new row, before the write lock), on the
    indexes that start with the session, each part stopping at the count it needs.

    It holds only what the rules hold (the ratings it sees precede it), so it never holds a
    rating `flag_suspicious` would count; a concurrent rating it cannot see yet is taken into
    account by `_flag_new` after the commit. `before_id`: the id of a checked-in record that
    is rated now; a new row's id is larger than that of every row committed before it."""
    at = rated["rated_at"]
    if at < booking.start_at:
        return _why("early")
    field = TraineeRating._meta.get_field("rated_at")
    stamp = field.get_db_prep_value(at, connection)
    if before_id is None:
        before, before_params = "rated_at <= %s", [stamp]
    else:
        before = "(rated_at < %s OR (rated_at = %s AND id < %s))"
        before_params = [stamp, stamp, before_id]
    table = connection.ops.quote_name(TraineeRating._meta.db_table)
    head = f"SELECT 1 FROM {table} WHERE booking_id = %s AND {before}"  # noqa: S608
    parts, params, checks = [], [], []
    if client_ip:
        parts.append(f"{head} AND client_ip = %s AND rated_at > %s")
        since = field.get_db_prep_value(at - BURST, connection)
        params.append([booking.pk, *before_params, client_ip, since])
        checks.append(("address", rules.rating_burst_per_minute))
    if device:
        parts.append(f"{head} AND device = %s")
        params.append([booking.pk, *before_params, device])
        checks.append(("device", 1))
    parts.append(head)
    params.append([booking.pk, *before_params])
    checks.append(("attendees", booking.expected_attendees))
    columns = ", ".join(
        # Only the quoted table name and fixed SQL are interpolated; the values are parameters.
        f"(SELECT COUNT(*) FROM ({part} LIMIT %s) AS c{i})"  # noqa: S608
        for i, part in enumerate(parts)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}",
            [v for p, (_rule, limit) in zip(params, checks, strict=True) for v in (*p, limit)],
        )
        counts = cursor.fetchone()
    for (rule, limit), n in zip(checks, counts, strict=True):
        if n >= limit:
            return _why(rule)
    return ""


def _reasons_among(
    *, early: list, by_address: list[list], by_device: list[list], by_scores: list[list],
    limit: int, start: tuple | None = None,
) -> dict[int, str]:  # fmt: skip
    """{id: why} of the ratings the rules hold among their groups, each in (rated_at, id)
    order: `early` ratings, (rated_at, id) of one address, ids of one device, ratings with
    the same three scores. `start`: the address rule only from that (rated_at, id) on.
    The order of the rules is the precedence of their reasons."""
    reasons: dict[int, str] = {}
    for r in early:
        reasons.setdefault(r.pk, _why("early"))
    for group in by_address:
        for pk in _beyond_rate(group, limit, start=start):
            reasons.setdefault(pk, _why("address"))
    for group in by_device:
        for pk in group[1:]:
            reasons.setdefault(pk, _why("device"))
    for group in by_scores:
        for i in range(len(group) - IDENTICAL_IN_BURST + 1):
            window = group[i : i + IDENTICAL_IN_BURST]
            if window[-1].rated_at - window[0].rated_at <= BURST:
                for r in window:
                    reasons.setdefault(r.pk, _why("scores"))
    return reasons


def _hold(reasons: dict[int, str]) -> int:
    """Hold the counted ones among `reasons`; returns how many (a decided one stays counted)."""
    by_reason: dict[str, list[int]] = {}
    for pk, why in reasons.items():
        by_reason.setdefault(why, []).append(pk)
    held = 0
    for why, pks in by_reason.items():
        held += (
            TraineeRating.objects.filter(pk__in=pks, is_flagged=False)
            .exclude(flag_reason__in=DECIDED)
            .update(is_flagged=True, flag_reason=why)
        )
    return held


def flag_suspicious(booking: Booking) -> int:
    """Hold every rating of the session the rules hold; returns how many were newly held.

    Checks the whole session. A submission holds by the same rules through `_hold_reason`
    and `_flag_new`, which read only the ratings the new one can form a group with."""
    rules = CountySettings.for_county(booking.county_id)
    ratings = list(
        TraineeRating.objects.filter(booking=booking, rated_at__isnull=False).order_by(
            "rated_at", "id"
        )
    )
    by_address: dict[str, list] = {}
    by_device: dict[str, list] = {}
    by_scores: dict[tuple, list] = {}
    for r in ratings:
        if r.client_ip:
            by_address.setdefault(r.client_ip, []).append((r.rated_at, r.pk))
        if r.device:
            by_device.setdefault(r.device, []).append(r.pk)
        by_scores.setdefault((r.content, r.method, r.effect), []).append(r)
    reasons = _reasons_among(
        early=[r for r in ratings if r.rated_at < booking.start_at],
        by_address=list(by_address.values()), by_device=list(by_device.values()),
        by_scores=list(by_scores.values()), limit=rules.rating_burst_per_minute,
    )  # fmt: skip
    for r in ratings[booking.expected_attendees :]:
        reasons.setdefault(r.pk, _why("attendees"))
    return _hold(reasons)


def _flag_new(booking: Booking, record: TraineeRating, rules: CountySettings) -> int:
    """Hold what `flag_suspicious` would newly hold once `record` is rated, and return how
    many, without re-reading the whole session (that made a hall's burst of n submissions
    O(n²)).

    The ratings `record` can newly make held are those of its device, those with its three
    scores within BURST of it (every window of IDENTICAL_IN_BURST that contains it lies
    there, and is consecutive there as it is in the whole group), those of its address
    within BURST after it (each with all its predecessors within BURST, which lie within
    BURST before it), and the session's tail beyond the expected attendees. Groups without
    `record` were checked when their own last rating came in. Each check runs after its
    rating's commit, so the check of the rating committed last in a group sees the whole
    group, however the submissions interleave; two checks that find the same group hold it
    once. Same reasons, same precedence."""
    triple = (record.content, record.method, record.effect)
    table = connection.ops.quote_name(TraineeRating._meta.db_table)
    # The groups in one statement, each branch on its own index (rating_session_scores,
    # rating_session_device, rating_session_address): planned apart, so that no planner
    # strays to the session's order index (with a time window on the scores, they did, and
    # in a hall's burst the whole session is inside the window). "Rated", the windows of the
    # scores and the order are applied here. SQL rather than the ORM: building the query took
    # longer than running it.
    select = f"SELECT id, device, client_ip, content, method, effect, rated_at FROM {table} WHERE booking_id = %s"  # noqa: S608
    sql = f"{select} AND content = %s AND method = %s AND effect = %s"
    params = [booking.pk, *triple]
    if record.device:
        sql += f" UNION ALL {select} AND device = %s"
        params += [booking.pk, record.device]
    if record.client_ip:
        field = TraineeRating._meta.get_field("rated_at")
        sql += f" UNION ALL {select} AND client_ip = %s AND rated_at > %s AND rated_at < %s"
        params += [booking.pk, record.client_ip,
                   field.get_db_prep_value(record.rated_at - BURST, connection),
                   field.get_db_prep_value(record.rated_at + BURST, connection)]  # fmt: skip
    rows = {r.pk: r for r in TraineeRating.objects.raw(sql, params) if r.rated_at is not None}
    rows[record.pk] = record
    near = sorted(rows.values(), key=lambda r: (r.rated_at, r.pk))  # as the session is read
    at = record.rated_at
    reasons = _reasons_among(
        early=[record] if at < booking.start_at else [],
        by_address=[
            [(r.rated_at, r.pk) for r in near
             if record.client_ip and r.client_ip == record.client_ip and abs(r.rated_at - at) < BURST]
        ],
        by_device=[[r.pk for r in near if record.device and r.device == record.device]],
        by_scores=[
            [r for r in near
             if (r.content, r.method, r.effect) == triple and abs(r.rated_at - at) <= BURST]
        ],
        limit=rules.rating_burst_per_minute, start=(at, record.pk),
    )  # fmt: skip
    with connection.cursor() as cursor:  # the session's ratings past the expected attendees
        cursor.execute(
            f"SELECT id FROM {table} WHERE booking_id = %s AND rated_at IS NOT NULL "  # noqa: S608
            "ORDER BY rated_at, id LIMIT %s OFFSET %s",
            [booking.pk, 2**62, booking.expected_attendees],
        )
        for (pk,) in cursor.fetchall():
            reasons.setdefault(pk, _why("attendees"))
    return _hold(reasons)


def rating_review(*, actor, rating: TraineeRating, keep: bool) -> None:
    """A county reviewer keeps a held rating (it counts) or discards it."""
    if (
        not access.may_review_ratings(actor)
        or rating.booking.county_id != access.scope_for(actor).county_id
    ):
        raise Forbidden()
    with transaction.atomic():
        _lock_aggregates(rating.booking)
        if keep:
            TraineeRating.objects.filter(pk=rating.pk).update(
                is_flagged=False, flag_reason=REVIEWED
            )
        else:
            TraineeRating.objects.filter(pk=rating.pk).delete()
        audit(actor=actor, action="rating.keep" if keep else "rating.discard", obj=rating,
              county_id=rating.booking.county_id, before={"flag": rating.flag_reason})  # fmt: skip
        refresh_aggregates(rating.booking)


def may_confirm_attendance(user, booking: Booking) -> bool:
    """The booking organisation confirms its attendance list: its secretary, or an admin of
    the town or county over it. Not the lecturer, whose score it is."""
    return access.acts_for_org(user, booking.org) and not access.is_booking_lecturer(user, booking)


def attendance_confirm(*, actor, booking: Booking, rating_ids) -> int:
    """The organisation confirms which of the session's held ratings came from real
    attendees: those count from now on (and are never held again). The others stay held for
    the county's review. Returns how many were confirmed; audited with their ids."""
    if not may_confirm_attendance(actor, booking):
        raise Forbidden()
    wanted = {int(pk) for pk in rating_ids if str(pk).isascii() and str(pk).isdigit()}
    with transaction.atomic():
        _lock_aggregates(booking)
        held = TraineeRating.objects.filter(booking=booking, is_flagged=True)
        ids = sorted(held.filter(pk__in=wanted).values_list("pk", flat=True))
        confirmed = held.filter(pk__in=ids).update(is_flagged=False, flag_reason=CONFIRMED)
        audit(actor=actor, action="attendance.confirm", obj=booking, county_id=booking.county_id,
              after={"confirmed": ids, "still_held": held.count()})  # fmt: skip
        if confirmed:
            refresh_aggregates(booking)
    return confirmed


def _points(path: str = ""):
    """A rating's three scores summed (`path`: the way to the rating, e.g. "trainee_ratings__")."""
    return F(f"{path}content") + F(f"{path}method") + F(f"{path}effect")


def overall_score(path: str = ""):
    """A rating's overall score, the mean of its three scores (`path` as for `_points`)."""
    return Cast(_points(path), FloatField()) / 3.0


# Ratings that count: rated, not held.
COUNTED = Q(rated_at__isnull=False, is_flagged=False)


def _band_counts() -> dict:
    """A Count of the counted ratings in each score band (RATING_BANDS), by its field."""
    counts = {}
    for (_label, least, field), above in zip_longest(RATING_BANDS, RATING_BANDS[1:]):
        in_band = Q(GreaterThanOrEqual(_points(), least))
        if above:
            in_band &= Q(LessThan(_points(), above[1]))
        counts[field] = Count("id", filter=COUNTED & in_band)
    return counts


def counted_ratings():
    return TraineeRating.objects.filter(COUNTED)


def _lock_aggregates(booking: Booking) -> None:
    """Lock the rows of the lecturer's and the course's aggregates until the end of the
    transaction, before a recount or a review changes what counts.

    A rating's transaction adds to the same rows with an UPDATE, in the same order (lecturer,
    then course), so the two never deadlock. A recount that holds the locks sums every
    committed rating; a rating added meanwhile waits at its UPDATE and then adds to the
    recounted total. Without them, on PostgreSQL (READ COMMITTED), a recount could sum
    without a concurrent rating and then overwrite the total that rating had added. SQLite's
    IMMEDIATE transactions hold the write lock already; there select_for_update is a no-op."""
    for model, pk, _lookup in _aggregates_fed_by(booking):
        model.objects.select_for_update().filter(pk=pk).values_list("pk").first()


# The namespace of the organisation's advisory lock (pg_advisory_xact_lock(namespace, id)).
_LOCK_ORG = 0x4A540003


def _lock_org_score(org_id: int) -> None:
    """Make the lecturers' ratings of one organisation run one after the other until the end
    of the transaction (PostgreSQL; SQLite's IMMEDIATE transactions do so already). An
    advisory lock, as the OrgScore row does not exist before the first rating: otherwise two
    ratings could each average without the other's and the later commit store a stale count."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)",
                [_LOCK_ORG, org_id % 2**31],
            )


def _aggregates_fed_by(booking: Booking):
    """(model, pk, lookup from a rating) of the aggregates a session's ratings feed."""
    return (
        (Lecturer, booking.lecturer_id, "booking__lecturer_id"),
        (Course, booking.course_id, "booking__course_id"),
    )


def _store_aggregates(
    model, pk: int, rules: CountySettings, *, total: str, count: str, params: list
) -> None:
    """One UPDATE of a lecturer's or course's running total and count and of the score the
    database derives from them, then the star if the score crossed a county threshold.

    `total` and `count` are SQL: over the row's own columns for an added rating (so two
    ratings can never both add to the same old total, whatever the locks) or placeholders
    for a recount, `params` their values in that order (total's, then count's).
    score = total / (3 × count) to two decimals, none while the count is 0: the same SQL on
    SQLite (REAL) and PostgreSQL (NUMERIC), whichever path wrote it."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET rating_total = {total}, rating_count = {count}, "  # noqa: S608
            f"score = ROUND(({total}) * 1.0 / NULLIF(3 * ({count}), 0), 2) "
            "WHERE id = %s RETURNING score, star",
            [*params, *params, pk],
        )
        score, star = cursor.fetchone()
    if star != rules.star_for(score):
        model.objects.filter(pk=pk).update(star=rules.star_for(score))


_SESSION_TOTALS = ("rating_total", "rating_count", "attendance_count", *BAND_FIELDS)
_NO_BANDS = (0,) * len(BAND_FIELDS)


def _one_in_band(points: int) -> tuple[int, ...]:
    """The band counts of a single rating whose three scores sum to `points`."""
    return tuple(int(field == band_of(points)) for field in BAND_FIELDS)


def _store_session_score(
    booking_id: int, *, total: int = 0, count: int = 0, attendances: int = 0,
    bands: tuple[int, ...] = _NO_BANDS, add: bool,
) -> None:  # fmt: skip
    """One upsert of the session's running totals (SessionScore), after the lecturer's and the
    course's rows (the lock order of `_lock_aggregates`): `add` adds the values to them
    (a check-in counts an attendance, a counted rating its points and its band too),
    otherwise they replace them (a recount). `bands`: the counts in the order of
    BAND_FIELDS."""
    table = connection.ops.quote_name(SessionScore._meta.db_table)
    if add:
        change = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in _SESSION_TOTALS)
    else:
        change = ", ".join(f"{c} = excluded.{c}" for c in _SESSION_TOTALS)
    values = [total, count, attendances, *bands]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (booking_id, {', '.join(_SESSION_TOTALS)}) "  # noqa: S608
            f"VALUES (%s, {', '.join(['%s'] * len(values))}) "
            f"ON CONFLICT (booking_id) DO UPDATE SET {change}",
            [booking_id, *values],
        )


# How many of a lecturer's latest comments the cards and the résumé show.
LATEST_COMMENTS = 3


def comment_entry(rating_id: int, comment: str, rated_at, points: int) -> dict:
    """A rating as `Lecturer.latest_comments` keeps it: JSON, newest first by (rated_at, id)."""
    return {
        "id": rating_id,
        "comment": comment,
        "rated_at": rated_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "overall": round(points / 3, 2),
    }


def _latest_first(entries) -> list[dict]:
    """The newest `LATEST_COMMENTS` entries (ISO times in UTC, to the microsecond, compare as
    the moments they name)."""
    return sorted(entries, key=lambda e: (e["rated_at"], e["id"]), reverse=True)[:LATEST_COMMENTS]


def _remember_comment(lecturer_id: int, record: TraineeRating, points: int) -> None:
    """A newly counted comment joins the lecturer's latest; the caller's UPDATE of the
    lecturer's totals holds the row (SQLite: the write lock), so no comment is lost between
    this read and the write."""
    lecturer = Lecturer.objects.filter(pk=lecturer_id)
    kept = lecturer.values_list("latest_comments", flat=True).get()
    entry = comment_entry(record.pk, record.comment, record.rated_at, points)
    lecturer.update(latest_comments=_latest_first([entry, *kept]))


def _recount_comments(lecturer_id: int) -> None:
    """The lecturer's latest comments again from the counted ratings, when a hold, a review
    or a confirmation changed which ones count."""
    rows = (
        counted_ratings()
        .filter(booking__lecturer_id=lecturer_id)
        .exclude(comment="")
        .order_by("-rated_at", "-id")
        .values_list("pk", "comment", "rated_at", "content", "method", "effect")[:LATEST_COMMENTS]
    )
    Lecturer.objects.filter(pk=lecturer_id).update(
        latest_comments=[
            comment_entry(pk, comment, rated_at, content + method + effect)
            for pk, comment, rated_at, content, method, effect in rows
        ]
    )


def _add_to_aggregates(
    booking: Booking, record: TraineeRating, rules: CountySettings, *, attended: bool
) -> None:
    """A newly counted rating joins the running totals, in its transaction; `attended`: its
    attendance too (not when it rates a check-in that counted already)."""
    points = record.content + record.method + record.effect
    for model, pk, _lookup in _aggregates_fed_by(booking):
        _store_aggregates(
            model, pk, rules, total="rating_total + %s", count="rating_count + 1", params=[points]
        )
    if record.comment:
        _remember_comment(booking.lecturer_id, record, points)
    _store_session_score(
        booking.pk,
        total=points,
        count=1,
        attendances=int(attended),
        bands=_one_in_band(points),
        add=True,
    )


def refresh_aggregates(booking: Booking, *, rules: CountySettings | None = None) -> None:
    """Recount the lecturer's, the course's and the session's totals from the raw ratings,
    when ratings stop counting (flagged, discarded) or count again (kept after review).
    `rules`: the county's settings, when the caller has them already."""
    rules = rules or CountySettings.for_county(booking.county_id)
    with transaction.atomic(savepoint=False):  # the locks need a transaction
        _lock_aggregates(booking)  # already held when called from a review
        for model, pk, lookup in _aggregates_fed_by(booking):
            row = (
                counted_ratings()
                .filter(**{lookup: pk})
                .aggregate(total=Sum(_points()), n=Count("id"))
            )
            _store_aggregates(
                model, pk, rules, total="%s", count="%s", params=[row["total"] or 0, row["n"]]
            )
        # Adding nothing locks the session's row: a check-in, which locks no lecturer, waits
        # there until this recount has committed, then adds to the recounted attendances.
        _store_session_score(booking.pk, add=True)
        row = TraineeRating.objects.filter(booking_id=booking.pk).aggregate(
            total=Sum(_points(), filter=COUNTED),
            n=Count("id", filter=COUNTED),
            attended=Count("id", filter=Q(is_flagged=False)),
            **_band_counts(),
        )
        _store_session_score(
            booking.pk, total=row["total"] or 0, count=row["n"], attendances=row["attended"],
            bands=tuple(row[field] for field in BAND_FIELDS), add=False,
        )  # fmt: skip
        _recount_comments(booking.lecturer_id)


def session_summary(booking: Booking) -> dict:
    """The session's 1+3 figures from its counted ratings."""
    row = (
        counted_ratings()
        .filter(booking=booking)
        .aggregate(
            avg_content=Avg("content"),
            avg_method=Avg("method"),
            avg_effect=Avg("effect"),
            overall=Avg(overall_score()),
            n=Count("id"),
        )
    )
    row = {
        "content": row["avg_content"],
        "method": row["avg_method"],
        "effect": row["avg_effect"],
        "overall": row["overall"],
        "n": row["n"],
    }
    rules = CountySettings.for_county(booking.county_id)
    # People (人次, L19) are counted from check-ins, without those suspected as manufactured.
    attendance = TraineeRating.objects.filter(booking=booking, is_flagged=False).count()
    flagged = TraineeRating.objects.filter(booking=booking, is_flagged=True).count()
    return {
        **row,
        "star": rules.star_for(row["overall"]),
        "attendance": attendance,
        "flagged": flagged,
    }


# --- the lecturer rates the organisation --------------------------------------------------------------


def org_rating_submit(
    *, actor, booking: Booking, performance, discipline, engagement, comment: str = ""
) -> OrgRating:
    if not access.is_booking_lecturer(actor, booking):
        raise Forbidden(_("Only the lecturer of the session rates the organisation."))
    errors = FieldErrors()
    values = {
        f: _clean_score(v, f, errors)
        for f, v in (
            ("performance", performance),
            ("discipline", discipline),
            ("engagement", engagement),
        )
    }
    comment = errors.check(
        clean_text, comment, field="comment", max_length=MAX_COMMENT, required=False, multiline=True
    )
    errors.raise_if_any()
    if booking.status not in RATEABLE or booking.start_at > timezone.now():
        raise Conflict(
            _("The organisation can be rated once the session has started."), code="not_started"
        )
    try:
        with transaction.atomic():
            _lock_org_score(booking.org_id)
            rating = OrgRating.objects.create(booking=booking, comment=comment, **values)
            row = OrgRating.objects.filter(booking__org=booking.org).aggregate(
                score=Avg(
                    Cast(F("performance") + F("discipline") + F("engagement"), FloatField()) / 3.0
                ),
                n=Count("id"),
            )
            score = round(row["score"], 2)
            OrgScore.objects.update_or_create(
                org=booking.org,
                defaults={
                    "score": score,
                    "star": CountySettings.for_county(booking.county_id).star_for(score),
                    "rating_count": row["n"],
                },
            )
            audit(
                actor=actor,
                action="org_rating.create",
                obj=rating,
                county_id=booking.county_id,
                after=values,
            )
    except IntegrityError:
        raise Conflict(
            _("You have already rated this session's organisation."), code="already_rated"
        ) from None
    return rating


def county_restar(*, county_id: int) -> int:
    """Star every rated lecturer and course of the county again by its thresholds (they just
    changed), in the caller's transaction; returns how many changed. The rows are locked as a
    recount locks them (lecturers, then courses), so that a rating added meanwhile waits."""
    rules = CountySettings.for_county(county_id)
    changed = 0
    for model in (Lecturer, Course):
        rows = (
            model.objects.select_for_update()
            .filter(county_id=county_id, score__isnull=False)
            .values_list("pk", "score", "star")
        )
        by_star: dict[int, list[int]] = {}
        for pk, score, star in rows:
            if rules.star_for(score) != star:
                by_star.setdefault(rules.star_for(score), []).append(pk)
        for star, pks in by_star.items():
            changed += model.objects.filter(pk__in=pks).update(star=star)
    return changed

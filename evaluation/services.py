"""QR evaluation (测评码, L10): signed tokens, trainee check-in and ratings, the lecturer's
rating of the organisation, and the stored aggregates that star levels and rankings use."""

import hmac
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, F, FloatField, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, Gone, NotFound
from core.text import clean_mobile, clean_text
from courses.models import Course
from lecturers.models import Lecturer
from orgs import access
from orgs.models import CountySettings, OrgScore
from scheduling.models import Booking, BookingStatus

from .models import OrgRating, TraineeRating

_SALT = "jiangtai.evaluation-token"
OPENS_BEFORE = timedelta(minutes=30)
RATEABLE = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
MAX_COMMENT = 1000


# --- tokens ------------------------------------------------------------------------------------


def _signature(booking_id: int) -> str:
    return salted_hmac(_SALT, str(booking_id), algorithm="sha256").hexdigest()[:16]


def token_for(booking: Booking) -> str:
    return f"{booking.pk}-{_signature(booking.pk)}"


def trainee_url(booking: Booking) -> str:
    return f"{settings.SITE_URL}/e/{token_for(booking)}"


def booking_for_token(token: str, *, now=None) -> Booking:
    """The session of a token that is open now: 404 forged, 410 expired or cancelled, 409 not
    open yet (30 minutes before the start)."""
    return _open_session(token, now=now)[0]


def _open_session(token: str, *, now=None, related: bool = True) -> tuple[Booking, CountySettings]:
    """`booking_for_token`, also returning the county's rules it read; `related=False` leaves
    out the lecturer, course and organisation (a trainee's submission needs only their ids)."""
    booking_id, _sep, signature = (token or "").partition("-")
    if (
        not booking_id.isdigit()
        or len(booking_id) > 18
        or not hmac.compare_digest(signature, _signature(int(booking_id)))
    ):
        raise NotFound(_("This code is not valid."))
    if related:
        found = Booking.objects.select_related("lecturer", "course", "org").filter(pk=booking_id)
    else:  # a submission, on every trainee's phone: one light read of what it uses
        found = Booking.objects.raw(
            "SELECT id, county_id, org_id, lecturer_id, course_id, status, start_at, end_at, "
            "expected_attendees FROM scheduling_booking WHERE id = %s",
            [int(booking_id)],
        )
    booking = next(iter(found), None)
    if booking is None:
        raise NotFound(_("This code is not valid."))
    now = now or timezone.now()
    rules = CountySettings.for_county(booking.county_id)
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
    client_ip: str = "",
) -> tuple[TraineeRating, bool]:  # fmt: skip
    """Check in and rate in one step. Returns (record, created): the same phone again for the
    same session gets its first record back, unchanged (rating it if it had no scores yet).

    Every submission to an open session counts against the per-minute limits, invalid ones
    too; a refusal (429) comes before any complaint about the input. A valid submission
    counts in the transaction that stores it (one commit, one flush of PostgreSQL's log, per
    submission); a refused one rolls back with it, which changes nothing, as its key's window
    is full and stays full until it ends."""
    booking, rules = _open_session(token, related=False)
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
        booking, rules, limits=limit_keys, name=name, phone=phone, device=device, rated=rated
    )


def _store(
    booking: Booking, rules: CountySettings, *, limits: list[tuple[str, int]], name: str,
    phone: str, device: str, rated: dict,
) -> tuple[TraineeRating, bool]:  # fmt: skip
    """The check-in or rating of `trainee_rate`, counted under `limits`: a new record in one
    transaction, or, when the phone is already checked in, that record (rated now if it had
    no scores) in a second. A rating joins the running totals in its transaction; the
    integrity check follows the commit (`_flag_new`), so that the write lock is held only for
    the writes."""
    rated_now = None
    try:
        with transaction.atomic():
            ratelimit.hit(*limits)
            record = TraineeRating.objects.create(
                booking=booking, name=name, phone=phone, device=device, **rated
            )
            if rated:
                _add_to_aggregates(booking, record, rules)
                rated_now = record
        created = True
    except IntegrityError:  # this phone is already checked in for this session
        created = False
        with transaction.atomic():
            ratelimit.hit(*limits)  # the first transaction's count rolled back with it
            record = TraineeRating.objects.get(booking=booking, phone=phone)
            if rated and record.rated_at is None:
                if TraineeRating.objects.filter(pk=record.pk, rated_at__isnull=True).update(
                    **rated
                ):
                    for field, value in rated.items():
                        setattr(record, field, value)
                    _add_to_aggregates(booking, record, rules)
                    rated_now = record
                record.refresh_from_db()
    if rated_now is not None and _flag_new(booking, rated_now):
        refresh_aggregates(booking, rules=rules)  # flagged ratings leave the totals
    return record, created


# --- integrity and aggregates --------------------------------------------------------------------------

# Many people honestly give 100/100/100; the same three scores from many phones within
# seconds is what a script or one person with a stack of phones looks like.
BURST = timedelta(seconds=60)
SAME_DEVICE_LIMIT = 3
IDENTICAL_IN_BURST = 8


def flag_suspicious(booking: Booking) -> int:
    """Flag ratings that look manufactured; flagged ones leave the aggregates until reviewed.

    Checks the whole session. A submission runs the same rules through `_flag_new`, which
    reads only the ratings the new one can form a suspicious group with."""
    ratings = list(
        TraineeRating.objects.filter(booking=booking, rated_at__isnull=False).order_by(
            "rated_at", "id"
        )
    )
    reasons: dict[int, str] = {}
    by_device: dict[str, list] = {}
    for r in ratings:
        if r.device:
            by_device.setdefault(r.device, []).append(r)
    for group in by_device.values():
        if len(group) > SAME_DEVICE_LIMIT:
            for r in group:
                reasons.setdefault(r.pk, _("many ratings from one device"))
    by_scores: dict[tuple, list] = {}
    for r in ratings:
        by_scores.setdefault((r.content, r.method, r.effect), []).append(r)
    for group in by_scores.values():
        for i in range(len(group) - IDENTICAL_IN_BURST + 1):
            window = group[i : i + IDENTICAL_IN_BURST]
            if window[-1].rated_at - window[0].rated_at <= BURST:
                for r in window:
                    reasons.setdefault(r.pk, _("identical scores in a burst"))
    for r in ratings[booking.expected_attendees :]:
        reasons.setdefault(r.pk, _("more ratings than expected attendees"))
    reviewed = {r.pk for r in ratings if r.flag_reason == REVIEWED}
    new = {pk: why for pk, why in reasons.items() if pk not in reviewed}
    for pk, why in new.items():
        TraineeRating.objects.filter(pk=pk, is_flagged=False).exclude(flag_reason=REVIEWED).update(
            is_flagged=True, flag_reason=why
        )
    return len(new)


def _flag_new(booking: Booking, record: TraineeRating) -> int:
    """Flag what `flag_suspicious` would newly flag once `record` is rated, and return how
    many, without re-reading the whole session (that made a hall's burst of n submissions
    O(n²)).

    The ratings `record` can newly make suspicious are those of its device, those with its
    three scores within BURST of it (every window of IDENTICAL_IN_BURST that contains it lies
    there, and is consecutive there as it is in the whole group), and the session's tail
    beyond the expected attendees. Groups without `record` were checked when their own last
    rating came in. Each check runs after its rating's commit, so the check of the rating
    committed last in a group sees the whole group, however the submissions interleave;
    two checks that find the same group flag it once. Same reasons, same precedence."""
    triple = (record.content, record.method, record.effect)
    table = connection.ops.quote_name(TraineeRating._meta.db_table)
    # Both groups in one statement, each branch on its own index (rating_session_scores,
    # rating_session_device): planned apart, so that neither planner strays to the session's
    # order index (with a time window in SQL they did, and in a hall's burst the whole
    # session is inside the window). The window, "rated" and the order are applied here.
    # SQL rather than the ORM: building the query took longer than running it.
    select = (
        f"SELECT id, device, content, method, effect, rated_at FROM {table} WHERE booking_id = %s"  # noqa: S608
    )
    sql = f"{select} AND content = %s AND method = %s AND effect = %s"
    params = [booking.pk, *triple]
    if record.device:
        sql += f" UNION ALL {select} AND device = %s"
        params += [booking.pk, record.device]
    rows = {r.pk: r for r in TraineeRating.objects.raw(sql, params) if r.rated_at is not None}
    near = sorted(  # by (rated_at, id), as the whole session is read
        (r.rated_at, pk, r.device, (r.content, r.method, r.effect)) for pk, r in rows.items()
    )
    reasons: dict[int, str] = {}
    if record.device:
        same_device = [pk for _at, pk, device, _scores in near if device == record.device]
        if len(same_device) > SAME_DEVICE_LIMIT:
            for pk in same_device:
                reasons.setdefault(pk, _("many ratings from one device"))
    same_scores = [
        (pk, rated_at)
        for rated_at, pk, _device, scores in near
        if scores == triple and abs(rated_at - record.rated_at) <= BURST
    ]
    for i in range(len(same_scores) - IDENTICAL_IN_BURST + 1):
        window = same_scores[i : i + IDENTICAL_IN_BURST]
        if window[-1][1] - window[0][1] <= BURST:
            for pk, _rated_at in window:
                reasons.setdefault(pk, _("identical scores in a burst"))
    with connection.cursor() as cursor:  # the session's ratings past the expected attendees
        cursor.execute(
            f"SELECT id FROM {table} WHERE booking_id = %s AND rated_at IS NOT NULL "  # noqa: S608
            "ORDER BY rated_at, id LIMIT %s OFFSET %s",
            [booking.pk, 2**62, booking.expected_attendees],
        )
        for (pk,) in cursor.fetchall():
            reasons.setdefault(pk, _("more ratings than expected attendees"))
    by_reason: dict[str, list[int]] = {}
    for pk, why in reasons.items():
        by_reason.setdefault(why, []).append(pk)
    flagged = 0
    for why, pks in by_reason.items():
        flagged += (
            TraineeRating.objects.filter(pk__in=pks, is_flagged=False)
            .exclude(flag_reason=REVIEWED)
            .update(is_flagged=True, flag_reason=why)
        )
    return flagged


REVIEWED = "reviewed"


def rating_review(*, actor, rating: TraineeRating, keep: bool) -> None:
    """A county admin keeps a flagged rating (it counts again) or discards it."""
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


def _overall():
    return Cast(F("content") + F("method") + F("effect"), FloatField()) / 3.0


def counted_ratings():
    """Ratings that count: rated, not flagged."""
    return TraineeRating.objects.filter(rated_at__isnull=False, is_flagged=False)


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


def _add_to_aggregates(booking: Booking, record: TraineeRating, rules: CountySettings) -> None:
    """A newly counted rating joins the running totals, in its transaction."""
    points = record.content + record.method + record.effect
    for model, pk, _lookup in _aggregates_fed_by(booking):
        _store_aggregates(
            model, pk, rules, total="rating_total + %s", count="rating_count + 1", params=[points]
        )


def refresh_aggregates(booking: Booking, *, rules: CountySettings | None = None) -> None:
    """Recount the lecturer's and the course's totals from the raw ratings, when ratings stop
    counting (flagged, discarded) or count again (kept after review). `rules`: the county's
    settings, when the caller has them already."""
    rules = rules or CountySettings.for_county(booking.county_id)
    with transaction.atomic(savepoint=False):  # the locks need a transaction
        _lock_aggregates(booking)  # already held when called from a review
        for model, pk, lookup in _aggregates_fed_by(booking):
            row = (
                counted_ratings()
                .filter(**{lookup: pk})
                .aggregate(total=Sum(F("content") + F("method") + F("effect")), n=Count("id"))
            )
            _store_aggregates(
                model, pk, rules, total="%s", count="%s", params=[row["total"] or 0, row["n"]]
            )


def session_summary(booking: Booking) -> dict:
    """The session's 1+3 figures from its counted ratings."""
    row = (
        counted_ratings()
        .filter(booking=booking)
        .aggregate(
            avg_content=Avg("content"),
            avg_method=Avg("method"),
            avg_effect=Avg("effect"),
            overall=Avg(_overall()),
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

"""Reads of the lecturer catalogue, already scoped to the caller by the access module."""

from django.db.models import Count, F, Prefetch, Q, QuerySet

from core.pinyin import is_latin, normalise_query
from core.text import ascii_digits, mask_phone
from courses.models import Course, CourseStatus
from courses.selectors import courses_visible_to
from orgs import rules as access_rules
from orgs.models import CountySettings, Organisation

from .models import (
    Lecturer,
    LecturerHonour,
    LecturerLevel,
    LecturerStatus,
    LecturerStatusChange,
)

SORTS = {
    # Rated lecturers first, best first; then the most liked.
    "recommended": [F("score").desc(nulls_last=True), "-likes_count", "name_pinyin", "id"],
    "likes": ["-likes_count", "name_pinyin", "id"],
    "courses": ["-course_count", "name_pinyin", "id"],
    "name": ["name_pinyin", "id"],
    "newest": ["-created_at", "-id"],
}


def lecturers_visible_to(user) -> QuerySet[Lecturer]:
    """The caller's county's lecturers. Candidates, cold-stored and removed lecturers cannot be
    booked, so only those who manage them (county admins; town admins for their town's
    town-level lecturers) and the lecturer themself see them."""
    public = Q(status=LecturerStatus.ACTIVE) | access_rules.managed_lecturers_q(user)
    q = access_rules.catalogue_q(user, county_field="county_id", public=public, own_field="pk")
    return access_rules.scoped(Lecturer.objects.all(), q)


# A lecturer by id as the caller may see them: read by bookings, demands and pages, so built
# once (issue 18).
lecturer_for_user = access_rules.visible_by_id(Lecturer, lecturers_visible_to)


def lecturer_bookable_for(lecturer: Lecturer, org: Organisation, rules) -> bool:
    """County rules (L6, L14): only active lecturers of the same county; county-level lecturers
    for everyone; town-level lecturers inside their own town unless the county opens them up."""
    if lecturer.status != LecturerStatus.ACTIVE or lecturer.county_id != org.county_id:
        return False
    if lecturer.level == LecturerLevel.COUNTY or rules.town_lecturers_county_wide:
        return True
    lecturer_town = access_rules.org_town_id(lecturer.org) if lecturer.org else None
    return lecturer_town is None or lecturer_town == access_rules.org_town_id(org)


def may_book_lecturer(user, lecturer: Lecturer) -> bool:
    """Does the caller act for an organisation that may book this lecturer?"""
    rules = CountySettings.for_county(lecturer.county_id)
    return any(
        lecturer_bookable_for(lecturer, org, rules) for org in access_rules.orgs_bookable_by(user)
    )


# A number typed into the search box reads as part of a mobile number from this many digits.
PHONE_SEARCH_MIN_DIGITS = 4


def _query_filter(q: str, *, phones_of: Q | None = None) -> Q:
    """Name (Chinese, full pinyin or initials), specialty or the title of an offered course;
    with `phones_of` (the lecturers whose numbers the caller may search) also part of the
    mobile number, such as its last four digits."""
    key = normalise_query(q)
    text = q.strip()
    condition = (
        Q(name__contains=text)
        | Q(specialties__icontains=text)
        | Q(courses__title__icontains=text, courses__status=CourseStatus.ACTIVE)
    )
    if is_latin(key):
        condition |= Q(name_pinyin__startswith=key) | Q(name_initials__startswith=key)
    digits = ascii_digits(key)
    if phones_of is not None and len(digits) >= PHONE_SEARCH_MIN_DIGITS and digits.isdigit():
        condition |= Q(phone__contains=digits) & phones_of
    return condition


def lecturer_list_for_user(
    user,
    *,
    q: str = "",
    category: str = "",
    org_id: int | None = None,
    status: str = "",
    sort: str = "recommended",
    all_statuses: bool = False,
    by_phone: bool = False,
) -> QuerySet[Lecturer]:
    """The catalogue: active lecturers only, unless a status (or, for a management list,
    every status) is asked for; only those who manage lecturers see the others at all
    (lecturers_visible_to). `by_phone` (management lists): `q` also finds the lecturers the
    caller manages by their mobile number."""
    qs = lecturers_visible_to(user)
    if not all_statuses:
        qs = qs.filter(status=status or LecturerStatus.ACTIVE)
    if q and q.strip():
        phones_of = access_rules.managed_lecturers_q(user) if by_phone else None
        matching = qs.filter(_query_filter(q, phones_of=phones_of)).values("pk")
        qs = qs.filter(pk__in=matching)
    if category:
        qs = qs.filter(
            pk__in=Course.objects.filter(category=category, status=CourseStatus.ACTIVE).values(
                "lecturer_id"
            )
        )
    if org_id:
        qs = qs.filter(Q(org_id=org_id) | Q(org__parent_id=org_id))
    return _with_cards(qs, sort)


def _with_cards(qs: QuerySet[Lecturer], sort: str = "recommended") -> QuerySet[Lecturer]:
    active_courses = Course.objects.filter(status=CourseStatus.ACTIVE).only(
        "id", "lecturer_id", "title", "category", "duration_minutes", "star", "score"
    )
    return (
        qs.select_related("org")
        .annotate(course_count=Count("courses", filter=Q(courses__status=CourseStatus.ACTIVE)))
        .prefetch_related(
            Prefetch("courses", queryset=active_courses, to_attr="active_courses"),
            Prefetch(
                "honours", queryset=LecturerHonour.objects.order_by("-year"), to_attr="honour_list"
            ),
        )
        .order_by(*SORTS.get(sort, SORTS["recommended"]))
    )


def lecturer_categories(lecturer: Lecturer) -> list[str]:
    """Categories of the lecturer's offered courses, in the catalogue's order."""
    from courses.models import Category

    present = {c.category for c in lecturer.active_courses}
    return [c for c in Category.values if c in present]


def lecturer_titles(lecturer: Lecturer) -> list[str]:
    return list(dict.fromkeys(h.title for h in lecturer.honour_list))


def lecturer_is_active(lecturer_id: int) -> bool:
    """Whether a lecturer is in the active pool (in the catalogue, booked, grabbing)."""
    return Lecturer.objects.filter(pk=lecturer_id, status=LecturerStatus.ACTIVE).exists()


def lecturer_detail_for_user(user, lecturer_id) -> Lecturer:
    """The résumé; raises NotFound outside the caller's county."""
    # One read (with its card's prefetches), scoped as lecturer_for_user scopes it.
    return access_rules.get_visible(_with_cards(lecturers_visible_to(user)), lecturer_id)


def lecturer_status_history(user, lecturer: Lecturer) -> list[LecturerStatusChange]:
    """The lifecycle moves, newest first, for those who manage the lecturer and the lecturer
    themself; else none."""
    if not (
        access_rules.may_manage_lecturer(user, lecturer)
        or access_rules.is_lecturer_self(user, lecturer)
    ):
        return []
    return list(lecturer.status_changes.select_related("actor")[:20])


def lecturer_sees_terms(user, lecturer: Lecturer) -> bool:
    """Appointment terms, status reason and history: for those who manage the lecturer."""
    return access_rules.may_manage_lecturer(user, lecturer)


def lecturer_liked_by(user, lecturer: Lecturer) -> bool:
    return lecturer.likes.filter(user=user).exists()


def lecturer_phone_for(user, lecturer: Lecturer) -> str:
    """The full number for county admins and the lecturer, masked for everyone else."""
    scope = access_rules.scope_for(user)
    if scope.is_county_admin or scope.lecturer_id == lecturer.pk:
        return lecturer.phone
    return mask_phone(lecturer.phone)


def catalogue_summary_for_user(user) -> dict:
    """Headline figures of the caller's county pool (L5, L18)."""
    from courses.models import Category

    lecturers = lecturers_visible_to(user)
    courses = courses_visible_to(user).filter(status=CourseStatus.ACTIVE)
    by_category = dict(courses.values_list("category").annotate(n=Count("id")))
    by_status = dict(lecturers.values_list("status").annotate(n=Count("id")))
    return {  # the totals from the two groupings, not two more counts
        "lecturers": by_status.get(LecturerStatus.ACTIVE, 0),
        "courses": sum(by_category.values()),
        "by_status": [(label, by_status.get(value, 0)) for value, label in LecturerStatus.choices],
        "by_category": [
            (value, label, by_category.get(value, 0)) for value, label in Category.choices
        ],
    }

"""Teaching bases (现场课堂, G7d): the county's on-site classrooms, and the rule that a base
never holds more overlapping sessions than its capacity. Bookings and demands name a base
through `scheduling.venues`, which calls `TeachingBaseVenues` registered at start-up."""

from django.db import transaction
from django.utils.translation import gettext as _

import access
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput
from core.text import clean_coordinates, clean_text, parse_id
from lecturers.models import Lecturer
from scheduling.models import Booking, BookingStatus

from .models import BaseLevel, BaseUse, TeachingBase

# The bookings that occupy their base: requests hold the place until they are answered.
HOLDING = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
MAX_CAPACITY = 100


class TeachingBaseVenues:
    def check(self, *, actor, county_id: int, base_id: int) -> None:
        if not TeachingBase.objects.filter(pk=base_id, county_id=county_id).exists():
            raise InvalidInput.field("base_id", _("Unknown teaching base."))

    def hold(self, subject, base_id: int) -> None:
        """Lock the base, then count: two bookings of one base are never counted at once.
        (SQLite: the IMMEDIATE transaction already holds the database's write lock.)"""
        capacity = (
            TeachingBase.objects.select_for_update()
            .filter(pk=base_id)
            .values_list("capacity", flat=True)
            .get()
        )
        if not isinstance(subject, Booking):
            BaseUse.objects.update_or_create(demand=subject, defaults={"base_id": base_id})
            return
        if subject.status in HOLDING:
            overlapping = (
                BaseUse.objects.filter(
                    base_id=base_id,
                    booking__status__in=HOLDING,
                    booking__start_at__lt=subject.end_at,
                    booking__end_at__gt=subject.start_at,
                )
                .exclude(booking=subject)
                .count()
            )
            if overlapping >= capacity:
                raise Conflict(
                    _("The teaching base already holds %(n)d sessions at this time.")
                    % {"n": overlapping},
                    code="base_full",
                )
        BaseUse.objects.update_or_create(booking=subject, defaults={"base_id": base_id})

    def base_of(self, subject) -> int | None:
        field = "booking" if isinstance(subject, Booking) else "demand"
        return BaseUse.objects.filter(**{field: subject}).values_list("base_id", flat=True).first()


def bases_visible_to(user):
    """The bases of the caller's county; nothing for people outside every county."""
    county_id = access.scope_for(user).county_id
    if county_id is None:
        return TeachingBase.objects.none()
    return TeachingBase.objects.filter(county_id=county_id).prefetch_related("docents")


def base_create(
    *,
    actor,
    name: str,
    level: str,
    address: str,
    lat,
    lng,
    capacity,
    theme: str = "",
    opening_hours: str = "",
    docent_ids: list | None = None,
) -> TeachingBase:
    if not access.may_manage_catalogue(actor):
        raise Forbidden(_("Only the county's administrators manage teaching bases."))
    county_id = access.scope_for(actor).county_id
    errors = FieldErrors()
    name = errors.check(clean_text, name, field="name", max_length=100)
    address = errors.check(clean_text, address, field="address", max_length=200)
    theme = errors.check(clean_text, theme, field="theme", max_length=200, required=False)
    opening_hours = errors.check(
        clean_text, opening_hours, field="opening_hours", max_length=100, required=False
    )
    coords = errors.check(clean_coordinates, lat, lng, required=True)
    if level not in BaseLevel.values:
        errors.add("level", _("Choose the county or the town level."))
    if (
        isinstance(capacity, bool)
        or not isinstance(capacity, int)
        or not 1 <= capacity <= MAX_CAPACITY
    ):
        errors.add(
            "capacity", _("Enter between 1 and %(n)d sessions at once.") % {"n": MAX_CAPACITY}
        )
    wanted = {parse_id(d) for d in docent_ids or []}
    docents = list(Lecturer.objects.filter(pk__in=wanted - {None}, county_id=county_id))
    if None in wanted or len(docents) != len(wanted):
        errors.add("docent_ids", _("Choose lecturers of your county."))
    if name and TeachingBase.objects.filter(county_id=county_id, name=name).exists():
        errors.add("name", _("The county already has a base of this name."))
    errors.raise_if_any()
    with transaction.atomic():
        base = TeachingBase.objects.create(
            county_id=county_id, name=name, level=level, address=address, lat=coords[0],
            lng=coords[1], capacity=capacity, theme=theme, opening_hours=opening_hours,
        )  # fmt: skip
        base.docents.set(docents)
        audit(
            actor=actor,
            action="teaching_base.create",
            obj=base,
            county_id=county_id,
            after={"name": name, "capacity": capacity},
        )
    return base

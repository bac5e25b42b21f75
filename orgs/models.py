from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel
from core.prepared import Prepared, instance_reader
from core.text import parse_digits


class OrgLevel(models.TextChoices):
    # A province groups counties for its figures only: it is no tenant, holds no records and
    # no county-scoped role (see orgs.rules.province_scope_for).
    PROVINCE = "province", _("Province")
    COUNTY = "county", _("County")
    TOWN = "town", _("Town or street")
    VILLAGE = "village", _("Village, community or unit")


class MemberGroup(models.TextChoices):
    GOVERNMENT = "government", _("Government and public institutions")
    NEW_SECTORS = "new_sectors", _("New economic and social organisations")
    RURAL = "rural", _("Rural")
    COMMUNITY = "community", _("Community")
    RETIRED = "retired", _("Retired")
    MOBILE = "mobile", _("Mobile members")


class Organisation(TimeStampedModel):
    """A node of the tree county → town/street → village, community or unit branch.

    `county` points at the county node (itself for a county): it is the tenant key. A county
    may hang under a province (level `province`, no parent, no county); one without is valid.
    """

    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=OrgLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    county = models.ForeignKey(
        "self",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    group = models.CharField(
        _("member group"), max_length=16, choices=MemberGroup.choices, blank=True
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    # A deactivated organisation keeps its history but can no longer book or post demands
    # (a town's branches neither); the back office deactivates it (backoffice.services).
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_unique_name_under_parent"),
            # Provinces are roots and belong to no county; a county is a root or hangs under a
            # province (Organisation.clean checks the parent's level: a check constraint sees
            # one row); every other level hangs under a parent.
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True, county__isnull=True)
                | models.Q(level="county")
                | (~models.Q(level__in=["county", "province"]) & models.Q(parent__isnull=False)),
                name="org_roots_are_provinces_or_counties",
            ),
        ]
        indexes = [models.Index(fields=["county", "level"])]

    def __str__(self):
        return self.name

    def clean(self):
        if (
            self.level == OrgLevel.COUNTY
            and self.parent_id
            and self.parent.level != OrgLevel.PROVINCE
        ):
            raise ValidationError({"parent": _("A county hangs under a province or nothing.")})


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    COUNTY_ADMIN = "county_admin", _("County administrator")
    TOWN_ADMIN = "town_admin", _("Town administrator")
    SECRETARY = "secretary", _("Branch secretary")
    LECTURER = "lecturer", _("Lecturer")


# The organisation level each role is held at.
ROLE_LEVELS = {
    Role.PROVINCE_ADMIN: OrgLevel.PROVINCE,
    Role.COUNTY_ADMIN: OrgLevel.COUNTY,
    Role.TOWN_ADMIN: OrgLevel.TOWN,
    Role.SECRETARY: OrgLevel.VILLAGE,
}


class Membership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "role"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org}"

    def clean(self):
        expected = ROLE_LEVELS.get(self.role)
        if expected and self.org_id and self.org.level != expected:
            raise ValidationError(
                {
                    "org": _("This role is held at the %(level)s level.")
                    % {"level": OrgLevel(expected).label}
                }
            )
        if self.role == Role.PROVINCE_ADMIN:
            # A province admin belongs to no county, so that no county's rule lets them in.
            if self.user_id and self.user.county_id is not None:
                raise ValidationError(
                    {"user": _("A province administrator's login belongs to no county.")}
                )
            return
        if self.user_id and self.org_id and self.user.county_id != self.org.county_id:
            raise ValidationError({"org": _("The organisation is not in the user's county.")})


class OrgScore(models.Model):
    """How lecturers rate an organisation's training (L10, L11), kept equal to its ratings."""

    org = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="score")
    score = models.FloatField(null=True)
    star = models.PositiveSmallIntegerField(null=True)
    rating_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("organisation score")
        verbose_name_plural = _("organisation scores")


# No county lets a browser sit idle for less than this (the database's check below).
SESSION_IDLE_MINUTES_MIN = 5


class CountySettings(TimeStampedModel):
    """Rules each county sets for itself; county admins change them on the settings page."""

    county = models.OneToOneField(
        Organisation,
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="settings",
        limit_choices_to={"level": OrgLevel.COUNTY},
    )
    town_lecturers_county_wide = models.BooleanField(
        _("town-level lecturers may be booked anywhere in the county"),
        default=False,
        help_text=_("Off: a town-level lecturer is booked only inside the own town."),
    )
    booking_notice_hours = models.PositiveSmallIntegerField(
        _("book at least this many hours ahead"), default=24
    )
    cancel_notice_hours = models.PositiveSmallIntegerField(
        _("cancel at least this many hours ahead"), default=24
    )
    request_expiry_hours = models.PositiveSmallIntegerField(
        _("a request expires after this many hours without an answer"), default=72
    )
    reminder_hours = models.CharField(
        _("remind both sides this many hours before a session"),
        max_length=20,
        default="24,2",
        help_text=_("Comma-separated, e.g. 24,2"),
    )
    quiet_hours_start = models.PositiveSmallIntegerField(_("no SMS from (hour)"), default=21)
    quiet_hours_end = models.PositiveSmallIntegerField(_("no SMS until (hour)"), default=8)
    publish_reminder_day = models.PositiveSmallIntegerField(
        _("day of the month to remind lecturers to publish"), default=1
    )
    rate_reminder_hours = models.PositiveSmallIntegerField(
        _("ask the organisation to rate this many hours after a session"), default=1
    )
    # Matching (需求 → 推荐 → 抢单): the weights of the score components and the grab rules.
    weight_topic = models.FloatField(_("weight of topic relevance"), default=0.45)
    weight_distance = models.FloatField(_("weight of distance"), default=0.2)
    weight_quality = models.FloatField(_("weight of quality"), default=0.15)
    weight_fairness = models.FloatField(_("weight of fairness"), default=0.1)
    weight_availability = models.FloatField(_("weight of a published slot"), default=0.1)
    broadcast_size = models.PositiveSmallIntegerField(
        _("lecturers notified per broadcast"), default=5
    )
    grab_window_hours = models.PositiveSmallIntegerField(
        _("widen the broadcast when nobody grabbed within this many hours"), default=12
    )
    travel_buffer_minutes = models.PositiveSmallIntegerField(
        _("minutes of travel kept free around a lecturer's sessions"), default=30
    )
    # Evaluation: how long the QR code stays open after a session, and scores → stars.
    rating_open_hours = models.PositiveSmallIntegerField(
        _("trainees may rate until this many hours after the end"), default=24
    )
    star_thresholds = models.CharField(
        _("lowest score for 5, 4, 3 and 2 stars"), max_length=20, default="90,80,70,60"
    )
    rating_burst_per_minute = models.PositiveSmallIntegerField(
        _("ratings of one session from one address per minute before they are held"),
        default=10,
        help_text=_(
            "A class on one village Wi-Fi shares an address: more than this many ratings "
            "in a minute wait for the organisation's attendance list or a county reviewer."
        ),
    )
    # Accounts: how long an API token (the mini-program's login) lasts.
    api_token_days = models.PositiveSmallIntegerField(
        _("API logins last this many days"), default=30
    )
    # Logins: failed attempts before an account is locked, for how long, and how long a
    # browser session may sit idle. Until the county saves its rules, the site's defaults
    # (settings.LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_SECONDS, SESSION_IDLE_MINUTES) apply.
    login_max_failures = models.PositiveSmallIntegerField(
        _("failed logins before the account is locked"), default=5
    )
    login_lockout_minutes = models.PositiveSmallIntegerField(
        _("minutes an account stays locked"), default=15
    )
    session_idle_minutes = models.PositiveSmallIntegerField(
        _("minutes of inactivity before a browser is logged out"), default=120
    )

    class Meta:
        verbose_name = _("county settings")
        verbose_name_plural = _("county settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(booking_notice_hours__lte=720, cancel_notice_hours__lte=720)
                & models.Q(request_expiry_hours__gte=1, request_expiry_hours__lte=720),
                name="county_settings_hours_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(quiet_hours_start__lte=23, quiet_hours_end__lte=23)
                & models.Q(publish_reminder_day__gte=1, publish_reminder_day__lte=28)
                & models.Q(rate_reminder_hours__lte=72),
                name="county_settings_reminders_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(rating_burst_per_minute__gte=1)
                & models.Q(api_token_days__gte=1, api_token_days__lte=365),
                name="county_settings_security_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(login_max_failures__gte=3, login_max_failures__lte=20)
                & models.Q(login_lockout_minutes__gte=1, login_lockout_minutes__lte=1440)
                & models.Q(
                    session_idle_minutes__gte=SESSION_IDLE_MINUTES_MIN,
                    session_idle_minutes__lte=1440,
                ),
                name="county_settings_login_in_range",
            ),
        ]

    def __str__(self):
        return str(self.county)

    def star_for(self, score: float | None) -> int | None:
        """The 1-5 star level of a 0-100 score by the county's thresholds."""
        if score is None:
            return None
        numbers = (parse_digits(t, max_length=3) for t in self.star_thresholds.split(","))
        thresholds = [n for n in numbers if n is not None][:4]
        for stars, lowest in zip((5, 4, 3, 2), thresholds, strict=False):
            if score >= lowest:
                return stars
        return 1

    @property
    def reminder_hour_list(self) -> list[int]:
        numbers = (parse_digits(h, max_length=3) for h in self.reminder_hours.split(","))
        return sorted({n for n in numbers if n is not None}, reverse=True)

    @classmethod
    def for_county(cls, county_id: int) -> "CountySettings":
        """The county's settings; the defaults until an admin saves them."""
        # Built once (core.prepared): read by nearly every request that applies a county rule,
        # among them each trainee's submission, where building the query cost more than it.
        row = _SETTINGS_OF.first(county_id=county_id)
        return _SETTINGS.instance(row) if row else cls(county_id=county_id)


_SETTINGS = instance_reader(CountySettings)
_SETTINGS_OF = Prepared(
    lambda county_id: CountySettings.objects.filter(county_id=county_id).values_list(
        *_SETTINGS.columns
    ),
    county_id=int,
)

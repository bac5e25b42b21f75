from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel


class Source(models.TextChoices):
    """The seven sources of the pool (L1)."""

    PARTY_SCHOOL = "party_school", _("Party-school teacher")
    GRASSROOTS_SECRETARY = "grassroots_secretary", _("Grassroots party secretary")
    MODEL_FIGURE = "model_figure", _("Model figure")
    PARTY_WORKER = "party_worker", _("Party-affairs worker")
    EXPERT = "expert", _("Expert or scholar")
    SKILLS_TALENT = "skills_talent", _("Practical-skills talent")
    RETIRED_CADRE = "retired_cadre", _("Retired cadre")


class LecturerLevel(models.TextChoices):
    COUNTY = "county", _("County-level lecturer")
    TOWN = "town", _("Town-level lecturer")


class LecturerStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    ACTIVE = "active", _("Active")
    COLD_STORE = "cold_store", _("Cold store")
    REMOVED = "removed", _("Removed")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Lecturer(TimeStampedModel):
    """A lecturer's résumé in the county pool (L1, L5)."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lecturer_profile",
    )
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lecturers",
        help_text=_("The organisation the lecturer belongs to; decides the town filter."),
    )
    name = models.CharField(_("name"), max_length=32)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=128, editable=False)
    name_initials = models.CharField(_("initials"), max_length=32, editable=False)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)
    photo = models.ImageField(_("photo"), upload_to="lecturers/", blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=32, choices=Source.choices)
    level = models.CharField(_("level"), max_length=16, choices=LecturerLevel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=LecturerStatus.choices, default=LecturerStatus.ACTIVE
    )
    specialties = models.CharField(_("specialties"), max_length=300, blank=True)
    teaching_style = models.CharField(_("teaching style"), max_length=300, blank=True)
    bio = models.TextField(_("biography"), max_length=3000, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    likes_count = models.PositiveIntegerField(_("likes"), default=0, editable=False)
    # Filled by the evaluation work: overall 0-100 score and 1-5 stars; None until rated.
    score = models.FloatField(_("score"), null=True, blank=True, editable=False)
    star = models.PositiveSmallIntegerField(_("star level"), null=True, blank=True, editable=False)
    rating_count = models.PositiveIntegerField(_("ratings"), default=0, editable=False)
    # Sum of content + method + effect over the counted ratings: score = total / (3 × count).
    rating_total = models.PositiveBigIntegerField(default=0, editable=False)
    # The latest comments of counted ratings, newest first, kept beside the running totals by
    # the evaluation work (`{"id", "comment", "rated_at", "overall"}`, at most a few), so
    # that a page of cards reads them with the lecturers instead of from every rating.
    latest_comments = models.JSONField(default=list, editable=False)
    appointed_from = models.DateField(_("appointed from"), null=True, blank=True)
    appointed_until = models.DateField(_("appointed until"), null=True, blank=True)
    # Optimistic lock of the editable résumé: every edit and status move adds one, and an edit
    # based on an older version is refused (409) instead of overwriting the other one.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("lecturer")
        verbose_name_plural = _("lecturers")
        ordering = ["name_pinyin", "id"]
        indexes = [
            models.Index(fields=["county", "status"]),
            models.Index(fields=["county", "name_pinyin"]),
            models.Index(fields=["county", "name_initials"]),
            # The recommendation engine's check that its index is current (count and latest
            # change of the county's lecturers, matching.engine) reads this index alone.
            models.Index(fields=["county", "updated_at"], name="lecturer_county_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating_total__lte=models.F("rating_count") * 300),
                name="lecturer_rating_total_at_most_300_each",
            ),
            models.CheckConstraint(
                condition=models.Q(star__isnull=True) | models.Q(star__gte=1, star__lte=5),
                name="lecturer_star_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(appointed_from__isnull=True)
                | models.Q(appointed_until__isnull=True)
                | models.Q(appointed_until__gte=models.F("appointed_from")),
                name="lecturer_appointment_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def specialty_list(self) -> list[str]:
        return [s for s in self.specialties.replace(",", "、").replace(",", "、").split("、") if s]


class LecturerStatusChange(models.Model):
    """One move of the lecturer's lifecycle (lecturers/lifecycle.py): the history of the pool."""

    lecturer = models.ForeignKey(
        Lecturer,
        verbose_name=_("lecturer"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(
        _("previous status"), max_length=16, choices=LecturerStatus.choices
    )
    to_status = models.CharField(_("new status"), max_length=16, choices=LecturerStatus.choices)
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("lecturer status change")
        verbose_name_plural = _("lecturer status changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["lecturer", "-at"])]

    def __str__(self):
        return f"{self.lecturer_id}: {self.from_status} → {self.to_status}"


class HonourTitle(models.TextChoices):
    FAMOUS_LECTURER = "famous_lecturer", _("Famous lecturer")
    GOOD_COURSE = "good_course", _("Good course")
    QUALITY_COURSE = "quality_course", _("Quality course")
    COMMENDED = "commended", _("Commended")


class LecturerHonour(TimeStampedModel):
    lecturer = models.ForeignKey(
        Lecturer, verbose_name=_("lecturer"), on_delete=models.CASCADE, related_name="honours"
    )
    title = models.CharField(
        pgettext_lazy("honour", "title"), max_length=32, choices=HonourTitle.choices
    )
    year = models.PositiveSmallIntegerField(_("year"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("lecturer honour")
        verbose_name_plural = _("lecturer honours")
        ordering = ["-year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lecturer", "title", "year"], name="lecturer_honour_once_a_year"
            )
        ]

    def __str__(self):
        return f"{self.year} {self.get_title_display()}"


class Like(models.Model):
    """One like (点赞) per user per lecturer, held by the database."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lecturer = models.ForeignKey(Lecturer, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [
            models.UniqueConstraint(fields=["user", "lecturer"], name="like_once_per_user")
        ]


class CertificateKind(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment")
    RENEWAL = "renewal", _("Renewal")


class AppointmentCertificate(models.Model):
    """Every appointment certificate (聘书) issued, the first appointment (development's
    selection) and each renewal (the appraisal's 续聘): one number sequence per issuing
    organisation (the county, or a town) and year (lecturers/certificates.py)."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    issuer = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    lecturer = models.ForeignKey(
        Lecturer,
        verbose_name=_("lecturer"),
        on_delete=models.CASCADE,
        related_name="certificates",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CertificateKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence number"))
    number = models.CharField(_("certificate number"), max_length=64)
    appointed_from = models.DateField(_("appointed from"))
    appointed_until = models.DateField(_("appointed until"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("appointment certificate")
        verbose_name_plural = _("appointment certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "seq"], name="certificate_seq_once_per_issuer_year"
            ),
            models.UniqueConstraint(
                fields=["county", "number"], name="certificate_number_once_per_county"
            ),
            models.CheckConstraint(
                condition=models.Q(appointed_until__gte=models.F("appointed_from")),
                name="certificate_term_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.number

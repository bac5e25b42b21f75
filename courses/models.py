import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel
from core.storage import private_storage
from lecturers.models import HonourTitle
from orgs.models import MemberGroup


class Category(models.TextChoices):
    """The five course categories (L5)."""

    POLITICAL_THEORY = "political_theory", _("Political theory")
    REVOLUTIONARY_TRADITION = "revolutionary_tradition", _("Revolutionary tradition")
    SITUATION_POLICY = "situation_policy", _("Situation and policy")
    PRACTICAL_WORK = "practical_work", _("Practical work")
    EXEMPLARY_DEEDS = "exemplary_deeds", _("Exemplary deeds")


# A course's target audiences are the member groups of organisations (API.md).
Audience = MemberGroup


class Classroom(models.TextChoices):
    """The four classrooms (G7)."""

    CLASSROOM = "classroom", _("Classroom")
    CLOUD = "cloud", _("Cloud classroom")
    BENCH = "bench", _("Bench classroom")
    ONSITE = "onsite", _("On-site classroom")


class CourseStatus(models.TextChoices):
    # A lecturer's course waits for the county's approval; until then nobody can book,
    # publish or be matched on it. A returned one goes back to the lecturer with a reason.
    PROPOSED = "proposed", _("Awaiting approval")
    RETURNED = "returned", _("Returned for changes")
    ACTIVE = "active", _("Offered")
    DEVELOPING = "developing", _("Being developed")
    RETIRED = "retired", pgettext_lazy("course status", "Retired")


def courseware_name(county_id: int, suffix: str) -> str:
    """Courseware is stored under a name of our own (the uploader's is kept in `*_name`)."""
    return f"courseware/{county_id}/{uuid.uuid4().hex}{suffix}"


def courseware_path(course, filename: str) -> str:
    return courseware_name(course.county_id, PurePosixPath(filename).suffix.lower())


class Course(TimeStampedModel):
    """A course a lecturer gives (L5 course card; L13 each lecturer develops 1-2)."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    title = models.CharField(_("title"), max_length=100)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    objectives = models.TextField(_("objectives"), max_length=2000, blank=True)
    outline = models.TextField(_("content outline"), max_length=5000, blank=True)
    structure = models.TextField(_("structure"), max_length=2000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    audiences = models.JSONField(_("target audiences"), default=list, blank=True)
    classrooms = models.JSONField(_("suitable classrooms"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CourseStatus.choices, default=CourseStatus.ACTIVE
    )
    # A lecturer's new version of an offered course: the offered version stays bookable until
    # the county approves the change (a new CourseRevision) or returns it.
    pending_change = models.JSONField(_("proposed change"), default=dict, blank=True)
    change_status = models.CharField(
        _("state of the proposed change"),
        max_length=16,
        blank=True,
        choices=[(CourseStatus.PROPOSED, _("Awaiting approval")),
                 (CourseStatus.RETURNED, _("Returned for changes"))],
    )  # fmt: skip
    review_note = models.CharField(_("reason for returning"), max_length=300, blank=True)
    # The courseware (PDF, PPT/PPTX, DOC/DOCX; courses/courseware.py), in private storage; the
    # name is the one it was uploaded with. A new file proposed by the lecturer for an offered
    # course waits in `pending_attachment` with the rest of the proposed change.
    attachment = models.FileField(
        _("courseware"), upload_to=courseware_path, storage=private_storage, blank=True,
        max_length=200,
    )  # fmt: skip
    attachment_name = models.CharField(_("courseware file name"), max_length=200, blank=True)
    pending_attachment = models.FileField(
        _("proposed courseware"), upload_to=courseware_path, storage=private_storage, blank=True,
        max_length=200,
    )  # fmt: skip
    pending_attachment_name = models.CharField(
        _("proposed courseware file name"), max_length=200, blank=True
    )
    score = models.FloatField(_("score"), null=True, blank=True, editable=False)
    star = models.PositiveSmallIntegerField(_("star level"), null=True, blank=True, editable=False)
    rating_count = models.PositiveIntegerField(_("ratings"), default=0, editable=False)
    # Sum of content + method + effect over the counted ratings: score = total / (3 × count).
    rating_total = models.PositiveBigIntegerField(default=0, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["county", "category", "status"]),
            # The recommendation engine's check that its index is current (count and latest
            # change of the county's courses) reads this index alone.
            models.Index(fields=["county", "updated_at"], name="course_county_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating_total__lte=models.F("rating_count") * 300),
                name="course_rating_total_at_most_300_each",
            ),
            models.UniqueConstraint(
                fields=["lecturer", "title"], name="course_title_unique_per_lecturer"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=10, duration_minutes__lte=480),
                name="course_duration_10_to_480",
            ),
        ]

    def __str__(self):
        return self.title

    def get_audience_labels(self) -> list[str]:
        return [str(Audience(a).label) for a in self.audiences if a in Audience.values]

    def get_classroom_labels(self) -> list[str]:
        return [str(Classroom(c).label) for c in self.classrooms if c in Classroom.values]

    def get_pending_change_labels(self) -> list[str]:
        """What a proposed new version changes, in words."""
        labels = [
            str(self._meta.get_field(name).verbose_name)
            for name in self.pending_change
            if name in {f.name for f in self._meta.fields}
        ]
        if self.pending_attachment:
            labels.append(str(self._meta.get_field("attachment").verbose_name))
        return labels


class CourseHonour(TimeStampedModel):
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="honours"
    )
    title = models.CharField(
        pgettext_lazy("honour", "title"), max_length=32, choices=HonourTitle.choices
    )
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        verbose_name = _("course honour")
        verbose_name_plural = _("course honours")
        ordering = ["-year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "title", "year"], name="course_honour_once_a_year"
            )
        ]


class CourseRevision(models.Model):
    """The development history of a course: created, revised from feedback, retired (L13, L18)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        REVISED = "revised", _("Revised")
        RETIRED = "retired", pgettext_lazy("course revision", "Retired")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    snapshot = models.JSONField(_("snapshot"), default=dict)

    class Meta:
        verbose_name = _("course revision")
        verbose_name_plural = _("course revisions")
        ordering = ["-changed_at", "-id"]

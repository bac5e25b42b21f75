"""The four classrooms in substance (G7) and the county's coordination (G8a): needs surveys
and what they ask for, teaching bases and the sessions they hold, meetings and their issues."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.storage import private_storage
from courses.models import Category, Classroom
from orgs.models import MemberGroup

# --- Needs surveys (教室课堂, G7a) ------------------------------------------------------------


class Survey(TimeStampedModel):
    """A training-needs survey (党员进党校培训需求调研表). Once answered, a change makes a new
    version (`previous` → this), so every answer keeps the questions it answered."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
    )
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("needs survey")
        verbose_name_plural = _("needs surveys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class SurveyTopic(models.Model):
    """One topic a survey offers, in a course category."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(_("topic"), max_length=100)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("survey topic")
        verbose_name_plural = _("survey topics")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "title"], name="survey_topic_once"),
        ]

    def __str__(self):
        return self.title


class TimePreference(models.TextChoices):
    WEEKDAY_DAY = "weekday_day", _("Weekday, daytime")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evening")
    WEEKEND = "weekend", _("Weekend")
    ANY = "any", _("Any time")


class SurveyAnswer(models.Model):
    """One member's answer, given on the phone without logging in: one per phone per survey,
    held by the database. Many answers from one network address (a village hall's Wi-Fi) are
    stored and counted, and marked for the county to look at."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The organisation's town when answered (None for county-level units), for the figures.
    town = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    group = models.CharField(_("member group"), max_length=16, choices=MemberGroup.choices)
    topics = models.ManyToManyField(SurveyTopic, verbose_name=_("topics"), related_name="answers")
    categories = models.JSONField(_("categories"), default=list, blank=True)
    classroom = models.CharField(
        _("preferred classroom"), max_length=16, choices=Classroom.choices, blank=True
    )
    time_preference = models.CharField(
        _("preferred time"), max_length=16, choices=TimePreference.choices, blank=True
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    phone = models.CharField(_("mobile number"), max_length=11)
    client_ip = models.CharField(max_length=45, blank=True)
    is_flagged = models.BooleanField(_("marked for review"), default=False)
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "phone"], name="survey_answer_once_per_phone"
            ),
        ]
        indexes = [models.Index(fields=["survey", "client_ip"])]


class GapAssignment(TimeStampedModel):
    """The county hands a wanted topic no course answers to a lecturer, to propose a course."""

    topic = models.ForeignKey(SurveyTopic, on_delete=models.CASCADE, related_name="assignments")
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("course to develop")
        verbose_name_plural = _("courses to develop")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "lecturer"], name="gap_assigned_once"),
        ]


# --- Cloud classroom (云上课堂, G7b) -------------------------------------------------------------


class VideoStatus(models.TextChoices):
    UPLOADING = "uploading", _("Uploading")
    READY = "ready", _("Ready")


class VideoLesson(TimeStampedModel):
    """A lesson of a course to watch online: a video file uploaded in chunks (MP4 or WebM,
    checked by ffprobe once complete, with a poster frame) or a link to a video elsewhere."""

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.CASCADE, related_name="videos"
    )
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    external_url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(
        storage=private_storage, upload_to="videos/", max_length=200, blank=True
    )
    poster = models.FileField(
        storage=private_storage, upload_to="videos/", max_length=200, blank=True
    )
    container = models.CharField(max_length=8, blank=True)  # "mp4" or "webm" once checked
    duration_seconds = models.FloatField(null=True, blank=True)
    size_bytes = models.BigIntegerField(_("size"), default=0)
    received_bytes = models.BigIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=VideoStatus.choices, default=VideoStatus.UPLOADING
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("video lesson")
        verbose_name_plural = _("video lessons")
        ordering = ["course_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(received_bytes__lte=models.F("size_bytes")),
                name="video_received_within_size",
            ),
        ]

    def __str__(self):
        return self.title


class VideoView(models.Model):
    """One watching of a lesson, counted for the viewer's member group and town (from the
    branch link it was opened with); the page's beacon adds the seconds watched."""

    lesson = models.ForeignKey(VideoLesson, on_delete=models.CASCADE, related_name="views")
    group = models.CharField(max_length=16, choices=MemberGroup.choices, blank=True)
    town = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seconds = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("video view")
        verbose_name_plural = _("video views")
        indexes = [models.Index(fields=["lesson", "group"])]


# --- Bench classroom field reports (板凳课堂, G7c) -----------------------------------------------


class FieldReport(TimeStampedModel):
    """The lecturer's short report after a bench-classroom session, with photos; the county
    reads them as its case list. One per session."""

    booking = models.OneToOneField(
        "scheduling.Booking",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="field_report",
    )
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.PROTECT,
        related_name="field_reports",
    )
    attendees = models.PositiveIntegerField(_("members present"))
    summary = models.TextField(_("what was taught and how it went"), max_length=2000)
    feedback = models.TextField(_("what the members said"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("field report")
        verbose_name_plural = _("field reports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attendees__gte=1), name="field_report_has_attendees"
            ),
        ]


class FieldPhoto(models.Model):
    """A photo of a field report, resized and stripped of its metadata (location) on upload."""

    report = models.ForeignKey(FieldReport, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(
        _("photo"), upload_to="field-reports/%Y/%m/", storage=private_storage, max_length=200
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("field photo")
        verbose_name_plural = _("field photos")
        ordering = ["id"]


# --- Teaching bases (现场课堂, G7d) -----------------------------------------------------------


class BaseLevel(models.TextChoices):
    COUNTY = "county", _("County or city level")
    TOWN = "town", _("Town level")


class TeachingBase(TimeStampedModel):
    """A place where on-site lessons are held; it holds at most `capacity` sessions at once."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=BaseLevel.choices)
    address = models.CharField(_("address"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    capacity = models.PositiveSmallIntegerField(
        _("sessions at once"), help_text=_("How many sessions the base can hold at the same time.")
    )
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    docents = models.ManyToManyField(
        "lecturers.Lecturer", verbose_name=_("docents"), blank=True, related_name="teaching_bases"
    )

    class Meta:
        verbose_name = _("teaching base")
        verbose_name_plural = _("teaching bases")
        ordering = ["level", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="base_name_once_per_county"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="base_holds_one"),
        ]

    def __str__(self):
        return self.name


class BaseUse(models.Model):
    """A booking, or a demand, that names a base as its venue. A booking's use counts against
    the base's capacity while the booking is requested or confirmed."""

    base = models.ForeignKey(TeachingBase, on_delete=models.PROTECT, related_name="uses")
    booking = models.OneToOneField(
        "scheduling.Booking", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    demand = models.OneToOneField(
        "matching.Demand", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("session at a base")
        verbose_name_plural = _("sessions at bases")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(booking__isnull=True, demand__isnull=False)
                | models.Q(booking__isnull=False, demand__isnull=True),
                name="base_use_is_booking_or_demand",
            ),
        ]


# --- Coordination (G8a) ---------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    SCHOOL_AFFAIRS = "school_affairs", _("School-affairs meeting (monthly)")
    SPECIAL = "special", _("Special meeting (half-yearly)")


class Meeting(TimeStampedModel):
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), max_length=4000)
    attendees = models.TextField(_("attendees"), max_length=2000, blank=True)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_at", "-id"]

    def __str__(self):
        return self.title


class MeetingAttachment(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        _("file"), upload_to="meetings/%Y/%m/", storage=private_storage, max_length=200
    )
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting attachment")
        verbose_name_plural = _("meeting attachments")
        ordering = ["id"]


class IssueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class MeetingIssue(TimeStampedModel):
    """An issue raised at a meeting, tracked to resolution by its owner."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="issues")
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("issue"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="meeting_issues",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=16, choices=IssueStatus.choices, default=IssueStatus.OPEN
    )
    resolution = models.CharField(_("resolution"), max_length=1000, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting issue")
        verbose_name_plural = _("meeting issues")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["county", "status", "due_on"])]

    def __str__(self):
        return self.title


class GroupViewing(TimeStampedModel):
    """A branch watched a video lesson together (集中观看): logged by the branch, it is a
    session of the course's lecturer, held as a completed cloud-classroom booking so that it
    counts in the lecturer's record and trainees rate it by the session's QR code."""

    lesson = models.ForeignKey(
        VideoLesson,
        verbose_name=_("video lesson"),
        on_delete=models.PROTECT,
        related_name="group_viewings",
    )
    booking = models.OneToOneField(
        "scheduling.Booking",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="group_viewing",
    )
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    group = models.CharField(_("member group"), max_length=16, choices=MemberGroup.choices)
    attendees = models.PositiveIntegerField(_("members present"))
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("group viewing")
        verbose_name_plural = _("group viewings")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lesson", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attendees__gte=1), name="group_viewing_has_attendees"
            ),
        ]

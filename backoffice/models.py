from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.storage import private_storage


class ImportKind(models.TextChoices):
    ORGS = "orgs", _("Organisations")
    LECTURERS = "lecturers", _("Lecturers")
    COURSES = "courses", _("Courses")


class BulkAction(models.TextChoices):
    """What the lecturer list does to the selected rows at once (services.lecturers_bulk_change)."""

    ACTIVATE = "activate", _("Activate (candidate → active)")
    MOVE_LEVEL = "move_level", _("Move to another level")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    INVALID = "invalid", _("Has errors")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    # The writing stopped half-way (the database refused a chunk, the worker died): what the
    # chunks before wrote stays; importing the same file again completes the rest.
    FAILED = "failed", pgettext_lazy("import", "Failed")


class ImportJob(models.Model):
    """One uploaded workbook: checked as a whole, then written by a background task."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    # Private: a workbook of names and phone numbers is never served as a static file.
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", storage=private_storage)
    file_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # Logins this import made (lecturers): their initial passwords are issued on download.
    new_user_ids = models.JSONField(default=list, blank=True, editable=False)
    passwords_issued_at = models.DateTimeField(_("passwords issued at"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="import_progress_at_most_100"
            ),
            # One import at a time per county: two would race for the same phones and names.
            models.UniqueConstraint(
                fields=["county"],
                condition=models.Q(status__in=["checking", "running"]),
                name="import_one_open_per_county",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.INVALID, ImportStatus.DONE, ImportStatus.FAILED)

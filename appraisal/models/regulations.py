"""The county's written rules (L12): 选聘调配管理办法 and the others, each kind kept as numbered
versions. A version is never changed once published: a change is a new version."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.storage import private_storage


class RegulationKind(models.TextChoices):
    SELECTION = "selection", _("Selection and allocation (选聘调配管理办法)")
    APPRAISAL = "appraisal", _("Assessment and incentives (考核激励办法)")
    TEACHING = "teaching", _("Teaching management (教学管理制度)")
    OTHER = "other", pgettext_lazy("regulation", "Other rules")


class Regulation(models.Model):
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RegulationKind.choices)
    title = models.CharField(pgettext_lazy("regulation", "title"), max_length=100)
    version = models.PositiveSmallIntegerField(_("version"))
    body = models.TextField(_("text"), max_length=50000, blank=True)
    file = models.FileField(
        _("document"), upload_to="regulations/%Y/", storage=private_storage, blank=True
    )
    file_name = models.CharField(max_length=200, blank=True)
    effective_from = models.DateField(_("effective from"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rules document")
        verbose_name_plural = _("rules documents")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "kind", "version"], name="regulation_version_once"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="regulation_version_positive"),
            models.CheckConstraint(
                condition=~Q(body="") | ~Q(file=""), name="regulation_has_text_or_file"
            ),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("A published rules document is never changed; publish a new version.")
        super().save(*args, **kwargs)

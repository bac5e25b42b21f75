from django.db import models
from django.utils.translation import gettext_lazy as _


class ProvinceSnapshot(models.Model):
    """A province's figures for a period as last computed (reports.province): a province's
    aggregates take seconds, so its page and API read them from here, never older than
    reports.province.SNAPSHOT_MAX_AGE, and the scheduler computes the period chooser's
    presets again before they are that old."""

    province = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("Province")
    )
    first = models.DateField(_("From"))
    last = models.DateField(_("To"))
    computed_at = models.DateTimeField(_("Computed at"))
    figures = models.JSONField(_("Figures"))

    class Meta:
        verbose_name = _("Province figures")
        verbose_name_plural = _("Province figures")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "first", "last"], name="province_snapshot_once_a_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.first}–{self.last} @ {self.computed_at:%Y-%m-%d %H:%M}"

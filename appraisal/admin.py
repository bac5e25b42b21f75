from django.contrib import admin

from .models import AppraisalResult, AppraisalRules, AppraisalRun


@admin.register(AppraisalRules)
class AppraisalRulesAdmin(admin.ModelAdmin):
    list_display = ("county", "threshold_excellent", "threshold_good", "threshold_fair")


class ReadOnly(admin.ModelAdmin):
    """Runs and results change only through the services (audited); operators look."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AppraisalRun)
class AppraisalRunAdmin(ReadOnly):
    list_display = ("county", "year", "status", "progress", "started_at", "finished_at")
    list_filter = ("status",)


@admin.register(AppraisalResult)
class AppraisalResultAdmin(ReadOnly):
    list_display = ("run", "lecturer", "score", "computed_grade", "grade")
    list_filter = ("grade",)
    raw_id_fields = ("lecturer", "run", "town")

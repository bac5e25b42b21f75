from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    # Two configs live here: without this "core" would get a plain AppConfig, and ready()
    # (the system checks, the audit log's SQLite function) would never run.
    default = True
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import checks  # noqa: F401  registers the system checks
        from .audit import register_sqlite_function
        from .read_cache import track_writes

        connection_created.connect(register_sqlite_function, dispatch_uid="jiangtai_audit")
        connection_created.connect(track_writes, dispatch_uid="jiangtai_read_cache")


class TasksConfig(TasksAppConfig):
    """django-tasks-db (the task queue in our database), under a Chinese name in the admin."""

    verbose_name = _("Background tasks")


# The package marks its model's and fields' names for translation but ships no Chinese: these
# are its strings, listed so that our catalogue carries their translations (LOCALE_PATHS comes
# before an app's own catalogue).
TASK_ADMIN_STRINGS = (
    _("Task Result"),
    _("Task Results"),
    _("status"),
    _("enqueued at"),
    _("started at"),
    _("finished at"),
    _("args kwargs"),
    _("priority"),
    _("task path"),
    _("worker id"),
    _("queue name"),
    _("backend name"),
    _("run after"),
    _("return value"),
    _("exception class path"),
    _("traceback"),
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)

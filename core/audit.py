from django.db import models

from .models import AuditLog


def audit(
    *,
    actor,
    action: str,
    obj: models.Model,
    county_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    result: str = "ok",
) -> AuditLog:
    """Write one audit entry; call it inside the service's transaction so both land together."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        county_id=county_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        result=result,
    )

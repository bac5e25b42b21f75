from ninja import NinjaAPI

from .auth import BearerToken
from .errors import install_handlers
from .routers import (
    accounts,
    courses,
    evaluation,
    lecturers,
    matching,
    notifications,
    orgs,
    scheduling,
)

api = NinjaAPI(
    title="Jiangtai API",
    version="1",
    description="讲台 · party-education lecturer pool. Errors: {detail, code, fields}.",
    auth=BearerToken(),
    urls_namespace="api-v1",
)
install_handlers(api)
api.add_router("", accounts.router)
api.add_router("/orgs", orgs.router)
api.add_router("/lecturers", lecturers.router)
api.add_router("/courses", courses.router)
api.add_router("", scheduling.router)
api.add_router("", notifications.router)
api.add_router("", matching.router)
api.add_router("", evaluation.router)

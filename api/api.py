import copy
from functools import cached_property

from ninja import NinjaAPI

from .auth import BearerToken
from .errors import install_handlers
from .limits import document_too_large, limit_body
from .renderers import RENDERER
from .routers import (
    accounts,
    appraisal,
    backoffice,
    classrooms,
    competitions,
    courses,
    development,
    evaluation,
    lecturers,
    matching,
    notifications,
    orgs,
    privacy,
    programme,
    province,
    reports,
    scheduling,
)


class JiangtaiApi(NinjaAPI):
    """The document is built once per process and root path (building it walks every
    schema, about a second); each caller gets its own copy to change."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        if path_prefix not in self._schemas:
            self._schemas[path_prefix] = document_too_large(
                super().get_openapi_schema(path_prefix=path_prefix)
            )
        return copy.deepcopy(self._schemas[path_prefix])

    @cached_property
    def _schemas(self) -> dict:
        return {}


api = JiangtaiApi(
    title="Jiangtai API",
    version="1",
    description="讲台 · party-education lecturer pool. Errors: {detail, code, fields}.",
    auth=BearerToken(),
    renderer=RENDERER,
    urls_namespace="api-v1",
)
install_handlers(api)
# Request bodies over the operation's limit answer 413 before anything parses them.
api.add_decorator(limit_body, mode="view")
api.add_router("", accounts.router)
api.add_router("/orgs", orgs.router)
api.add_router("/lecturers", lecturers.router)
api.add_router("/courses", courses.router)
api.add_router("", scheduling.router)
api.add_router("", notifications.router)
api.add_router("", matching.router)
api.add_router("", evaluation.router)
api.add_router("", backoffice.router)
api.add_router("", development.router)
api.add_router("", programme.router)
api.add_router("", appraisal.router)
api.add_router("", competitions.router)
api.add_router("", classrooms.router)
api.add_router("", reports.router)
api.add_router("", province.router)
api.add_router("", privacy.router)

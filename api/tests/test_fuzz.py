"""Schemathesis generates requests from the published OpenAPI document and sends them as each
role (county admin, town admin, branch secretary, lecturer, a member with a login and no
role, and nobody logged in): no input, however odd, may make the API answer 500, and every
answer's status and body must be ones the document lists."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_issue
from core.tests.factories import make_member
from jiangtai.wsgi import application
from orgs.models import Role

ROLES = ["county_admin", "town_admin", "secretary", "lecturer", "member", "anonymous"]
# Cases per operation: the county admin, who may call nearly everything, gets the most; the
# others mostly meet refusals, which fewer cases cover. The six runs take a few minutes.
EXAMPLES = {"county_admin": 8}
EXAMPLES_OTHERWISE = 3


@pytest.fixture
def wsgi_schema(db):
    # Like Django's test client: keep the test's connection open between requests.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _caller(world, role: str):
    if role == "anonymous":
        return None
    if role == "member":
        # A party member with a login (rates, answers surveys) and no role anywhere.
        member = make_member("member", world.branch, Role.SECRETARY)
        member.memberships.all().delete()
        return member
    return getattr(world, role)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_never_fails_on_generated_input(world, wsgi_schema, role, quiet_request_log):
    operations = [result.ok() for result in wsgi_schema.get_all_operations()]
    assert len(operations) >= 10
    caller = _caller(world, role)

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES.get(role, EXAMPLES_OTHERWISE),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,  # the same cases on every run, so that CI is repeatable
        )
        def check(case):
            # A fresh token for every case: POST /auth/logout and /auth/password revoke it.
            # Schemathesis asks for gzip but its WSGI transport does not unpack it.
            headers = {"Accept-Encoding": "identity"}
            if caller:
                headers["Authorization"] = f"Bearer {api_token_issue(user=caller)}"
            case.call_and_validate(
                headers=headers, checks=[status_code_conformance, response_schema_conformance]
            )

        check()

"""Schemathesis generates requests from the published OpenAPI document: no input, however
odd, may make the API answer 500, and every answer must be one the document lists."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import status_code_conformance

from accounts.services import api_token_issue
from jiangtai.wsgi import application


@pytest.fixture
def wsgi_schema(db):
    # Like Django's test client: keep the test's connection open between requests.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_the_api_never_fails_on_generated_input(world, wsgi_schema):
    operations = [result.ok() for result in wsgi_schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,  # the same cases on every run, so that CI is repeatable
        )
        def check(case):
            # A fresh token for every case: POST /auth/logout and /auth/password revoke it.
            headers = {"Authorization": f"Bearer {api_token_issue(user=world.county_admin)}"}
            case.call_and_validate(headers=headers, checks=[status_code_conformance])

        check()

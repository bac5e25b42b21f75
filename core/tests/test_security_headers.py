"""Security headers of a production-mode response (issue 10, item 6): the settings module as
it reads SECURE_COOKIES=1, DEBUG off, a request that nginx forwarded over HTTPS."""

import re
import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from core.security import policy_for_path

pytestmark = pytest.mark.django_db

HTTPS_KEYS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
)
EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _settings_module(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(django_settings.BASE_DIR / "jiangtai" / "settings.py"))


@pytest.fixture
def production(monkeypatch):
    read = _settings_module(monkeypatch, SECURE_COOKIES="1", DEBUG="0")
    assert read["DEBUG"] is False
    values = {key: read[key] for key in HTTPS_KEYS}
    with override_settings(DEBUG=False, **values):
        yield values


def _policy(response) -> dict:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in header.split(";")
        if part.strip()
    }


def test_a_page_over_https_behind_the_proxy_carries_every_header(production, client):
    response = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    policy = _policy(response)
    for directive, sources in EXPECTED_POLICY.items():
        assert policy[directive] == sources, directive
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.wsgi_request.is_secure()
    assert response.cookies["csrftoken"]["secure"]


def test_hsts_is_only_sent_over_https(production, client):
    response = client.get("/accounts/login/")
    assert "Strict-Transport-Security" not in response
    assert "Content-Security-Policy" in response


def test_every_kind_of_response_carries_the_policy(production, client, world, api_as):
    https = {"X-Forwarded-Proto": "https"}
    for response in (
        client.get("/no-such-page/", headers=https),
        client.get("/api/v1/nothing", headers=https),
        api_as(world.secretary).get("/api/v1/me", headers=https),
        client.get("/api/v1/docs", headers=https),
        client.get("/healthz", headers=https),
    ):
        assert _policy(response)["script-src"] == "'self'", response
        assert "Strict-Transport-Security" in response


def test_without_secure_cookies_the_forwarded_proto_is_not_believed(monkeypatch):
    read = _settings_module(monkeypatch, SECURE_COOKIES="0")
    assert "SECURE_PROXY_SSL_HEADER" not in read and "SECURE_HSTS_SECONDS" not in read
    assert read["SESSION_COOKIE_SECURE"] is False


def test_a_page_that_needs_more_gets_its_own_directives(settings):
    settings.CONTENT_SECURITY_POLICY_PATHS = {
        "/special/": {"script-src": ["'self'", "'sha256-abc'"]},
        "/special/deeper/": {"script-src": ["'self'", "'sha256-def'"]},
    }
    assert "script-src 'self' 'sha256-abc';" in policy_for_path("/special/x")
    assert "script-src 'self' 'sha256-def';" in policy_for_path("/special/deeper/x")
    assert "script-src 'self';" in policy_for_path("/other/")


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+\s*=|\sstyle\s*=|\shx-on|javascript:",
    re.IGNORECASE,
)


def test_no_template_of_ours_has_an_inline_script_handler_or_style():
    """What the browser test cannot visit: every template in the checkout keeps to the policy
    (behaviour in static/js, looks in static/css)."""
    root = Path(django_settings.BASE_DIR)
    templates = [
        path
        for path in root.glob("*/templates/**/*.html")
        if ".venv" not in path.parts and "staticfiles" not in path.parts
    ]
    assert len(templates) > 20
    offenders = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in templates
        for match in INLINE.finditer(path.read_text())
    ]
    assert offenders == []

"""Each county sets its own failed-login lock and browser idle timeout (the county settings
page); the login throttle and the idle-session middleware apply them, and the site's defaults
apply to logins without a county or in a county that kept the defaults."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.middleware import LAST_SEEN_KEY
from accounts.models import LoginThrottle
from core.models import AuditLog
from core.tests.factories import PASSWORD
from orgs.models import CountySettings

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
SETTINGS_PAGE = "/settings/county/"


def _form(**overrides) -> dict:
    data = {
        name: getattr(CountySettings(), name)
        for name in (
            "booking_notice_hours", "cancel_notice_hours", "request_expiry_hours",
            "reminder_hours", "quiet_hours_start", "quiet_hours_end", "publish_reminder_day",
            "rate_reminder_hours", "rating_burst_per_minute", "api_token_days",
            "rating_open_hours", "star_thresholds", "login_max_failures",
            "login_lockout_minutes", "session_idle_minutes",
        )
    }  # fmt: skip
    data.update(overrides)
    return data


def _fail(anon_api, n: int, username: str = "secretary") -> list[int]:
    return [
        anon_api.post(TOKEN, {"username": username, "password": "wrong"}).status_code
        for _ in range(n)
    ]


def test_the_county_admin_sets_the_rules_on_the_settings_page_and_it_is_audited(world, login):
    client = login(world.county_admin)
    response = client.post(
        SETTINGS_PAGE,
        _form(login_max_failures=3, login_lockout_minutes=60, session_idle_minutes=30),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rules = CountySettings.objects.get(county=world.county)
    assert (rules.login_max_failures, rules.login_lockout_minutes, rules.session_idle_minutes) == (3, 60, 30)  # fmt: skip
    entry = AuditLog.objects.get(action="county_settings.update")
    assert entry.before["login_max_failures"] == 5 and entry.after["login_max_failures"] == 3
    assert entry.actor == world.county_admin


@pytest.mark.parametrize(
    "field,value",
    [("login_max_failures", 2), ("login_max_failures", 21), ("login_lockout_minutes", 0),
     ("login_lockout_minutes", 1441), ("session_idle_minutes", 4), ("session_idle_minutes", 1441)],
)  # fmt: skip
def test_values_out_of_range_are_refused_naming_the_field(world, login, field, value):
    client = login(world.county_admin)
    response = client.post(SETTINGS_PAGE, _form(**{field: value}), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert not CountySettings.objects.filter(county=world.county).exists()


def test_outsiders_cannot_change_the_rules(world, login):
    for user in (world.town_admin, world.secretary, world.lecturer):
        response = login(user).post(SETTINGS_PAGE, _form(login_max_failures=20))
        assert response.status_code == 403
    assert not CountySettings.objects.filter(county=world.county).exists()


def test_the_lock_follows_the_county(world, anon_api, settings):
    settings.LOGIN_MAX_FAILURES = 5
    CountySettings.objects.create(
        county=world.county, login_max_failures=3, login_lockout_minutes=60
    )
    assert _fail(anon_api, 3) == [401, 401, 401]
    lock = LoginThrottle.objects.get(key=f"acct:{world.secretary.pk}")
    minutes = (lock.locked_until - lock.first_failure_at).total_seconds() / 60
    assert 59 <= minutes <= 61
    assert anon_api.post(TOKEN, {"username": "secretary", "password": PASSWORD}).status_code == 429
    # County B kept the defaults: the site's five.
    assert _fail(anon_api, 4, username="outsider") == [401] * 4
    assert _fail(anon_api, 2, username="outsider") == [401, 429]


def test_a_lenient_county_allows_more_attempts_than_the_site(world, anon_api, settings):
    settings.LOGIN_MAX_FAILURES = 5
    CountySettings.objects.create(county=world.county, login_max_failures=8)
    assert _fail(anon_api, 7) == [401] * 7
    assert anon_api.post(TOKEN, {"username": "secretary", "password": PASSWORD}).status_code == 200


def _age_session(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_an_idle_session_ends_after_the_countys_minutes(world, login):
    CountySettings.objects.create(county=world.county, session_idle_minutes=10)
    client = login(world.secretary)
    assert client.get("/").status_code == 200
    _age_session(client, 9 * 60)
    assert client.get("/").status_code == 200  # activity within the limit keeps it alive
    _age_session(client, 10 * 60 + 5)
    response = client.get("/bookings/?x=1")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # logged out for good, not just redirected


def test_activity_moves_the_idle_clock(world, login):
    CountySettings.objects.create(county=world.county, session_idle_minutes=10)
    client = login(world.secretary)
    client.get("/")
    _age_session(client, 8 * 60)
    client.get("/")  # refreshes the stamp
    stamp = client.session[LAST_SEEN_KEY]
    assert int(time.time()) - stamp < 5


def test_the_default_applies_without_a_county_and_to_htmx(world, settings):
    settings.SESSION_IDLE_MINUTES = 5
    admin = world.county_admin.__class__.objects.create_user("root", password=PASSWORD)
    client = Client()
    client.force_login(admin)
    client.get("/")
    _age_session(client, 4 * 60)
    client.get("/")
    assert "_auth_user_id" in client.session
    _age_session(client, 5 * 60 + 5)
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 302 and response["HX-Redirect"].startswith("/accounts/login/")


def test_a_session_active_minutes_ago_reads_no_county_rules(world, login):
    """No county allows less than five idle minutes: a session seen more recently cannot have
    expired, so the middleware reads the county's limit only after a pause that long."""
    CountySettings.objects.create(county=world.county, session_idle_minutes=10)
    client = login(world.secretary)
    client.get("/inbox/")

    def reads_rules() -> bool:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/inbox/").status_code == 200
        return any("orgs_countysettings" in q["sql"] for q in queries)

    _age_session(client, 4 * 60)
    assert not reads_rules()
    _age_session(client, 6 * 60)
    assert reads_rules()

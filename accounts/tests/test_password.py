"""Changing one's password (page and API), and the forced change of an initial password."""

import pytest
from django.test import Client

from accounts.models import ApiToken, LoginThrottle, User
from conftest import ApiClient
from core.models import AuditLog
from core.tests.factories import PASSWORD
from demo.demo import DEMO_USERNAMES, seed_demo

pytestmark = pytest.mark.django_db

NEW = "Fresh-pass-2026"
CHANGE = "/api/v1/auth/password"
ZH = {"Accept-Language": "zh-hans"}


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _login(api_client, username, password):
    return api_client.post("/api/v1/auth/token", {"username": username, "password": password})


# --- the API -------------------------------------------------------------------------------


def test_it_changes_the_password_and_revokes_every_older_token(world, api_as, anon_api):
    older = api_as(world.secretary)
    api = api_as(world.secretary)
    response = api.post(CHANGE, {"old_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 200, response.content
    fresh = response.json()["token"]
    assert older.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me").status_code == 401  # the token that asked is older too
    api.token = fresh
    assert api.get("/api/v1/me").status_code == 200
    assert ApiToken.objects.filter(user=world.secretary).count() == 1
    assert _login(anon_api, "secretary", PASSWORD).status_code == 401
    assert _login(anon_api, "secretary", NEW).status_code == 200
    entry = AuditLog.objects.get(action="user.password_change")
    assert entry.actor == world.secretary and entry.after["tokens_revoked"] == 2


def test_a_wrong_old_password_is_422_and_counts_as_a_failed_login(world, api_as, settings):
    api = api_as(world.secretary)
    response = api.post(CHANGE, {"old_password": "wrong", "new_password": NEW}, headers=ZH)
    assert response.status_code == 422
    body = response.json()
    assert set(body["fields"]) == {"old_password"} and _chinese(body["fields"]["old_password"])
    assert LoginThrottle.objects.get(key=f"acct:{world.secretary.pk}").failures == 1
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        api.post(CHANGE, {"old_password": "wrong", "new_password": NEW})
    locked = api.post(CHANGE, {"old_password": PASSWORD, "new_password": NEW})
    assert (locked.status_code, locked.json()["code"]) == (429, "locked_out")
    assert world.secretary.__class__.objects.get(pk=world.secretary.pk).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("new", "fragment"),
    [("short", "太短"), ("1234567890123", "只包含数字"), ("password123", "太常见"), ("", "必填")],
)
def test_the_password_rules_answer_in_chinese_on_new_password(world, api_as, new, fragment):
    api = api_as(world.secretary)
    response = api.post(CHANGE, {"old_password": PASSWORD, "new_password": new}, headers=ZH)
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert set(fields) == {"new_password"} and fragment in fields["new_password"], fields
    assert api.get("/api/v1/me").status_code == 200  # nothing changed, nothing revoked


def test_the_new_password_must_differ(world, api_as):
    world.secretary.set_password(NEW)
    world.secretary.save()
    response = api_as(world.secretary).post(CHANGE, {"old_password": NEW, "new_password": NEW})
    assert response.status_code == 422 and "new_password" in response.json()["fields"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"old_password": PASSWORD},
        {"old_password": 1, "new_password": NEW},
        {"old_password": PASSWORD, "new_password": "x" * 129},
    ],
)
def test_bad_bodies_are_422(world, api_as, payload):
    response = api_as(world.secretary).post(CHANGE, payload)
    assert response.status_code == 422


def test_changing_a_password_needs_a_token(world, anon_api):
    response = anon_api.post(CHANGE, {"old_password": PASSWORD, "new_password": NEW})
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


# --- initial passwords ---------------------------------------------------------------------


@pytest.fixture
def new_lecturer(world, api_as):
    """A lecturer created through the API, with the initial password it returned."""
    response = api_as(world.county_admin).post(
        "/api/v1/lecturers",
        {"name": "陈新讲", "phone": "13712345678", "source": "party_school", "level": "county"},
    )
    assert response.status_code == 201, response.content
    return User.objects.get(username="13712345678"), response.json()["initial_password"]


def test_a_generated_password_must_be_changed_before_anything_else_on_the_api(
    new_lecturer, anon_api
):
    user, initial = new_lecturer
    assert user.must_change_password
    login = _login(anon_api, user.username, initial)
    assert login.status_code == 200 and login.json()["password_change_required"] is True
    anon_api.token = login.json()["token"]
    for path in ("/api/v1/me", "/api/v1/lecturers", "/api/v1/courses"):
        response = anon_api.get(path, headers=ZH)
        assert response.status_code == 403, path
        assert response.json()["code"] == "password_change_required"
        assert _chinese(response.json()["detail"])
    changed = anon_api.post(CHANGE, {"old_password": initial, "new_password": NEW})
    assert changed.status_code == 200
    anon_api.token = changed.json()["token"]
    assert anon_api.get("/api/v1/me").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password
    fresh_client = ApiClient(Client())
    assert _login(fresh_client, user.username, NEW).json()["password_change_required"] is False


def test_a_login_on_its_initial_password_may_log_out(new_lecturer, anon_api):
    user, initial = new_lecturer
    anon_api.token = _login(anon_api, user.username, initial).json()["token"]
    assert anon_api.post("/api/v1/auth/logout").status_code == 204
    assert not ApiToken.objects.filter(user=user).exists()


def test_pages_send_a_login_on_its_initial_password_to_the_change_page(new_lecturer, client):
    user, initial = new_lecturer
    response = client.post("/accounts/login/", {"username": user.username, "password": initial})
    assert response.status_code == 302
    for path in ("/", "/lecturers/", "/bookings/", "/admin/"):
        page = client.get(path)
        assert page.status_code == 302, path
        assert page["Location"].startswith("/accounts/password/?next="), page["Location"]
    htmx = client.get("/lecturers/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"].startswith("/accounts/password/")
    form = client.get("/accounts/password/?next=/lecturers/", headers=ZH)
    assert form.status_code == 200
    assert "您仍在使用" in form.content.decode()
    # Left alone: static files, the trainee page, the API (which answers for itself).
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/e/not-a-token").status_code in (404, 410)
    assert client.get("/api/v1/me").status_code == 401  # the API reads tokens, not sessions
    done = client.post(
        "/accounts/password/",
        {
            "old_password": initial,
            "new_password": NEW,
            "new_password_again": NEW,
            "next": "/lecturers/",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/lecturers/"
    assert client.get("/lecturers/").status_code == 200  # still logged in, now free to go


def test_logging_out_stays_open_to_a_login_on_its_initial_password(new_lecturer, client):
    user, initial = new_lecturer
    client.post("/accounts/login/", {"username": user.username, "password": initial})
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_the_demo_logins_need_no_change(db, anon_api):
    seed_demo()
    users = User.objects.filter(username__in=DEMO_USERNAMES)
    assert users.count() == 4
    assert not users.filter(must_change_password=True).exists()
    login = _login(anon_api, "county_admin", "demo-pass-2026")
    assert login.json()["password_change_required"] is False
    anon_api.token = login.json()["token"]
    assert anon_api.get("/api/v1/me").status_code == 200


# --- the page ------------------------------------------------------------------------------


def test_the_user_menu_links_to_the_change_page(world, client):
    client.force_login(world.secretary)
    assert 'href="/accounts/password/"' in client.get("/").content.decode()


def test_the_change_page_needs_a_login(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_page_shows_errors_in_chinese_next_to_the_fields(world, client):
    client.force_login(world.secretary)
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password": "short", "new_password_again": "short"},
        headers=ZH,
    )
    assert wrong.status_code == 422
    html = wrong.content.decode()
    assert 'id="field-old_password"' in html
    form = wrong.context["form"]
    assert _chinese(form.errors["old_password"][0]) and "太短" in form.errors["new_password"][0]
    differ = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": NEW, "new_password_again": NEW + "x"},
        headers=ZH,
    )
    assert differ.status_code == 422
    assert _chinese(differ.context["form"].errors["new_password_again"][0])
    assert LoginThrottle.objects.get(key=f"acct:{world.secretary.pk}").failures == 1


def test_the_page_changes_the_password_keeps_this_browser_and_revokes_the_rest(
    world, client, api_as
):
    api = api_as(world.secretary)
    other_browser = Client()
    other_browser.force_login(world.secretary)
    client.force_login(world.secretary)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": NEW, "new_password_again": NEW},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert other_browser.get("/").status_code == 302  # its session ends with the old password
    assert api.get("/api/v1/me").status_code == 401
    assert AuditLog.objects.filter(action="user.password_change", actor=world.secretary).exists()


def test_the_page_ignores_an_outside_next(world, client):
    client.force_login(world.secretary)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": NEW,
            "new_password_again": NEW,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


# --- the admin -----------------------------------------------------------------------------


@pytest.fixture
def superuser_client(world):
    admin = world.county_admin
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    c = Client()
    c.force_login(admin)
    return c


def test_a_password_an_admin_sets_must_be_changed_and_revokes_tokens(
    world, superuser_client, api_as
):
    api = api_as(world.secretary)
    response = superuser_client.post(
        f"/admin/accounts/user/{world.secretary.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.secretary.refresh_from_db()
    assert world.secretary.check_password(NEW) and world.secretary.must_change_password
    assert api.get("/api/v1/me").status_code == 401
    entry = AuditLog.objects.get(action="user.password_change")
    assert entry.actor == world.county_admin


def test_a_user_added_in_the_admin_must_change_the_password(world, superuser_client):
    response = superuser_client.post(
        "/admin/accounts/user/add/",
        {"username": "newcomer", "password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="newcomer").must_change_password


def test_deactivating_in_the_admin_revokes_tokens(world, superuser_client, api_as):
    api = api_as(world.secretary)
    user = world.secretary
    # The change form as the admin sends it, with "active" unticked (absent).
    data = {
        "username": user.username,
        "name": user.name,
        "phone": user.phone,
        "county": world.county.pk,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    response = superuser_client.post(f"/admin/accounts/user/{world.secretary.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert api.get("/api/v1/me").status_code == 401
    assert AuditLog.objects.get(action="user.tokens_revoke").actor == world.county_admin

"""The failed-login throttle: per resolved account and per real client address; unknown names
never lock out a real account nor its owner's correct password from the same address."""

import ipaddress
import threading
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import LoginThrottle, User
from accounts.services import _pause, login_delay, login_throttles_prune
from conftest import run_in_threads
from core.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def _invented(n: int) -> list[str]:
    return [f"nobody{i}" for i in range(n)]


def _fail_with_invented_names(anon_api, n: int, headers=None) -> list[tuple[int, str]]:
    answers = []
    for name in _invented(n):
        response = anon_api.post(TOKEN, {"username": name, "password": "guess"}, headers=headers)
        answers.append((response.status_code, response.json()["code"]))
    return answers


@pytest.fixture
def staff_admin(world):
    world.county_admin.is_staff = True
    world.county_admin.is_superuser = True
    world.county_admin.save(update_fields=["is_staff", "is_superuser"])
    return world.county_admin


def test_invented_names_from_one_address_do_not_lock_out_the_real_admin_on_the_api(world, anon_api):
    answers = _fail_with_invented_names(anon_api, 25)
    assert answers[:20] == [(401, "bad_credentials")] * 20
    # Past the address's limit its failures answer 429, whatever the name …
    assert answers[20:] == [(429, "rate_limited")] * 5
    # … yet the real admin's correct password from the same address logs in.
    response = anon_api.post(TOKEN, {"username": "county_admin", "password": PASSWORD})
    assert response.status_code == 200, response.content
    assert LoginThrottle.objects.get(key="ip:127.0.0.1").failures == 25
    assert not LoginThrottle.objects.filter(key=f"acct:{world.county_admin.pk}").exists()


def test_invented_names_from_one_address_do_not_lock_out_the_login_page(world, anon_api, client):
    _fail_with_invented_names(anon_api, 25)
    for name in _invented(3):  # the page counts too, and answers in the same way
        page = client.post("/accounts/login/", {"username": name, "password": "guess"})
        assert page.status_code == 429
    response = client.post("/accounts/login/", {"username": "county_admin", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_invented_names_from_one_address_do_not_lock_out_the_admin_login(
    staff_admin, anon_api, client
):
    _fail_with_invented_names(anon_api, 25)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "county_admin", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_goes_through_the_same_throttle(staff_admin, client, anon_api, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        wrong = client.post("/admin/login/", {"username": "county_admin", "password": "nope"})
        assert wrong.status_code == 401
    account = LoginThrottle.objects.get(key=f"acct:{staff_admin.pk}")
    assert account.failures == settings.LOGIN_MAX_FAILURES and account.locked_until
    locked = client.post(
        "/admin/login/",
        {"username": "county_admin", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # The lock made at /admin/login/ holds on the API and the login page as well.
    api = anon_api.post(TOKEN, {"username": "county_admin", "password": PASSWORD})
    assert (api.status_code, api.json()["code"]) == (429, "locked_out")
    assert (
        Client()
        .post("/accounts/login/", {"username": "county_admin", "password": PASSWORD})
        .status_code
        == 429
    )


def test_phone_and_username_count_against_the_same_account(world, anon_api, settings):
    # county_admin's phone is 13900000001, also when typed in full-width digits
    for name in [
        "county_admin",
        "13900000001",
        "county_admin",
        "１３９０００００００１",
        "county_admin",
    ]:
        assert anon_api.post(TOKEN, {"username": name, "password": "x"}).status_code == 401
    assert LoginThrottle.objects.get(key=f"acct:{world.county_admin.pk}").failures == 5
    for name in ["county_admin", "13900000001"]:
        response = anon_api.post(TOKEN, {"username": name, "password": PASSWORD})
        assert (response.status_code, response.json()["code"]) == (429, "locked_out")


def test_a_genuinely_attacked_account_is_locked_from_every_address(world, settings):
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("10.0.0.0/24")]
    for i in range(settings.LOGIN_MAX_FAILURES):
        attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}")
        attacker.post(TOKEN, {"username": "secretary", "password": "x"}, "application/json")
    owner = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.50")
    response = owner.post(
        TOKEN, {"username": "secretary", "password": PASSWORD}, "application/json"
    )
    assert (response.status_code, response.json()["code"]) == (429, "locked_out")
    # Another account from the owner's address is untouched.
    other = owner.post(TOKEN, {"username": "town_admin", "password": PASSWORD}, "application/json")
    assert other.status_code == 200


def test_an_unknown_name_answers_as_a_real_account_would(world, anon_api, settings):
    """Unknown names are counted too, so that a lockout does not tell which names exist."""
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert anon_api.post(TOKEN, {"username": "ghost", "password": "x"}).status_code == 401
    ghost = anon_api.post(TOKEN, {"username": "ghost", "password": "x"})
    assert (ghost.status_code, ghost.json()["code"]) == (429, "locked_out")
    # The name is stored only as a digest, and no real account is touched.
    keys = set(LoginThrottle.objects.values_list("key", flat=True))
    assert not any("ghost" in key for key in keys)
    assert not any(key.startswith("acct:") for key in keys)
    real = anon_api.post(TOKEN, {"username": "secretary", "password": PASSWORD})
    assert real.status_code == 200


def test_an_unknown_name_locked_before_it_was_registered_does_not_lock_its_account(
    world, anon_api, settings
):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        anon_api.post(TOKEN, {"username": "13755550000", "password": "x"})
    User.objects.filter(pk=world.town_admin.pk).update(phone="13755550000")
    response = anon_api.post(TOKEN, {"username": "13755550000", "password": PASSWORD})
    assert response.status_code == 200


def test_behind_a_trusted_proxy_each_forwarded_address_counts_alone(world, settings):
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("10.0.0.0/24")]
    limit = settings.LOGIN_ADDRESS_MAX_FAILURES
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    for name in _invented(limit + 1):
        last = attacker.post(TOKEN, {"username": name, "password": "x"}, "application/json")
    assert last.status_code == 429
    assert LoginThrottle.objects.get(key="ip:198.51.100.7").failures == limit + 1
    assert not LoginThrottle.objects.filter(key="ip:10.0.0.2").exists()
    neighbour = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.8")
    other = neighbour.post(TOKEN, {"username": "nobody", "password": "x"}, "application/json")
    assert other.status_code == 401


def test_without_a_trusted_proxy_a_forged_header_does_not_dodge_the_count(world, anon_api):
    for i, name in enumerate(_invented(21)):
        anon_api.post(
            TOKEN, {"username": name, "password": "x"}, headers={"X-Forwarded-For": f"1.2.3.{i}"}
        )
    assert LoginThrottle.objects.get(key="ip:127.0.0.1").failures == 21
    assert not LoginThrottle.objects.filter(key__startswith="ip:1.2.3.").exists()


def test_the_delays_grow_and_stop_at_a_few_seconds(settings):
    settings.LOGIN_DELAY_SECONDS = 0.5
    settings.LOGIN_DELAY_MAX_SECONDS = 3
    settings.LOGIN_MAX_FAILURES = 5
    by_account = [login_delay(account_failures=n, address_failures=0) for n in range(6)]
    assert by_account == [0, 0.5, 1, 2, 3, 3]
    by_address = [login_delay(account_failures=0, address_failures=n) for n in (0, 4, 5, 6, 7, 8)]
    assert by_address == [0, 0, 0.5, 1, 2, 3]
    assert login_delay(account_failures=10**6, address_failures=10**9) == 3


def _timed_login(api, username, password):
    started = time.monotonic()
    response = api.post(TOKEN, {"username": username, "password": password})
    return response, time.monotonic() - started


def test_failures_slow_the_next_attempts_down(world, anon_api, settings):
    settings.LOGIN_DELAY_SECONDS = 0.1
    settings.LOGIN_DELAY_MAX_SECONDS = 0.3
    _timed_login(anon_api, "secretary", "x")
    _response, second = _timed_login(anon_api, "secretary", "x")
    assert second >= 0.1
    for _ in range(2):
        _timed_login(anon_api, "secretary", "x")
    # Four failures: 0.1 doubled three times is 0.8, held to the 0.3 maximum.
    response, fifth = _timed_login(anon_api, "secretary", PASSWORD)
    assert response.status_code == 200
    assert 0.3 <= fifth < 3
    # Success clears the account's count: no more waiting.
    _response, after = _timed_login(anon_api, "secretary", PASSWORD)
    assert after < 0.1


def test_a_busy_address_slows_a_correct_password_by_a_few_seconds_at_most(
    world, anon_api, settings
):
    _fail_with_invented_names(anon_api, 30)
    settings.LOGIN_DELAY_SECONDS = 0.1
    settings.LOGIN_DELAY_MAX_SECONDS = 0.3
    response, took = _timed_login(anon_api, "county_admin", PASSWORD)
    assert response.status_code == 200
    assert 0.3 <= took < 3


def test_the_count_restarts_after_the_window_and_the_lock_ends(world, anon_api, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        anon_api.post(TOKEN, {"username": "secretary", "password": "x"})
    assert anon_api.post(TOKEN, {"username": "secretary", "password": PASSWORD}).status_code == 429
    past = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1)
    LoginThrottle.objects.update(first_failure_at=past, locked_until=past)
    assert anon_api.post(TOKEN, {"username": "secretary", "password": PASSWORD}).status_code == 200
    assert login_throttles_prune() >= 1  # the address's stale counter
    assert not LoginThrottle.objects.exists()


def test_prune_keeps_live_counters_and_locks(world, anon_api, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        anon_api.post(TOKEN, {"username": "secretary", "password": "x"})
    assert login_throttles_prune() == 0
    assert LoginThrottle.objects.count() == 2


@pytest.mark.parametrize("name", ["\x00admin", "county_admin\x00", "x" * 5000, "\u3000"])
def test_odd_names_are_refused_not_crashed(world, anon_api, name):
    response = anon_api.post(TOKEN, {"username": name, "password": PASSWORD})
    assert 400 <= response.status_code < 500 and response.status_code != 429, response.content
    page = Client().post("/accounts/login/", {"username": name, "password": PASSWORD})
    assert page.status_code in (400, 401)


@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_are_all_counted(world, settings):
    settings.LOGIN_MAX_FAILURES = 100  # count only; no lock in the way
    n = 12

    def fail(i):
        name = "secretary" if i % 2 else "13900000002"  # the same account both ways
        return (
            Client()
            .post(TOKEN, {"username": name, "password": f"wrong{i}"}, "application/json")
            .status_code
        )

    results = run_in_threads(fail, n)
    assert results == [401] * n, results
    assert LoginThrottle.objects.get(key=f"acct:{world.secretary.pk}").failures == n
    assert LoginThrottle.objects.get(key="ip:127.0.0.1").failures == n


def test_a_flood_of_parallel_attempts_does_not_put_every_thread_to_sleep(settings):
    """Only LOGIN_DELAY_MAX_WAITING requests of a process wait at once; the rest are checked
    without waiting, so that the other people's requests still find a free thread."""
    settings.LOGIN_DELAY_MAX_WAITING = 2
    sleepers = [threading.Thread(target=_pause, args=(1.0,)) for _ in range(2)]
    for thread in sleepers:
        thread.start()
    time.sleep(0.2)  # both are asleep now
    started = time.monotonic()
    assert _pause(0.5) is False
    assert time.monotonic() - started < 0.2
    for thread in sleepers:
        thread.join()
    assert _pause(0.01) is True  # free again

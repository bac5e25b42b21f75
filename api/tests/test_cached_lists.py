"""The lists of GET /api/v1/lecturers, /api/v1/courses and /api/v1/bookings answer from
core.read_cache: the same bytes as a fresh answer, two queries (the token, the generation)
instead of the list's, kept per caller, and never stale after a commit, whichever way the
commit wrote: the ORM, a bulk update, raw SQL (the running totals of a rating). Real commits, real
threads, SQLite and PostgreSQL."""

import json
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.services import api_token_issue
from conftest import run_in_threads
from core.tests.factories import make_lecturer
from evaluation import services as evaluation
from evaluation.tests.test_aggregates import make_session
from lecturers.models import Lecturer

pytestmark = pytest.mark.django_db(transaction=True)


def client_of(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})


def names(response) -> dict:
    assert response.status_code == 200, response.content
    return {item["id"]: item["name"] for item in response.json()["items"]}


def test_a_repeated_list_is_the_same_answer_without_the_list_queries(world):
    api = client_of(world.county_admin)
    for path in ("/api/v1/lecturers?sort=name", "/api/v1/courses"):
        first = api.get(path)
        with CaptureQueriesContext(connection) as queries:
            again = api.get(path)
        assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
        assert json.loads(again.content)["count"] > 0
        assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]


def test_each_caller_gets_their_own_list(world):
    """The county B admin asks the same question right after county A's admin."""
    mine = names(client_of(world.county_admin).get("/api/v1/lecturers"))
    theirs = names(client_of(world.outsider).get("/api/v1/lecturers"))
    assert world.zhang.pk in mine and world.zhang.pk not in theirs
    assert world.lecturer_b.pk in theirs and world.lecturer_b.pk not in mine


def test_every_kind_of_commit_shows_at_once(world):
    api = client_of(world.county_admin)
    path = "/api/v1/lecturers?sort=name"
    names(api.get(path))

    world.zhang.name = "张改名"
    world.zhang.save(update_fields=["name"])
    assert names(api.get(path))[world.zhang.pk] == "张改名"

    Lecturer.objects.filter(pk=world.li.pk).update(name="李批量")
    assert names(api.get(path))[world.li.pk] == "李批量"

    wang = make_lecturer(world.county, "王新来")
    assert wang.pk in names(api.get(path))

    # A trainee's rating reaches the lecturer's score through raw SQL (the running totals).
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=0.5, attendees=30)  # fmt: skip
    evaluation.trainee_rate(
        token=evaluation.token_for(booking), name="学员", phone="13700000001",
        scores={"content": 90, "method": 80, "effect": 70},
    )  # fmt: skip
    item = next(i for i in api.get(path).json()["items"] if i["id"] == world.zhang.pk)
    assert item["score"] == 80.0


def test_no_reader_keeps_a_stale_list_beside_concurrent_writers(world):
    """Writers rename a lecturer again and again, each in a transaction that takes a while to
    commit; after each commit the writer reads the list through the cache and must see its
    own name, while readers fill the cache all along with what they read, some of it from
    before the commit."""
    lecturers = [world.zhang, world.li]
    path = "/api/v1/lecturers?sort=name&page_size=100"

    def work(i):
        api = client_of(world.county_admin)
        if i >= len(lecturers):
            for _k in range(30):
                names(api.get(path))
            return []
        stale = []
        for k in range(15):
            name = f"讲师{i}-{k}"
            with transaction.atomic():  # readers read the old name until it commits
                Lecturer.objects.filter(pk=lecturers[i].pk).update(name=name)
                time.sleep(0.02)
            seen = names(api.get(path))[lecturers[i].pk]
            if seen != name:
                stale.append((name, seen))
        return stale

    assert run_in_threads(work, 6) == [[], [], [], [], [], []]


def test_the_bookings_list_is_kept_per_caller_and_shows_an_accept_at_once(world):
    from scheduling import services as scheduling
    from scheduling.tests.test_pages import book

    booking = book(world)
    secretary, outsider = client_of(world.secretary), client_of(world.other_secretary)
    first = secretary.get("/api/v1/bookings")
    with CaptureQueriesContext(connection) as queries:
        again = secretary.get("/api/v1/bookings")
    assert again.content == first.content and len(queries) == 2
    assert [b["status"] for b in first.json()["items"]] == ["requested"]
    assert outsider.get("/api/v1/bookings").json()["items"] == []

    scheduling.booking_accept(actor=world.lecturer, booking=booking)
    assert [b["status"] for b in secretary.get("/api/v1/bookings").json()["items"]] == ["confirmed"]

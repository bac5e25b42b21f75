"""Every page and every endpoint, awkward input, three callers: never a 500.

The routes come from the URL resolver (jiangtai/urls.py and every app's urls.py, the API's
included), so a new page is fuzzed without anyone adding it here. Path parameters are filled
with an object of the caller's county, one of the other county, 0, an id beyond 64 bits and,
for text parameters (tokens, admin object ids, media paths), digits of other scripts, NUL,
very long strings and a token of the other county. Each route then gets GET and POST with
query strings and bodies made of what tends to break parsers: NUL, full-width, Arabic-Indic
and superscript digits, numbers past 64 bits or past int()'s 4300 digits, extreme dates,
NaN, malformed JSON, wrong content types, lone surrogates and oversized bodies — as an
anonymous visitor, as an admin of another county and as the county's own admin: every kind
of request goes to the own admin's objects and to whatever opens without a login, the plain
ones to the rest (a route that sends a visitor to the login reads nothing they send).

Failures are collected and reported together (the path, what was sent, the last line of the
traceback), so one run names every broken route. Each request runs in a savepoint so that a
database error in one (PostgreSQL aborts the transaction) cannot hide the rest."""

import json
import re
import traceback
import zlib
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from accounts.services import api_token_issue
from api.api import api
from evaluation.models import TraineeRating
from evaluation.services import token_for
from matching.services import demand_create
from notifications.models import Event, InboxMessage
from scheduling.calendar import feed_url_for
from scheduling.models import Booking, BookingStatus, OutsideSession

HUGE = "99999999999999999999999"  # past 64 bits
# Values each parameter takes in turn (a different one per request, so that every name
# meets several of them without one request per name and value).
TEXT_VALUES = [
    "１２３",  # full-width digits
    "١٢٣",  # Arabic-Indic digits
    "²",  # isdigit() is True, int() refuses it
    HUGE,
    "-1",
    "9" * 4400,  # beyond int()'s 4300 digits
    "２０２６-１２",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "NaN",
    "长" * 301,  # past the 300 characters of most text fields, 2,700 bytes when quoted
    "1_000",
    " ",
]
JSON_VALUES = [*TEXT_VALUES, 10**30, -(10**30), float("inf"), 1.5, None, [], {}, True]
NUL = "1\x00"
ROTATIONS_GET = 2
ROTATIONS_POST = 1
OVERSIZED = b"x" * (7 * 1024 * 1024)  # past DATA_UPLOAD_MAX_MEMORY_SIZE
LARGE_JSON = json.dumps({"name": "x" * (100 * 1024)})  # past the API's default body limit


def _routes():
    """(route, pattern) for every URL the project answers, API and admin included."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    seen = set()
    for route, pattern in walk(get_resolver().url_patterns):
        if route not in seen:
            seen.add(route)
            yield route, pattern


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _parameter_names() -> list[str]:
    """Every query, form and JSON field name the project reads: from the OpenAPI document,
    from the page forms and from the views' own request.GET / request.POST lookups."""
    names: set[str] = set()
    schema = api.get_openapi_schema()
    for operations in schema["paths"].values():
        for operation in operations.values():
            names.update(p["name"] for p in operation.get("parameters", []))
    for component in schema["components"]["schemas"].values():
        names.update(component.get("properties", {}))

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for form in subclasses(forms.BaseForm):
        if form.__module__.split(".")[0] in _APPS:
            names.update(getattr(form, "base_fields", {}))
    for module in _APPS:
        for views in (f"{module}/views.py",):
            try:
                with open(views, encoding="utf-8") as f:
                    source = f.read()
            except FileNotFoundError:
                continue
            names.update(re.findall(r"\.(?:GET|POST)(?:\.get\(|\[)\"(\w+)\"", source))
    return sorted(names)


_APPS = (
    "core",
    "accounts",
    "orgs",
    "lecturers",
    "courses",
    "scheduling",
    "notifications",
    "matching",
    "evaluation",
    "api",
)


def _rotated(names, values, shift):
    return {name: values[(i + shift) % len(values)] for i, name in enumerate(names)}


@pytest.fixture
def objects(world):
    """One object of every kind a path names, in each county."""
    now = timezone.now()

    def booking(county, org, lecturer, course, by):
        return Booking.objects.create(
            county=county, org=org, lecturer=lecturer, course=course,
            start_at=now - timedelta(minutes=30), end_at=now + timedelta(minutes=90),
            venue="党群服务中心", expected_attendees=40, classroom="classroom",
            requested_by=by, expires_at=now, status=BookingStatus.CONFIRMED,
        )  # fmt: skip

    def outside(county, lecturer):
        return OutsideSession.objects.create(
            county=county, lecturer=lecturer, host="外县党校", topic="党课",
            start_at=now + timedelta(days=3), end_at=now + timedelta(days=3, hours=2),
            venue="外县", letter="letters/x.pdf",
        )  # fmt: skip

    def demand(actor, org):
        return demand_create(
            actor=actor, org_id=org.pk, topic="乡村振兴", window_start=now + timedelta(days=5),
            window_end=now + timedelta(days=20), duration_minutes=90, venue="村委会",
            lat=36.5, lng=118.5,
        )  # fmt: skip

    def message(user):
        return InboxMessage.objects.create(
            recipient=user, event=Event.BOOKING_REQUESTED, title="新预约", body="内容", url="/"
        )

    booking_a = booking(world.county, world.branch, world.zhang, world.course, world.secretary)
    booking_b = booking(
        world.county_b, world.branch_b, world.lecturer_b, world.course_b, world.outsider
    )
    ratings = [
        TraineeRating.objects.create(
            booking=b,
            name="学员",
            phone="13700000001",
            content=10,
            method=10,
            effect=10,
            rated_at=now,
            is_flagged=True,
        )
        for b in (booking_a, booking_b)
    ]
    calendar = [
        feed_url_for(user).rsplit("/", 1)[1].removesuffix(".ics")
        for user in (world.county_admin, world.outsider)
    ]
    ids = {
        "lecturer_id": (world.zhang.pk, world.lecturer_b.pk),
        "course_id": (world.course.pk, world.course_b.pk),
        "booking_id": (booking_a.pk, booking_b.pk),
        "session_id": (outside(world.county, world.zhang).pk, outside(world.county_b, world.lecturer_b).pk),
        "demand_id": (demand(world.county_admin, world.branch).pk, demand(world.outsider, world.branch_b).pk),
        "message_id": (message(world.county_admin).pk, message(world.outsider).pk),
        "rating_id": (ratings[0].pk, ratings[1].pk),
        "object_id": (world.county.pk, world.county_b.pk),
        "id": (world.county_admin.pk, world.outsider.pk),
    }  # fmt: skip
    tokens = {
        "calendar/": calendar,
        "e/": [token_for(booking_a), token_for(booking_b)],
        "evaluations/": [token_for(booking_a), token_for(booking_b)],
    }
    return ids, tokens


# Readiness answers 503 by design while a dependency is down (no task worker runs here).
READINESS_PATHS = {"/readyz"}
AWKWARD_TEXT = ["１２３-abc", "١٢٣", "²-x", NUL, "x" * 5000, "-1", HUGE, "..%2F..%2Fetc%2Fpasswd"]


def _fillings(route, ids, tokens) -> list[tuple[str, str]]:
    """(path, kind) pairs for a route; kind is "own" (the caller's county, or the first
    county's for callers who have none), "other" (the other county's) or "awkward"."""
    params = list(PARAM.finditer(route))
    if not params:
        return [("/" + route, "own")]
    own, other = {}, {}
    for match in params:
        name, converter = match["name"], match["converter"] or "str"
        if converter == "int":
            own[name], other[name] = ids.get(name, (1, 2))
        else:
            known = next(
                (t for key, t in tokens.items() if route.startswith(key) or key in route), None
            )
            own[name], other[name] = known or ids.get(name, ("1", "2"))

    def fill(values):
        path = route
        for match in params:
            path = path.replace(match[0], quote(str(values[match["name"]]), safe=""), 1)
        return "/" + path

    fillings = [(fill(own), "own"), (fill(other), "other")]
    only_ints = all(m["converter"] == "int" for m in params)
    for awkward in (0, HUGE) if only_ints else AWKWARD_TEXT:
        fillings.append((fill(dict.fromkeys(own, awkward)), "awkward"))
    return fillings


class Fuzzer:
    def __init__(self, names):
        self.names = names
        self.failures: list[str] = []
        self.requests = 0

    def send(self, client, who, method, path, *, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token and path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {token}"
        self.requests += 1
        try:
            with transaction.atomic():
                response = getattr(client, method)(path, headers=headers, **kwargs)
        except Exception as exc:
            last = traceback.extract_tb(exc.__traceback__)[-1]
            self.failures.append(
                f"{who} {method.upper()} {path[:120]} {_describe(kwargs)}: "
                f"{type(exc).__name__}: {str(exc)[:160]} at {last.filename}:{last.lineno}"
            )
            return None
        if response.status_code >= 500 and not (
            path in READINESS_PATHS and response.status_code == 503
        ):
            self.failures.append(
                f"{who} {method.upper()} {path[:120]} {_describe(kwargs)}: {response.status_code}"
            )
        return response

    def all_kinds(self, client, who, path, token):
        names = self.names
        self.send(client, who, "get", path, token=token, data=dict.fromkeys(names, NUL))
        for shift in range(ROTATIONS_GET):
            self.send(
                client, who, "get", path, token=token, data=_rotated(names, TEXT_VALUES, shift)
            )
        self.send(client, who, "post", path, token=token, data=dict.fromkeys(names, NUL))
        for shift in range(ROTATIONS_POST):
            self.send_form(client, who, path, token, _rotated(names, TEXT_VALUES, shift + 5))
            body = json.dumps(_rotated(names, JSON_VALUES, shift))
            self.send(
                client, who, "post", path, token=token, data=body,
                content_type="application/json", headers={"Idempotency-Key": TEXT_VALUES[shift]},
            )  # fmt: skip
        for body in ('{"name": ', '{"name": "\\u0000", "phone": "\\ud800"}'):
            self.send(
                client, who, "post", path, token=token, data=body, content_type="application/json"
            )

    def few_kinds(self, client, who, path, token):
        self.send(client, who, "get", path, token=token)
        self.send_form(client, who, path, token, _rotated(self.names, TEXT_VALUES, 3))

    def send_form(self, client, who, path, token, fields):
        """A form as a browser posts it without a file (the test client's default for a dict
        is multipart, which the all-NUL form above keeps trying)."""
        self.send(
            client, who, "post", path, token=token, data=urlencode(fields),
            content_type="application/x-www-form-urlencoded",
        )  # fmt: skip

    def body_kinds(self, client, who, path, token):
        """Once per route: bodies too large, of the wrong type, or not decodable."""
        for body, content_type in (
            (OVERSIZED, "application/octet-stream"),
            (LARGE_JSON, "application/json"),
            ('{"name": "x"}', "text/plain"),
            (b"--x\r\nnot multipart", "multipart/form-data"),
            (b"\xff\xfe=\xff&a=%ff", "application/x-www-form-urlencoded"),
        ):
            self.send(client, who, "post", path, token=token, data=body, content_type=content_type)


def _describe(kwargs) -> str:
    data = kwargs.get("data")
    if isinstance(data, dict):
        sample = next(iter(data.values()), "")
        return f"[form/query, e.g. {sample!r:.40}]"
    if isinstance(data, bytes | str):
        return (
            f"[{kwargs.get('content_type', '')} body {data[:40]!r}{'…' if len(data) > 40 else ''}]"
        )
    return ""


SHARDS = 4  # the routes are split so that parallel test workers share them


def _shard_of(route: str) -> int:
    return zlib.crc32(route.encode()) % SHARDS


def test_the_shards_hold_every_route():
    routes = [r for r, p in _routes() if isinstance(p.pattern, RoutePattern)]
    assert len(routes) > 60
    assert all(sum(_shard_of(r) == shard for r in routes) > 10 for shard in range(SHARDS))


@pytest.mark.django_db
@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_page_or_endpoint_fails_on_awkward_input(
    shard, world, objects, settings, quiet_request_log
):
    settings.LOGIN_DELAY_SECONDS = 0  # the login throttle slows attempts; not what this tests
    settings.LOGIN_DELAY_MAX_SECONDS = 0
    ids, tokens = objects
    fuzzer = Fuzzer(_parameter_names())
    callers = [("anonymous", None), ("outsider", world.outsider), ("county_admin", world.county_admin)]  # fmt: skip
    clients = {who: Client() for who, _user in callers}
    routes = [
        (r, p)
        for r, p in _routes()
        if isinstance(p.pattern, RoutePattern) and _shard_of(r) == shard
    ]
    # Paths the resolver's regular expressions stand for.
    extra = ["/api/v1/no-such-thing", "/api/v1/１２３", "/nowhere/%00", "/static/%00.css"]

    for route, _pattern in routes:
        fillings = _fillings(route, ids, tokens)
        # Django's own admin answers every non-staff caller alike (its login page): a few
        # requests as one caller are enough there.
        is_admin_site = route.startswith("admin/") and route != "admin/login/"
        takes_text = any((m["converter"] or "str") != "int" for m in PARAM.finditer(route))
        # A route that sends a visitor to the login (or answers the API's 401) turns every
        # anonymous request away before reading it: a few of them show that it does.
        probe = fuzzer.send(clients["anonymous"], "anonymous", "get", fillings[0][0])
        open_to_anyone = probe is not None and not (
            probe.status_code == 401
            or (
                probe.status_code == 302
                and probe.get("Location", "").startswith(settings.LOGIN_URL)
            )
        )
        for who, user in callers[-1:] if is_admin_site else callers:
            client = clients[who]
            token = None
            if user is not None:
                client.force_login(user)  # again: a route before may have logged out
                if route.startswith("api/"):
                    token = api_token_issue(user=user)
            for path, kind in fillings[:4] if is_admin_site else fillings:
                # Every kind of request as the county's own admin on its own objects, and
                # anonymously where a route opens without a login: on its own objects and,
                # where it takes a token, on awkward tokens. The other county's admin (the
                # same role elsewhere) gets the plain requests.
                if not is_admin_site and (
                    (who == "county_admin" and kind == "own")
                    or (
                        who == "anonymous"
                        and open_to_anyone
                        and (kind == "own" or (kind == "awkward" and takes_text))
                    )
                ):
                    fuzzer.all_kinds(client, who, path, token)
                else:
                    fuzzer.few_kinds(client, who, path, token)
            if who == "county_admin" and not is_admin_site:
                fuzzer.body_kinds(client, who, fillings[0][0], token)
    for path in extra if shard == 0 else ():
        for who, _user in callers:
            fuzzer.few_kinds(clients[who], who, path, None)

    print(f"{fuzzer.requests} requests")
    assert not fuzzer.failures, (
        f"{len(fuzzer.failures)} of {fuzzer.requests} requests failed:\n"
        + "\n".join(fuzzer.failures)
    )

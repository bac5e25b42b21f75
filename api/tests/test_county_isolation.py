"""The county is the tenant: nothing of one county reaches another (issue 17).

Three provinces: 甲省 holds county A (the world's county) and a sibling county; 乙省 holds
county B; 丙省 holds a county of its own. County B (and the sibling) get a record in every
domain (organisations, people, lecturers, courses, bookings, ratings, demands, outside and
reported sessions, menus, messages, audit entries, honours, calls, nominations, pairings,
surveys, meetings, lessons, field reports, teaching bases, imports, help plans, talks and
uploaded files), each named with a random marker, and B's rows carry random ten-digit ids, so
that finding one in a response means it leaked and not finding one means something.

Then, as every role of county A (county admin, town admin, branch secretary, lecturer, a plain
member), as the province admin of A's province and as the admin of a third province, the walk
requests every page the URL resolver knows (path parameters filled with A's objects, then with
B's) and every GET operation of the OpenAPI document, pages also with `?format=xlsx`, and the
calendar feed; workbooks are unzipped and PDFs read back as text. No response may hold a B
marker or a B id, and no path naming a B object may answer 200 — except the pages that open
by link to anyone without a login (the trainee's survey and the video lessons, below), which
do not ask who is calling.
"""

import io
import itertools
import json
import re
import secrets
import shutil
import subprocess
import zipfile
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from accounts.services import api_token_issue
from api.api import api
from appraisal.models import HelpPlan, ReminderTalk
from backoffice.models import ImportJob
from classrooms.models import (
    FieldReport,
    Meeting,
    MeetingAttachment,
    MeetingIssue,
    Survey,
    TeachingBase,
    VideoLesson,
)
from core.audit import audit
from core.tests.factories import make_user
from courses.models import Course
from development.models import Call, Nomination, Pairing
from evaluation.models import OrgRating, TraineeRating
from evaluation.services import token_for
from lecturers.models import Lecturer, LecturerHonour
from matching.models import Demand
from notifications.models import Event, InboxMessage
from orgs.models import Membership, Organisation, OrgLevel, Role
from scheduling.calendar import feed_url_for
from scheduling.models import Booking, BookingStatus, Offering, OfferingSlot, OutsideSession

pytestmark = pytest.mark.django_db

# Pages that anyone opens from a link or QR code without logging in: they show what the link
# names to whoever holds it, whatever their county (the trainee's survey, a video lesson and
# its poster, file and QR code). They are walked with A's objects only.
OPEN_BY_LINK = ("survey/<int:survey_id>/", "lessons/<int:lesson_id>/")
# Capability links (signed tokens and random keys): walked with A's own.
TOKEN_ROUTES = ("calendar/", "e/", "selection/c/", "selection/n/")


class Ids:
    """Distinct random ten-digit primary keys: one found in a response can only be a leak."""

    def __init__(self):
        self.next = itertools.count(1_100_000_000 + secrets.randbelow(800_000_000), 7919)

    def __call__(self):
        return next(self.next)


def _county(name, province, pk=None):
    county = Organisation.objects.create(pk=pk, name=name, level=OrgLevel.COUNTY, parent=province)
    county.county = county
    county.save(update_fields=["county"])
    return county


def _province(name):
    return Organisation.objects.create(name=name, level=OrgLevel.PROVINCE)


def build_domain(county, *, town=None, branch=None, ids=None, marked=True) -> SimpleNamespace:
    """A record of every domain in `county`, its text marked with random strings (`markers`);
    with `ids`, each row gets one of its random primary keys (`pks`)."""
    ids = ids or (lambda: None)
    tag = secrets.token_hex(5)
    markers: list[str] = []

    def mark(prefix: str) -> str:
        """`prefix` with a random tail; the tail alone is a marker too, since JSON (the API's,
        a page's json_script) may spell the Chinese as \\u escapes."""
        if not marked:
            return prefix
        tail = f"{tag}x{len(markers):02d}"
        markers.extend([prefix + tail, tail])
        return prefix + tail

    pks: dict[str, int] = {}

    def keep(kind, obj):
        pks[kind] = obj.pk
        return obj

    now = timezone.now()
    if town is None:
        town = Organisation.objects.create(
            pk=ids(), name=mark("镇"), level=OrgLevel.TOWN, parent=county, county=county
        )
        branch = Organisation.objects.create(
            pk=ids(), name=mark("村支部"), level=OrgLevel.VILLAGE, parent=town, county=county
        )
    keep("org_id", branch)
    digits = f"139{secrets.randbelow(10**8):08d}"
    admin = make_user(mark("admin"), county, name=mark("管理员"), phone=digits)
    Membership.objects.create(user=admin, org=county, role=Role.COUNTY_ADMIN)
    lecturer_user = make_user(mark("lect"), county, name=mark("讲师号"))
    Membership.objects.create(user=lecturer_user, org=branch, role=Role.LECTURER)
    lecturer = keep(
        "lecturer_id",
        Lecturer.objects.create(
            pk=ids(), county=county, user=lecturer_user, org=branch, name=mark("讲师"),
            name_pinyin=f"jiangshi{tag}", name_initials="js", phone=digits,
            source="party_school", level="county", status="active", specialties=mark("专长"),
        ),
    )  # fmt: skip
    mentee = Lecturer.objects.create(
        pk=ids(), county=county, org=branch, name=mark("新讲师"), name_pinyin=f"xin{tag}",
        name_initials="x", phone=f"137{secrets.randbelow(10**8):08d}", source="party_school",
        level="county", status="active",
    )  # fmt: skip
    course = keep(
        "course_id",
        Course.objects.create(
            pk=ids(), county=county, lecturer=lecturer, title=mark("课程"),
            category="political_theory", outline=mark("提纲"),
        ),
    )  # fmt: skip
    held = keep(
        "booking_id",
        Booking.objects.create(
            pk=ids(), county=county, org=branch, lecturer=lecturer, course=course,
            start_at=now - timedelta(days=2), end_at=now - timedelta(days=2) + timedelta(hours=2),
            venue=mark("会场"), expected_attendees=30, classroom="classroom",
            requested_by=admin, expires_at=now, status=BookingStatus.COMPLETED,
        ),
    )  # fmt: skip
    Booking.objects.create(
        pk=ids(), county=county, org=branch, lecturer=lecturer, course=course,
        start_at=now + timedelta(days=5), end_at=now + timedelta(days=5, hours=2),
        venue=mark("会场"), expected_attendees=30, classroom="classroom",
        requested_by=admin, expires_at=now + timedelta(days=2), status=BookingStatus.REQUESTED,
    )  # fmt: skip
    keep(
        "rating_id",
        TraineeRating.objects.create(
            pk=ids(), booking=held, name=mark("学员"), phone=f"136{secrets.randbelow(10**8):08d}",
            content=30, method=30, effect=30, comment=mark("评语"), rated_at=now,
        ),
    )  # fmt: skip
    TraineeRating.objects.create(
        pk=ids(), booking=held, name=mark("学员"), phone=f"135{secrets.randbelow(10**8):08d}",
        content=20, method=20, effect=20, comment=mark("存疑"), rated_at=now, is_flagged=True,
    )  # fmt: skip
    OrgRating.objects.create(booking=held, performance=5, discipline=5, engagement=5)
    keep(
        "demand_id",
        Demand.objects.create(
            pk=ids(), county=county, org=branch, venue=mark("需求地点"), expected_attendees=20,
            classroom="classroom", topic=mark("需求"), window_start=now + timedelta(days=3),
            window_end=now + timedelta(days=20), duration_minutes=90, lat=30.0, lng=110.0,
        ),
    )  # fmt: skip
    outside = OutsideSession(
        pk=ids(), county=county, lecturer=lecturer, host=mark("外单位"), topic=mark("外出"),
        start_at=now + timedelta(days=4), end_at=now + timedelta(days=4, hours=2),
        venue=mark("外地"),
    )  # fmt: skip
    outside.letter.save("letter.pdf", ContentFile(f"%PDF-1.4 {mark('邀请函')}".encode()))
    keep("session_id", outside)
    offering = Offering.objects.create(
        pk=ids(), county=county, lecturer=lecturer, month=date.today().replace(day=1)
    )
    OfferingSlot.objects.create(
        offering=offering, start_at=now + timedelta(days=8), end_at=now + timedelta(days=8, hours=2)
    )
    keep(
        "message_id",
        InboxMessage.objects.create(
            pk=ids(), recipient=admin, event=Event.BOOKING_REQUESTED, title=mark("消息"),
            body=mark("正文"), url="/",
        ),
    )  # fmt: skip
    audit(actor=admin, action="lecturer.update", obj=lecturer, county_id=county.pk,
          after={"note": mark("审计")})  # fmt: skip
    keep(
        "honour_id",
        LecturerHonour.objects.create(
            pk=ids(), lecturer=lecturer, title="famous_lecturer", year=now.year
        ),
    )
    call = keep(
        "call_id",
        Call.objects.create(
            pk=ids(), county=county, org=county, level="county", title=mark("遴选"),
            criteria=mark("条件"), quota=3, deadline=now + timedelta(days=30),
        ),
    )  # fmt: skip
    keep(
        "nomination_id",
        Nomination.objects.create(
            pk=ids(), call=call, county=county, channel="self", name=mark("候选人"),
            phone=f"133{secrets.randbelow(10**8):08d}", org=branch, reason=mark("理由"),
        ),
    )  # fmt: skip
    keep(
        "pairing_id",
        Pairing.objects.create(
            pk=ids(), county=county, mentor=lecturer, mentee=mentee,
            starts_on=now.date(), ends_on=now.date() + timedelta(days=180),
        ),
    )  # fmt: skip
    keep("survey_id", Survey.objects.create(pk=ids(), county=county, title=mark("调查")))
    meeting = keep(
        "meeting_id",
        Meeting.objects.create(
            pk=ids(), county=county, kind="school_affairs", title=mark("会议"),
            held_at=now - timedelta(days=1), agenda=mark("议程"),
        ),
    )  # fmt: skip
    keep(
        "issue_id",
        MeetingIssue.objects.create(
            pk=ids(), meeting=meeting, county=county, title=mark("事项"), owner=admin,
            due_on=now.date() + timedelta(days=7),
        ),
    )  # fmt: skip
    attachment = MeetingAttachment(pk=ids(), meeting=meeting, name=mark("附件"))
    attachment.file.save("minutes.txt", ContentFile(mark("纪要").encode()))
    keep("attachment_id", attachment)
    keep(
        "lesson_id",
        VideoLesson.objects.create(pk=ids(), course=course, county=county, title=mark("微课")),
    )
    FieldReport.objects.create(
        pk=ids(), booking=held, county=county, lecturer=lecturer, attendees=30,
        summary=mark("纪实"),
    )  # fmt: skip
    TeachingBase.objects.create(
        pk=ids(), county=county, name=mark("基地"), level="county", address=mark("地址"),
        lat=30.0, lng=110.0, capacity=50,
    )  # fmt: skip
    job = ImportJob(pk=ids(), county=county, kind="lecturers", file_name=mark("导入"))
    job.file.save("import.xlsx", ContentFile(b"not a workbook"))
    keep("job_id", job)
    keep(
        "plan_id",
        HelpPlan.objects.create(pk=ids(), county=county, lecturer=mentee, reason=mark("帮扶")),
    )
    keep(
        "talk_id",
        ReminderTalk.objects.create(pk=ids(), county=county, lecturer=mentee, reason=mark("谈话")),
    )
    pks["county_id"] = county.pk
    pks["object_id"] = county.pk
    phones = [digits, f"{digits[:3]}****{digits[-4:]}"]
    return SimpleNamespace(
        county=county, town=town, branch=branch, admin=admin, lecturer=lecturer, course=course,
        booking=held, call=call, markers=markers + phones, pks=pks,
        tokens={"e/": token_for(held), "selection/c/": call.public_key,
                "selection/n/": Nomination.objects.get(pk=pks["nomination_id"]).tracking_key,
                "calendar/": feed_url_for(admin).rsplit("/", 1)[1].removesuffix(".ics")},
    )  # fmt: skip


@pytest.fixture
def tenants(world):
    ids = Ids()
    p, q, r = (_province(f"{name}{secrets.token_hex(4)}") for name in ("甲省", "乙省", "丙省"))
    world.county.parent = p
    world.county.save(update_fields=["parent"])
    a = build_domain(world.county, town=world.town, branch=world.branch, marked=False)
    sibling = build_domain(_county(f"邻县{secrets.token_hex(4)}", p))
    b_county = _county(f"乙县{secrets.token_hex(4)}", q, pk=ids())
    b = build_domain(b_county, ids=ids)
    b.markers.append(b_county.name)
    b.markers.append(q.name)
    sibling.markers.append(sibling.county.name)
    # A's province shows on its admin's pages only: no county-scoped list may hold it (a
    # province has no county, and a query by a missing county must not find it).
    sibling.markers.append(p.name)
    third = _county(f"丙县{secrets.token_hex(4)}", r)
    province_admin = make_user("province_admin_a")
    Membership.objects.create(user=province_admin, org=p, role=Role.PROVINCE_ADMIN)
    other_province_admin = make_user("province_admin_r")
    Membership.objects.create(user=other_province_admin, org=r, role=Role.PROVINCE_ADMIN)
    member = make_user("plain_member", world.county)
    callers = {
        "county_admin": world.county_admin,
        "town_admin": world.town_admin,
        "secretary": world.secretary,
        "lecturer": world.lecturer,
        "member": member,
        "province_admin": province_admin,
        "other_province_admin": other_province_admin,
    }
    return SimpleNamespace(
        world=world, a=a, b=b, sibling=sibling, third=third, callers=callers,
        province=p, province_admin=province_admin,
    )  # fmt: skip


# --- reading responses ---------------------------------------------------------------------


def _body(response) -> str:
    """The response as text: workbooks unzipped, PDFs read back, other bytes as Latin-1."""
    raw = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    kind = response.get("Content-Type", "")
    if raw[:2] == b"PK":  # a workbook (a zip of XML parts)
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            return "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    if raw[:5] == b"%PDF-" and "pdf" in kind and shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-", "-"], input=raw, capture_output=True, check=False, timeout=60
        )
        return done.stdout.decode("utf-8", "replace") + raw.decode("latin-1")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
    if "json" in kind:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text


def _leaks(text: str, markers, id_patterns) -> list[str]:
    found = [m for m in markers if m in text]
    found += [p.pattern for p in id_patterns if p.search(text)]
    return found


# --- the routes ----------------------------------------------------------------------------

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
API_PARAM = re.compile(r"{(?P<name>[^}]+)}")


def _page_routes() -> list[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and isinstance(p.pattern, RoutePattern):
                yield prefix + str(p.pattern)

    # The API is walked from its OpenAPI document; Django's admin answers non-staff callers
    # with its login page (api/tests/test_fuzz_routes.py covers it).
    # Readiness answers 503 while no task worker runs, as here; it shows nobody's data.
    skipped = ("api/", "admin/", "readyz")
    return sorted({r for r in walk(get_resolver().url_patterns) if not r.startswith(skipped)})


def _fill(route: str, pattern, side, year: int) -> str | None:
    """The route with each parameter taken from `side` (its pks and tokens); None when the
    side has nothing to fill it with."""
    path = route
    for match in pattern.finditer(route):
        name = match["name"]
        if name == "year":
            value = year
        elif name in side.pks:
            value = side.pks[name]
        else:
            value = next((t for key, t in side.tokens.items() if route.startswith(key)), None)
            if value is None and name == "kind":
                value = "lecturers"
            if value is None and name == "path":
                value = "photos/none.jpg"
            if value is None:
                return None
        path = path.replace(match[0], quote(str(value), safe=""), 1)
    return "/" + path


def _api_get_paths() -> list[str]:
    schema = api.get_openapi_schema()
    return sorted(
        path.removeprefix("/api/v1/")
        for path, operations in schema["paths"].items()
        if "get" in operations
    )


CALLERS = (
    "county_admin",
    "town_admin",
    "secretary",
    "lecturer",
    "member",
    "province_admin",
    "other_province_admin",
)


def test_every_caller_is_walked(tenants):
    assert set(tenants.callers) == set(CALLERS)


@pytest.mark.parametrize("who", CALLERS)
def test_nothing_of_county_b_reaches_county_a_or_another_province(who, tenants, quiet_request_log):
    b = tenants.b
    markers = b.markers + tenants.sibling.markers
    id_patterns = [re.compile(rf"(?<![0-9]){pk}(?![0-9])") for pk in set(b.pks.values())]
    year = timezone.now().year
    routes = _page_routes()
    api_paths = _api_get_paths()
    assert len(routes) > 100 and len(api_paths) > 30
    failures: list[str] = []
    requests = 0
    user = tenants.callers[who]
    client = Client()
    client.force_login(user)
    headers = {"Authorization": f"Bearer {api_token_issue(user=user)}"}
    # Whom the province admin of A's province may see: A and its sibling, never B.
    hidden = b.markers if who == "province_admin" else markers

    def check(label: str, paths, prefix: str = "", **kwargs) -> None:
        nonlocal requests
        for path, kind in paths:
            requests += 1
            response = client.get(prefix + path, **kwargs)
            if response.status_code >= 500:
                failures.append(f"{who} {label} {path}: {response.status_code}")
                continue
            if kind == "other" and response.status_code == 200:
                failures.append(f"{who} {label} {path}: 200 for county B's object")
            leaked = _leaks(_body(response), hidden, id_patterns)
            if leaked:
                failures.append(f"{who} {label} {path}: {leaked[:3]}")

    for route in routes:
        own = _fill(route, PARAM, tenants.a, year)
        other = _fill(route, PARAM, b, year)
        takes_b = other is not None and other != own and not route.startswith(TOKEN_ROUTES)
        paths = [(own, "own")] if own else []
        if own and "<" not in route:
            paths.append((f"{own}?format=xlsx", "own"))
        if takes_b and not route.startswith(OPEN_BY_LINK):
            paths.append((other, "other"))
        check("GET", paths)
    for route in api_paths:
        own = _fill(route, API_PARAM, tenants.a, year)
        other = _fill(route, API_PARAM, b, year)
        paths = [(own, "own")] if own else []
        if other is not None and other != own:
            paths.append((other, "other"))
        check("API", paths, prefix="/api/v1", headers=headers)

    print(f"{requests} requests")
    assert not failures, f"{len(failures)} leaks of {requests} requests:\n" + "\n".join(failures)


def test_the_markers_show_where_they_belong(tenants):
    """The walk means something: B's own admin reads B's markers on the same pages, and the
    province admin of A's province reads both of its counties."""
    b = tenants.b
    client = Client()
    client.force_login(b.admin)
    seen = "".join(
        _body(client.get(path))
        for path in ("/lecturers/", "/courses/", "/manage/orgs/", "/demands/", "/manage/audit/")
    )
    for marker in (b.lecturer.name, b.course.title, b.branch.name):
        assert marker in seen
    assert b.town.name in seen
    api_seen = _body(
        client.get(
            "/api/v1/lecturers",
            headers={"Authorization": f"Bearer {api_token_issue(user=b.admin)}"},
        )
    )
    assert b.lecturer.name in api_seen and str(b.lecturer.pk) in api_seen
    # The detector the walk uses finds them as well: names, ids and the phone's digits.
    pattern = re.compile(rf"(?<![0-9]){b.lecturer.pk}(?![0-9])")
    assert _leaks(api_seen, b.markers, [pattern])
    phone = [b.lecturer.phone, f"{b.lecturer.phone[:3]}****{b.lecturer.phone[-4:]}"]
    assert _leaks(_body(client.get(f"/lecturers/{b.lecturer.pk}/")), phone, [])

    province = Client()
    province.force_login(tenants.province_admin)
    page = _body(province.get("/province/"))
    assert tenants.world.county.name in page and tenants.sibling.county.name in page
    assert b.county.name not in page

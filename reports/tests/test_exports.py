"""`?format=xlsx` on the list pages (core.xlsx.xlsx_list_response): each workbook re-opens
with openpyxl and holds the list the caller sees with the filters of the page, under Chinese
headers; a 50,000-row export streams from disk and stays far below 200 MB of memory."""

import contextlib
import io
import json
import os
import re
import time

import pytest
from django.db import connections
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from core.audit import audit
from core.models import AuditLog
from evaluation.selectors import lecturer_ranking, org_ranking
from lecturers.selectors import lecturer_list_for_user
from matching.selectors import demand_list_for_org_side
from scheduling.models import BookingStatus
from scheduling.selectors import booking_list_for_user

from .history import build_history

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def shown_count(client, url: str, params: dict) -> int:
    html = client.get(url, params).content.decode()
    return int(re.search(r'<p class="count">\D*(\d+)', html).group(1))


def test_the_lists_export_what_the_caller_sees(world, login):
    build_history(world)
    client = login(world.county_admin)
    user = world.county_admin

    rows = workbook_rows(
        client.get("/lecturers/", {"format": "xlsx", "category": "situation_policy"})
    )
    assert rows[0][:4] == ["姓名", "级别", "来源", "状态"]
    assert (
        [r[0] for r in rows[1:]]
        == [lecturer.name for lecturer in lecturer_list_for_user(user, category="situation_policy")]
        == ["张三丰"]
    )
    assert rows[1][6] == "形势政策"

    rows = workbook_rows(client.get("/courses/", {"format": "xlsx", "q": "红色"}))
    assert rows[0][:3] == ["课程", "类别", "讲师"] and rows[1:2] == [rows[1]]
    assert [r[0] for r in rows[1:]] == ["红色家书里的初心"]

    rows = workbook_rows(client.get("/bookings/", {"format": "xlsx", "status": "completed"}))
    completed = list(booking_list_for_user(user, status="completed", side="org"))
    assert rows[0][:3] == ["开始", "结束", "课程"]
    assert (
        len(rows) - 1
        == len(completed)
        == shown_count(client, "/bookings/", {"status": "completed"})
    )
    assert [r[4] for r in rows[1:]] == [b.org.name for b in completed]
    assert {r[8] for r in rows[1:]} == {"已完成"}

    rows = workbook_rows(client.get("/demands/", {"format": "xlsx", "status": "taken"}))
    taken = list(demand_list_for_org_side(user, status="taken"))
    assert rows[0][:2] == ["发布时间", "授课主题"]
    assert len(rows) - 1 == len(taken) == shown_count(client, "/demands/", {"status": "taken"}) == 2
    assert sorted(r[11] for r in rows[1:]) == sorted(d.booking.lecturer.name for d in taken)

    for tab, ranking in (("lecturers", lecturer_ranking), ("orgs", org_ranking)):
        rows = workbook_rows(client.get("/rankings/", {"format": "xlsx", "tab": tab}))
        items = ranking(user)
        assert rows[0] == ["排名", "姓名", "得分", "星级", "授课场次", "评价数"]
        assert [r[:3] for r in rows[1:]] == [[i["rank"], i["name"], i["score"]] for i in items]

    audit(actor=user, action="org.create", obj=world.town, county_id=world.county.pk,
          after={"name": "=HYPERLINK(\"http://x\")"})  # fmt: skip
    audit(actor=user, action="lecturer.status", obj=world.zhang, county_id=world.county.pk)
    audit(actor=world.outsider, action="org.create", obj=world.town_b, county_id=world.county_b.pk)
    rows = workbook_rows(client.get("/manage/audit/", {"format": "xlsx", "action": "org.create"}))
    assert rows[0][:3] == ["时间", "操作人", "操作"]
    assert len(rows) == 2 and rows[1][2] == "org.create"
    # Text that a spreadsheet would run as a formula stays text.
    assert rows[1][6] == 'name: =HYPERLINK("http://x")'


def test_an_export_keeps_to_the_callers_scope(world, login):
    build_history(world)
    town_rows = workbook_rows(login(world.town_admin).get("/bookings/", {"format": "xlsx"}))
    town_orgs = {r[4] for r in town_rows[1:]}
    assert town_orgs <= {"东镇", "东村党支部", "南村党支部"} and town_orgs
    secretary_rows = workbook_rows(login(world.secretary).get("/bookings/", {"format": "xlsx"}))
    assert {r[4] for r in secretary_rows[1:]} == {"东村党支部"}
    # The audit trail is the county admin's only.
    assert login(world.town_admin).get("/manage/audit/", {"format": "xlsx"}).status_code == 403
    outsider = workbook_rows(login(world.outsider).get("/bookings/", {"format": "xlsx"}))
    assert outsider == [outsider[0]]


def test_the_lists_link_to_their_workbook(world, login):
    build_history(world)
    client = login(world.county_admin)
    for url in ("/lecturers/?category=situation_policy", "/courses/", "/bookings/?status=completed",
                "/rankings/", "/manage/audit/"):  # fmt: skip
        html = client.get(url).content.decode()
        link = re.search(r'<a class="btn btn-small btn-plain xlsx-link" href="([^"]+)"', html)
        assert link and "format=xlsx" in link.group(1), url
    html = client.get("/bookings/?status=completed").content.decode()
    assert 'href="?side=org&amp;status=completed&amp;format=xlsx"' in html


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def _export_in_a_child(user, rows: int) -> dict:
    """Run the export in a forked child and measure its memory there: the child's peak
    resident set (VmHWM, reset at the start where the kernel allows) less its resident set
    before the export is an upper bound of what the export needed, C allocations included."""
    connections.close_all()  # the child opens its own; the parent's reopen when next used
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read_end)
            with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")  # reset the peak to the current resident set
            before = _status_kib("VmRSS")
            started = time.monotonic()
            client = Client()
            client.force_login(user)
            response = client.get("/manage/audit/", {"format": "xlsx"})
            size = 0
            sheet_rows = 0
            chunks = []
            for chunk in response.streaming_content:
                size += len(chunk)
                chunks.append(chunk)
            sheet = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True).active
            del chunks
            peak = _status_kib("VmHWM")
            sheet_rows = sum(1 for _row in sheet.iter_rows(values_only=True))
            facts = {"streaming": response.streaming, "status": response.status_code,
                     "before_kib": before, "peak_kib": peak, "bytes": size,
                     "rows": sheet_rows, "seconds": time.monotonic() - started}  # fmt: skip
            os.write(write_end, json.dumps(facts).encode())
            code = 0
        finally:
            connections.close_all()
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the export failed in the child"
    return json.loads(answer)


@pytest.mark.django_db(transaction=True)
def test_a_large_export_streams_in_little_memory(world):
    rows = 50_000
    entry = {"actor": world.county_admin, "county": world.county, "action": "booking.requested",
             "object_type": "scheduling.booking"}  # fmt: skip
    AuditLog.objects.bulk_create(
        [AuditLog(**entry, object_id=str(i), after={"note": f"第{i}次约课"}) for i in range(rows)],
        batch_size=5000,
    )
    facts = _export_in_a_child(world.county_admin, rows)
    grown = (facts["peak_kib"] - facts["before_kib"]) / 1024
    print(
        f"50,000-row export: {facts['bytes'] / 2**20:.1f} MiB file, the process grew by at most "
        f"{grown:.1f} MiB (peak {facts['peak_kib'] / 1024:.0f} MiB), {facts['seconds']:.1f} s"
    )
    assert facts["status"] == 200 and facts["streaming"]
    assert facts["rows"] == rows + 1
    assert grown < 200


def test_the_workbook_of_the_page_holds_its_tables(world, login):
    """The dashboard's own workbook: one sheet per chart, holding its table."""
    response = login(world.county_admin).get("/dashboard/", {"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 13
    assert "各推荐渠道的提名" in workbook.sheetnames
    sheet = workbook["约课状态分布"]
    assert [c.value for c in sheet[3]] == ["状态", "约课记录"]
    with translation.override("zh-hans"):
        labels = [str(label) for _value, label in BookingStatus.choices]
    assert [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)] == labels
    assert labels[0] == "待接单"


def test_the_meetings_export_the_kind_asked_for(world, login):
    from datetime import timedelta

    from django.utils import timezone

    from classrooms import services as classrooms
    from classrooms.models import Meeting

    now = timezone.now()
    for i, kind in enumerate(("school_affairs", "special", "school_affairs")):
        meeting = classrooms.meeting_create(
            actor=world.county_admin, kind=kind, title=f"=第{i + 1}次会议", place="党校三楼",
            held_at=now - timedelta(days=30 * (i + 1)), agenda="议程",
        )  # fmt: skip
    classrooms.meeting_issue_raise(actor=world.county_admin, meeting=meeting, title="场地不足",
                                   owner_id=world.county_admin.pk, due_on=now.date())  # fmt: skip
    classrooms.meeting_create(actor=world.outsider, kind="school_affairs", title="乙县的会",
                              held_at=now - timedelta(days=3), agenda="议程")  # fmt: skip
    client = login(world.county_admin)
    page = client.get("/classrooms/meetings/", {"kind": "school_affairs"}).content.decode()
    assert 'href="?kind=school_affairs&amp;format=xlsx"' in page
    rows = workbook_rows(client.get("/classrooms/meetings/", {"kind": "school_affairs",
                                                              "format": "xlsx"}))  # fmt: skip
    listed = Meeting.objects.filter(county=world.county, kind="school_affairs").order_by("-held_at")
    assert rows[0] == [
        "召开时间",
        "类型",
        "名称",
        "地点",
        "议程",
        "参会人员",
        "提出的问题",
        "未解决的问题",
    ]
    assert [r[2] for r in rows[1:]] == [m.title for m in listed] == ["=第1次会议", "=第3次会议"]
    assert len(rows) - 1 == shown_count(client, "/classrooms/meetings/", {"kind": "school_affairs"})
    assert rows[2][6:] == [1, 1] and rows[1][6:] == [0, 0]
    assert {r[1] for r in rows[1:]} == {"校务会议（每月）"}
    # The town's admin and the other county's see none of it.
    assert (
        login(world.town_admin).get("/classrooms/meetings/", {"format": "xlsx"}).status_code == 404
    )
    outsider = workbook_rows(login(world.outsider).get("/classrooms/meetings/", {"format": "xlsx"}))
    assert [r[2] for r in outsider[1:]] == ["乙县的会"]


def test_the_quality_rollup_index_exports_the_period_asked_for(world, login):
    from evaluation.reports import period_from, rollup_index

    history = build_history(world)
    client = login(world.county_admin)
    query = {"from": f"{history.first:%Y-%m}", "to": f"{history.first:%Y-%m}"}
    page = client.get("/evaluation/rollup/", query).content.decode()
    assert "format=xlsx" in page
    rows = workbook_rows(client.get("/evaluation/rollup/", {**query, "format": "xlsx"}))
    period = period_from(history.first.replace(day=1), history.first.replace(day=1))
    expected = rollup_index(world.county_admin, period)
    assert rows[0] == ["讲师", "单位", "星级", "授课场次", "参训人次"]
    assert [[r[0], r[3], r[4]] for r in rows[1:]] == [
        [e["name"], e["sessions"], e["attendance"]] for e in expected
    ]
    assert expected and sum(e["sessions"] for e in expected) >= 1
    shown = re.findall(r'data-testid="rollup-link"', page)
    assert len(shown) == len(rows) - 1
    assert login(world.town_admin).get("/evaluation/rollup/", {"format": "xlsx"}).status_code == 403


def test_the_nominations_of_a_call_export_the_channel_asked_for(world, login):
    from development.selectors import nominations_for_user, ranked
    from development.tests.helpers import nominate, open_call, review_all

    call = open_call(world)
    review_all(world, nominate(world, call, channel="unit", phone="13700000001", name="甲"))
    nominate(world, call, channel="unit", phone="13700000002", name="乙")
    nominate(world, call, channel="self", phone="13700000003", name="丙")
    client = login(world.county_admin)
    url = f"/selection/calls/{call.pk}/"
    page = client.get(url, {"channel": "unit"}).content.decode()
    assert 'href="?channel=unit&amp;format=xlsx"' in page
    rows = workbook_rows(client.get(url, {"channel": "unit", "format": "xlsx"}))
    listed = list(ranked(nominations_for_user(world.county_admin, call=call, channel="unit")))
    assert rows[0][:2] == ["排名", "姓名"] and rows[0][3:5] == ["所属组织", "渠道"]
    assert [r[1] for r in rows[1:]] == [n.name for n in listed] and len(listed) == 2
    assert len(rows) - 1 == shown_count(client, url, {"channel": "unit"})
    assert {r[4] for r in rows[1:]} == {"推荐（单位推荐）"} and rows[1][2] == "137****0001"
    # Another county's admin gets nothing of the call.
    assert login(world.outsider).get(url, {"format": "xlsx"}).status_code == 404

"""The coordination pages (G8a): meetings created and edited with attachments, issues raised
with a required owner and resolved, the overdue list; and who may not see them."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from classrooms.models import IssueStatus, Meeting, MeetingAttachment, MeetingIssue
from core.timeutil import local

MEETING = {
    "kind": "school_affairs",
    "title": "十二月校务会",
    "held_at": "2026-12-01T09:00",
    "place": "党校301",
    "agenda": "讲师管理；送教计划",
    "attendees": "组织部、党校",
}


def test_the_county_records_edits_and_attaches_to_a_meeting(world, login):
    admin = login(world.county_admin)
    assert 'data-testid="manage-meetings"' in admin.get("/manage/").content.decode()
    assert admin.get("/classrooms/meetings/").status_code == 200
    refused = admin.post("/classrooms/meetings/new/", {**MEETING, "agenda": "", "kind": "party"})
    assert refused.status_code == 422 and not Meeting.objects.exists()
    body = refused.content.decode()
    assert 'id="field-agenda"' in body and 'id="field-kind"' in body
    bad_file = SimpleUploadedFile("病毒.exe", b"MZ")
    refused = admin.post("/classrooms/meetings/new/", {**MEETING, "attachments": [bad_file]})
    assert refused.status_code == 422 and not Meeting.objects.exists()
    created = admin.post(
        "/classrooms/meetings/new/",
        {**MEETING, "attachments": [SimpleUploadedFile("议程.pdf", b"%PDF-1.4 agenda")]},
    )
    assert created.status_code == 302
    meeting = Meeting.objects.get()
    page = admin.get(f"/classrooms/meetings/{meeting.pk}/").content.decode()
    assert "讲师管理" in page and "议程.pdf" in page
    edited = admin.post(
        f"/classrooms/meetings/{meeting.pk}/edit/",
        {**MEETING, "minutes": "会议决定：一月开展送教上门。",
         "attachments": [SimpleUploadedFile("纪要.docx", b"PK")]},
    )  # fmt: skip
    assert edited.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "会议决定：一月开展送教上门。"
    assert meeting.attachments.count() == 2
    download = admin.get(f"/classrooms/meetings/attachments/{meeting.attachments.first().pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_an_issue_needs_an_owner_and_is_resolved_by_its_owner(world, login):
    admin = login(world.county_admin)
    admin.post("/classrooms/meetings/new/", MEETING)
    meeting = Meeting.objects.get()
    url = f"/classrooms/meetings/{meeting.pk}/"
    due = (date(2026, 12, 1) + timedelta(days=20)).isoformat()
    refused = admin.post(url, {"title": "更新讲师档案", "owner": "", "due_on": due})
    assert refused.status_code == 422 and not MeetingIssue.objects.exists()
    assert 'id="field-owner"' in refused.content.decode()
    raised = admin.post(url, {"title": "更新讲师档案", "owner": world.town_admin.pk, "due_on": due})
    assert raised.status_code == 302
    issue = MeetingIssue.objects.get()
    # The owner sees it on the issue list and resolves it; others of the county cannot.
    resolve = f"/classrooms/issues/{issue.pk}/resolve/"
    assert login(world.secretary).get(resolve).status_code == 404
    assert login(world.outsider).get(resolve).status_code == 404
    owner = login(world.town_admin)
    assert "更新讲师档案" in owner.get("/classrooms/issues/").content.decode()
    assert owner.post(resolve, {"resolution": " "}).status_code == 422
    assert owner.post(resolve, {"resolution": "已全部更新"}).status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.resolution) == (IssueStatus.RESOLVED, "已全部更新")
    again = login(world.county_admin).post(resolve, {"resolution": "再次"})
    assert again.status_code == 409


def test_the_overdue_list_shows_open_issues_past_their_date(world, login):
    admin = login(world.county_admin)
    admin.post("/classrooms/meetings/new/", MEETING)
    meeting = Meeting.objects.get()
    late = MeetingIssue.objects.create(
        meeting=meeting, county=world.county, title="逾期事项", owner=world.town_admin,
        due_on=local(timezone.now()).date() - timedelta(days=2),
    )  # fmt: skip
    page = admin.get("/classrooms/issues/").content.decode()
    overdue_block = page.split('data-testid="overdue"', 1)
    assert len(overdue_block) == 2 and late.title in overdue_block[1]


def test_outsiders_do_not_see_the_meetings(world, login, client):
    login(world.county_admin).post("/classrooms/meetings/new/", {
        **MEETING, "attachments": [SimpleUploadedFile("议程.pdf", b"%PDF-1.4")]})  # fmt: skip
    meeting = Meeting.objects.get()
    attachment = MeetingAttachment.objects.get()
    # Another county's admin has a meetings page of their own, without this one.
    other_county = login(world.outsider).get("/classrooms/meetings/")
    assert other_county.status_code == 200 and MEETING["title"] not in other_county.content.decode()
    for user in (world.outsider, world.town_admin, world.secretary, world.lecturer):
        browser = login(user)
        assert browser.get(f"/classrooms/meetings/{meeting.pk}/").status_code == 404
        assert browser.get(f"/classrooms/meetings/{meeting.pk}/edit/").status_code == 404
        assert browser.post(f"/classrooms/meetings/{meeting.pk}/edit/", MEETING).status_code == 404
        assert browser.get(f"/classrooms/meetings/attachments/{attachment.pk}/").status_code == 404
    for user in (world.town_admin, world.secretary, world.lecturer):
        assert login(user).get("/classrooms/meetings/").status_code == 404
        assert login(user).post("/classrooms/meetings/new/", MEETING).status_code == 404
    assert Meeting.objects.count() == 1
    client.logout()
    assert client.get("/classrooms/meetings/").status_code == 302

"""Coordination (G8a): meetings, their issues with owners, the overdue list, the reminders."""

from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from classrooms import selectors, services
from classrooms.models import IssueStatus, Meeting, MeetingIssue
from core.errors import Conflict, Forbidden, InvalidInput
from notifications.models import Event, InboxMessage

TODAY = date(2026, 12, 10)


@pytest.fixture
def meeting(world):
    return services.meeting_create(
        actor=world.county_admin, kind="school_affairs", title="12月校务会",
        held_at=datetime(2026, 12, 1, 9), agenda="讲师管理", attendees="组织部、党校",
        attachments=[SimpleUploadedFile("纪要.pdf", b"%PDF-1.4")],
    )  # fmt: skip


def raise_issue(world, meeting, title, due_on, owner=None):
    owner = owner or world.town_admin
    return services.meeting_issue_raise(
        actor=world.county_admin, meeting=meeting, title=title, owner_id=owner.pk, due_on=due_on
    )


def test_a_meeting_keeps_its_agenda_attendees_and_attachments(world, meeting):
    assert meeting.attachments.get().name == "纪要.pdf"
    assert selectors.meetings_visible_to(world.outsider).count() == 0
    assert selectors.meetings_visible_to(world.secretary).count() == 0


def test_an_issue_without_an_owner_is_refused_and_nothing_is_written(world, meeting):
    with pytest.raises(InvalidInput) as refused:
        services.meeting_issue_raise(
            actor=world.county_admin, meeting=meeting, title="讲师培训经费", owner_id=None,
            due_on=TODAY,
        )  # fmt: skip
    assert set(refused.value.fields) == {"owner_id"}
    with pytest.raises(InvalidInput) as outsider_owner:
        raise_issue(world, meeting, "x", TODAY, owner=world.outsider)
    assert set(outsider_owner.value.fields) == {"owner_id"}
    assert not MeetingIssue.objects.exists()


def test_only_the_county_admin_holds_meetings(world):
    with pytest.raises(Forbidden):
        services.meeting_create(
            actor=world.town_admin, kind="special", title="x", held_at=datetime(2026, 12, 1),
            agenda="x",
        )  # fmt: skip
    assert not Meeting.objects.exists()


def test_the_overdue_list_holds_open_issues_past_their_date_oldest_first(world, meeting):
    late = raise_issue(world, meeting, "更新讲师档案", TODAY - timedelta(days=2))
    later = raise_issue(world, meeting, "落实送教计划", TODAY - timedelta(days=5))
    raise_issue(world, meeting, "今天到期", TODAY)
    done = raise_issue(world, meeting, "已解决的", TODAY - timedelta(days=9))
    services.meeting_issue_resolve(actor=world.town_admin, issue=done, resolution="已办结")
    overdue = list(selectors.overdue_issues(world.county_admin, today=TODAY))
    assert overdue == [later, late]
    assert list(selectors.overdue_issues(world.outsider, today=TODAY)) == []
    # The owner sees their own; others of the county see none of them.
    assert len(selectors.overdue_issues(world.town_admin, today=TODAY)) == 2
    assert len(selectors.overdue_issues(world.secretary, today=TODAY)) == 0
    with pytest.raises(Conflict):
        services.meeting_issue_resolve(actor=world.county_admin, issue=done, resolution="again")
    with pytest.raises(Forbidden):
        services.meeting_issue_resolve(actor=world.secretary, issue=late, resolution="x")
    assert MeetingIssue.objects.filter(status=IssueStatus.OPEN).count() == 3


def test_the_owner_is_reminded_once_before_the_due_date(world, meeting):
    soon = raise_issue(world, meeting, "更新讲师档案", TODAY + timedelta(days=2))
    raise_issue(world, meeting, "下月的事", TODAY + timedelta(days=20))
    raise_issue(world, meeting, "早已过期", TODAY - timedelta(days=1))
    assert services.issue_reminders_due(today=TODAY) == 1
    assert services.issue_reminders_due(today=TODAY + timedelta(days=1)) == 0  # once
    message = InboxMessage.objects.get(event=Event.MEETING_ISSUE_DUE)
    assert message.recipient == world.town_admin
    assert soon.title in message.body
    services.meeting_issue_resolve(actor=world.town_admin, issue=soon, resolution="已完成")
    soon.due_on = TODAY + timedelta(days=3)
    MeetingIssue.objects.filter(pk=soon.pk).update(due_on=soon.due_on)
    assert services.issue_reminders_due(today=TODAY) == 0  # resolved: no more reminders

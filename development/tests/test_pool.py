"""The pool beyond the calls (G3-G5): invited experts and their sessions counted apart,
hired practitioners with their letters, campaigns that count sessions within their dates,
the reserve promoted through a call's review."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden, InvalidInput
from core.models import AuditLog
from core.tests.factories import session
from development import pool_selectors, pool_services, services
from development.models import Nomination, Stage
from development.pool_models import (
    Campaign,
    CampaignSession,
    Hiring,
    Invitation,
    InvitedSession,
    ReserveMember,
)

from .helpers import PANEL, open_call
from .pool_helpers import invitation, reserve_member

pytestmark = pytest.mark.django_db


def test_an_invited_experts_sessions_are_counted_apart_from_the_pools(world):
    invited = invitation(world)
    start = timezone.now() - timedelta(days=1)
    pool_services.invited_session_add(
        actor=world.county_admin, invitation=invited, starts_at=start,
        ends_at=start + timedelta(hours=2), place="县委礼堂", attendees=300,
    )  # fmt: skip
    session(world)  # one session of the pool, under way
    figures = pool_selectors.session_figures(world.county_admin, timezone.localdate().year)
    assert figures["invited"] == 1
    assert figures["invited_attendees"] == 300
    assert figures["pool"] == 1
    assert figures["hired"] == 0
    row = pool_selectors.invitations_for_user(world.county_admin).get()
    assert row.session_count == 1
    assert AuditLog.objects.filter(action="invitation.create").count() == 1


def test_it_refuses_an_invited_expert_without_a_topic_and_writes_nothing(world):
    with pytest.raises(InvalidInput) as error:
        invitation(world, topic="   ")
    assert "topic" in error.value.fields
    assert not Invitation.objects.exists()


def test_it_refuses_an_invited_session_ending_before_it_starts(world):
    invited = invitation(world)
    start = timezone.now()
    with pytest.raises(InvalidInput) as error:
        pool_services.invited_session_add(
            actor=world.county_admin, invitation=invited, starts_at=start,
            ends_at=start - timedelta(hours=1), place="礼堂",
        )  # fmt: skip
    assert "ends_at" in error.value.fields
    assert not InvitedSession.objects.exists()


def test_a_secretary_and_a_lecturer_may_not_invite(world):
    for user in (world.secretary, world.lecturer):
        with pytest.raises(Forbidden):
            invitation(world, actor=user)


def test_a_town_admin_invites_for_their_town_only(world):
    mine = invitation(world, actor=world.town_admin)
    assert mine.org == world.town
    with pytest.raises(InvalidInput) as error:
        invitation(world, actor=world.town_admin, org_id=world.other_town.pk)
    assert "org_id" in error.value.fields
    assert list(pool_selectors.invitations_for_user(world.town_admin)) == [mine]
    county_wide = invitation(world, expert_name="周专家")
    assert county_wide not in pool_selectors.invitations_for_user(world.town_admin)
    assert not pool_selectors.invitations_for_user(world.outsider).exists()


def test_hiring_a_new_practitioner_makes_an_active_lecturer_with_a_letter(world):
    hiring = pool_services.hiring_create(
        actor=world.county_admin, kind="rural_entrepreneur", name="王致富", phone="13500000001",
        source="skills_talent",
    )  # fmt: skip
    assert hiring.lecturer.status == "active"
    assert hiring.lecturer.source == "skills_talent"
    assert hiring.letter_no
    assert hiring.initial_password
    assert hiring.hired_until > hiring.hired_from
    # The letter number continues the issuer's shared certificate sequence.
    second = pool_services.hiring_create(
        actor=world.county_admin, kind="leading_cadre", lecturer_id=world.li.pk
    )
    assert second.letter_no != hiring.letter_no
    assert second.initial_password == ""
    with pytest.raises(InvalidInput) as error:
        pool_services.hiring_create(
            actor=world.county_admin, kind="leading_cadre", lecturer_id=world.li.pk
        )
    assert "lecturer_id" in error.value.fields
    assert Hiring.objects.count() == 2


def test_a_hired_practitioners_sessions_count_as_hired_within_the_pools(world):
    pool_services.hiring_create(
        actor=world.county_admin, kind="village_secretary", lecturer_id=world.zhang.pk
    )
    session(world)
    figures = pool_selectors.session_figures(world.county_admin, timezone.localdate().year)
    assert (figures["pool"], figures["hired"], figures["invited"]) == (1, 1, 0)
    assert pool_selectors.hirings_for_user(world.county_admin).get().session_count == 1


def test_a_campaign_counts_its_sessions_once_and_only_within_its_dates(world):
    today = timezone.localdate()
    campaign = pool_services.campaign_create(
        actor=world.county_admin, title="我来讲党课", starts_on=today - timedelta(days=5),
        ends_on=today + timedelta(days=5),
    )  # fmt: skip
    held = session(world)
    pool_services.campaign_session_add(actor=world.county_admin, campaign=campaign, booking_id=held.pk)  # fmt: skip
    with pytest.raises(Conflict) as error:
        pool_services.campaign_session_add(
            actor=world.county_admin, campaign=campaign, booking_id=held.pk
        )
    assert error.value.code == "already_counted"
    later = session(world, started_minutes_ago=-60 * 24 * 10)
    with pytest.raises(InvalidInput) as error:
        pool_services.campaign_session_add(
            actor=world.county_admin, campaign=campaign, booking_id=later.pk
        )
    assert "outside the campaign" in str(error.value.fields["booking_id"]) or "活动日期" in str(
        error.value.fields["booking_id"]
    )
    row = pool_selectors.campaigns_for_user(world.county_admin).get()
    assert (row.session_count, row.lecturer_count) == (1, 1)
    assert CampaignSession.objects.count() == 1


def test_a_campaign_ending_before_it_starts_is_refused(world):
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as error:
        pool_services.campaign_create(
            actor=world.county_admin, title="身边榜样讲党课", starts_on=today,
            ends_on=today - timedelta(days=1),
        )  # fmt: skip
    assert "ends_on" in error.value.fields
    assert not Campaign.objects.exists()


def test_an_outsider_cannot_count_another_countys_session(world):
    today = timezone.localdate()
    campaign = pool_services.campaign_create(
        actor=world.outsider, title="乙县活动", starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        pool_services.campaign_session_add(
            actor=world.outsider, campaign=campaign, booking_id=session(world).pk
        )


def test_promoting_a_reserve_member_nominates_them_into_the_staged_review(world):
    call = open_call(world)
    member = reserve_member(world)
    nomination = pool_services.reserve_promote(actor=world.county_admin, member=member, call_id=call.pk)  # fmt: skip
    assert nomination.call == call
    assert nomination.channel == "unit"
    assert nomination.stage == Stage.SUBMITTED
    member.refresh_from_db()
    assert member.nomination == nomination and member.promoted_at is not None
    # The same review as every nomination, to the appointment.
    for stage, extra in (("political", {}), ("panel", {"scores": PANEL}),
                         ("approval", {"source": "party_worker"})):  # fmt: skip
        services.nomination_review(
            actor=world.county_admin, nomination=nomination, stage=stage, result="pass", **extra
        )
    nomination.refresh_from_db()
    assert nomination.stage == Stage.APPROVED and nomination.lecturer is not None


def test_a_reserve_member_promoted_twice_is_refused_and_nominated_once(world):
    call = open_call(world)
    other_call = open_call(world)
    member = reserve_member(world)
    pool_services.reserve_promote(actor=world.county_admin, member=member, call_id=call.pk)
    with pytest.raises(Conflict) as error:
        pool_services.reserve_promote(
            actor=world.county_admin, member=ReserveMember.objects.get(pk=member.pk),
            call_id=other_call.pk,
        )  # fmt: skip
    assert error.value.code == "already_promoted"
    assert Nomination.objects.filter(phone=member.phone).count() == 1


def test_a_promotion_the_call_refuses_leaves_the_member_in_reserve(world):
    call = open_call(world, quota=1)
    services.nomination_submit(
        actor=world.secretary, call=call, channel="public", name="先来者", phone="13700000099",
        org_id=world.branch.pk, reason="表现突出",
    )  # fmt: skip
    member = reserve_member(world)
    with pytest.raises(InvalidInput) as error:
        pool_services.reserve_promote(actor=world.county_admin, member=member, call_id=call.pk)
    assert error.value.code == "quota_full"
    member.refresh_from_db()
    assert member.nomination is None and member.promoted_at is None


def test_the_reserve_refuses_the_same_phone_twice_and_a_closed_call(world):
    member = reserve_member(world)
    with pytest.raises(InvalidInput) as error:
        reserve_member(world, name="另一个")
    assert "phone" in error.value.fields
    call = open_call(world)
    type(call).objects.filter(pk=call.pk).update(deadline=timezone.now() - timedelta(days=1))
    with pytest.raises(InvalidInput) as error:
        pool_services.reserve_promote(actor=world.county_admin, member=member, call_id=call.pk)
    assert "call_id" in error.value.fields
    assert ReserveMember.objects.count() == 1

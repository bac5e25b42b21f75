"""Builders for the pool's and the programme's tests."""

from datetime import timedelta

from django.utils import timezone

from development import pool_services, programme_services


def activity(world, *, minutes_from_now=-10, length=120, kind="group_study", actor=None, **kw):
    """A training activity of the county starting `minutes_from_now` (negative: under way)."""
    start = timezone.now() + timedelta(minutes=minutes_from_now)
    return programme_services.activity_create(
        actor=actor or world.county_admin,
        kind=kind,
        title=kw.pop("title", "党的理论集中学习"),
        starts_at=start,
        ends_at=start + timedelta(minutes=length),
        place=kw.pop("place", "县委党校301教室"),
        **kw,
    )


def reserve_member(world, *, phone="13600000001", org=None, actor=None, **kw):
    return pool_services.reserve_add(
        actor=actor or world.county_admin,
        name=kw.pop("name", "青年小刘"),
        phone=phone,
        org_id=(org or world.branch).pk,
        feed=kw.pop("feed", "youth_forum"),
        event=kw.pop("event", "青年先锋论坛5月"),
        event_on=kw.pop("event_on", timezone.localdate() - timedelta(days=20)),
        **kw,
    )


def invitation(world, *, actor=None, **kw):
    return pool_services.invitation_create(
        actor=actor or world.county_admin,
        expert_name=kw.pop("expert_name", "孙教授"),
        kind=kw.pop("kind", "party_school_professor"),
        affiliation=kw.pop("affiliation", "省委党校"),
        topic=kw.pop("topic", "党的二十大精神解读"),
        **kw,
    )

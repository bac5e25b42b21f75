"""Every page under /selection/ on a 375 px phone in a real Chromium, as the county admin, with
data on each: a call with nominations at every stage, a pairing, an invited expert with a
session, a hiring, a campaign with a session, a reserve member and an activity with its
attendance. No page may overflow horizontally, log a console error or fail to load."""

from datetime import timedelta

import pytest

from core.tests.browser import Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def _pages(world):
    """The county's records at every stage, and the paths of all pages under /selection/."""
    from django.utils import timezone

    from core.tests.factories import session
    from development import pool_services, programme_services, services

    from .helpers import PANEL, nominate, open_call
    from .pool_helpers import activity, invitation, reserve_member

    admin = world.county_admin
    call = open_call(world)
    nominations = {"submitted": nominate(world, call, phone="13700000001")}
    political = nominate(world, call, phone="13700000002", name="欧阳晓明")
    services.nomination_review(actor=admin, nomination=political, stage="political", result="pass")
    nominations["political_passed"] = political
    panel = nominate(world, call, phone="13700000003", name="司马长风")
    services.nomination_review(actor=admin, nomination=panel, stage="political", result="pass")
    services.nomination_review(
        actor=admin, nomination=panel, stage="panel", result="pass", scores=PANEL
    )
    nominations["panel_passed"] = panel
    approved = nominate(world, call, phone="13700000004", name="陈新人")
    services.nomination_review(actor=admin, nomination=approved, stage="political", result="pass")
    services.nomination_review(
        actor=admin, nomination=approved, stage="panel", result="pass", scores=PANEL
    )
    services.nomination_review(
        actor=admin, nomination=approved, stage="approval", result="pass", source="model_figure"
    )
    nominations["approved"] = approved
    rejected = nominate(world, call, phone="13700000005", name="李落选")
    services.nomination_review(
        actor=admin, nomination=rejected, stage="political", result="fail",
        note="材料不全，政治审查未通过，请补充所在党组织出具的鉴定意见后再次推荐。",
    )  # fmt: skip
    nominations["rejected"] = rejected

    today = timezone.localdate()
    start = today - timedelta(days=30)
    pairing = services.pairing_create(
        actor=admin, mentor_id=world.li.pk, mentee_id=world.zhang.pk, starts_on=start,
        planned={s: start + timedelta(days=i + 1) for i, s in enumerate(
            ["topic", "preparation", "talk", "trial", "teaching"])},
    )  # fmt: skip
    invited = invitation(world, letter_no="甲县邀字〔2026〕第001号")
    now = timezone.now()
    pool_services.invited_session_add(
        actor=admin, invitation=invited, starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2) + timedelta(hours=2), place="县委党校报告厅",
        attendees=120,
    )  # fmt: skip
    hiring = pool_services.hiring_create(
        actor=admin, kind="village_secretary", name="王致富", phone="13500000001",
        source="skills_talent", specialties="乡村振兴、合作社经营、电商直播带货",
    )  # fmt: skip
    booking = session(world)
    campaign = pool_services.campaign_create(
        actor=admin, title="我来讲党课", starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=30), description="身边榜样讲党课，每月一期。",
    )  # fmt: skip
    pool_services.campaign_session_add(actor=admin, campaign=campaign, booking_id=booking.pk)
    member = reserve_member(world, specialties="讲解、红色故事")
    planned = activity(world, kind="outside_training", need="党的二十大精神教学方法")
    programme_services.attendance_mark(
        actor=admin, activity=planned, lecturer_id=world.li.pk, note="手机没电"
    )
    token = programme_services.checkin_token(planned)

    paths = [
        "/selection/calls/",
        "/selection/calls/new/",
        f"/selection/calls/{call.pk}/",
        f"/selection/calls/{call.pk}/nominate/",
        f"/selection/c/{call.public_key}/",
        *(f"/selection/nominations/{n.pk}/" for n in nominations.values()),
        f"/selection/n/{nominations['submitted'].tracking_key}/",
        f"/selection/nominations/{approved.pk}/certificate/",
        "/selection/pairings/",
        "/selection/pairings/new/",
        f"/selection/pairings/{pairing.pk}/",
        "/selection/invitations/",
        "/selection/invitations/new/",
        f"/selection/invitations/{invited.pk}/",
        "/selection/hired/",
        "/selection/hired/new/",
        f"/selection/hired/{hiring.pk}/",
        f"/selection/hired/{hiring.pk}/letter/",
        "/selection/campaigns/",
        "/selection/campaigns/new/",
        f"/selection/campaigns/{campaign.pk}/",
        "/selection/reserve/",
        "/selection/reserve/new/",
        f"/selection/reserve/{member.pk}/",
        "/selection/activities/",
        "/selection/activities/new/",
        f"/selection/activities/{planned.pk}/",
        "/selection/checkin/",
        f"/selection/checkin/{token}/",
        "/selection/hours/",
    ]
    return paths


def test_every_selection_page_fits_a_375px_phone(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from django.urls import resolve

    from core.tests.factories import PASSWORD, build_world

    world = build_world()
    paths = _pages(world)
    # Every page route of the app is in the sweep (downloads, QR images and POST-only
    # actions apart), so that a new page cannot slip past it.
    names = {resolve(path).url_name for path in paths}
    skipped = {"certificate_pdf", "material", "pairing_done", "pairing_material",
               "pairing_material_file", "review", "activity_qr", "hiring_letter_pdf"}  # fmt: skip
    from development.urls import urlpatterns

    assert {p.name for p in urlpatterns} - skipped <= names
    base = live_server.url
    offline = Offline(base)
    console_errors: list[str] = []
    with chromium() as browser:
        context = offline.phone(browser)
        page = offline.watch(context.new_page())
        page.on(
            "console",
            lambda m: console_errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        log_in(page, base, world.county_admin.username, PASSWORD)
        for path in paths:
            response = page.goto(f"{base}{path}")
            assert response.status == 200, (path, response.status)
            page.wait_for_load_state("load")
            assert_fits_phone(page)
        context.close()
    assert console_errors == []
    offline.assert_clean()

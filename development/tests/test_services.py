from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, Forbidden, InvalidInput
from core.models import AuditLog
from development import selectors, services
from development.models import Call, Nomination, Review, Stage
from lecturers.models import Lecturer

from .helpers import PANEL, docx_file, nominate, open_call, pdf_file, review_all

pytestmark = pytest.mark.django_db


def test_a_nomination_goes_through_every_stage_to_an_active_lecturer_with_a_numbered_certificate(
    world,
):
    call = open_call(world)
    nomination = nominate(world, call)
    assert nomination.stage == Stage.SUBMITTED
    nomination = review_all(world, nomination)
    assert nomination.stage == Stage.APPROVED
    # Each member: half the criteria's mean, half the trial lecture; the candidate: the average.
    assert nomination.panel_score == round(((80 + 90) / 2 + (80 + 70) / 2) / 2, 1)
    lecturer = Lecturer.objects.get(pk=nomination.lecturer_id)
    assert (lecturer.status, lecturer.level, lecturer.source) == (
        "active",
        "county",
        "model_figure",
    )
    assert lecturer.phone == "13700000001" and lecturer.org_id == world.branch.pk
    year = timezone.localdate().year
    assert nomination.certificate_no == f"甲县讲字〔{year}〕第001号"
    assert lecturer.appointed_from == nomination.appointed_from == timezone.localdate()
    assert (lecturer.appointed_until - lecturer.appointed_from).days in (365 * 3 - 1, 365 * 3)
    steps = selectors.nomination_steps(nomination)
    assert [s["done"] for s in steps] == [True, True, True, True]
    assert [len(s.get("scores", [])) for s in steps] == [0, 0, 2, 0]
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"call.open", "nomination.submit", "nomination.approval", "lecturer.create"} <= actions


def test_the_next_certificate_of_the_issuer_takes_the_next_number_and_a_town_has_its_own(world):
    call = open_call(world)
    first = review_all(world, nominate(world, call, phone="13700000001"))
    second = review_all(world, nominate(world, call, phone="13700000002", name="周二"))
    town_call = open_call(world, level="town", org_id=world.town.pk)
    town = review_all(world, nominate(world, town_call, phone="13700000003", name="吴三"))
    year = timezone.localdate().year
    assert first.certificate_no.endswith("第001号") and second.certificate_no.endswith("第002号")
    assert town.certificate_no == f"甲县东镇讲字〔{year}〕第001号"
    assert Lecturer.objects.get(pk=town.lecturer_id).level == "town"


def test_the_database_refuses_a_certificate_number_used_twice_in_a_county(world):
    call = open_call(world)
    done = review_all(world, nominate(world, call))
    other = nominate(world, call, phone="13700000009")
    with pytest.raises(IntegrityError), transaction.atomic():
        Nomination.objects.filter(pk=other.pk).update(certificate_no=done.certificate_no)


def test_it_refuses_a_stage_skipped_or_done_twice_with_bad_state(world):
    nomination = nominate(world, open_call(world))
    with pytest.raises(Conflict) as skipped:
        services.nomination_review(
            actor=world.county_admin, nomination=nomination, stage="panel", result="pass",
            scores=PANEL,
        )  # fmt: skip
    assert skipped.value.code == "bad_state"
    services.nomination_review(
        actor=world.county_admin, nomination=nomination, stage="political", result="pass"
    )
    with pytest.raises(Conflict) as twice:
        services.nomination_review(
            actor=world.county_admin, nomination=nomination, stage="political", result="pass"
        )
    assert twice.value.code == "bad_state"
    assert Review.objects.filter(nomination=nomination).count() == 1


def test_a_failed_stage_needs_a_note_and_ends_the_nomination(world):
    nomination = nominate(world, open_call(world))
    with pytest.raises(InvalidInput) as no_note:
        services.nomination_review(
            actor=world.county_admin, nomination=nomination, stage="political", result="fail"
        )
    assert "note" in no_note.value.fields
    services.nomination_review(
        actor=world.county_admin, nomination=nomination, stage="political", result="fail",
        note="政审未通过",
    )  # fmt: skip
    nomination.refresh_from_db()
    assert nomination.stage == Stage.REJECTED
    with pytest.raises(Conflict):
        services.nomination_review(
            actor=world.county_admin, nomination=nomination, stage="panel", result="pass",
            scores=PANEL,
        )  # fmt: skip


def test_the_candidate_and_their_unit_may_not_review(world):
    town_call = open_call(world, level="town", org_id=world.town.pk)
    # The town admin holds a role in the town itself: a candidate from the town's own office.
    from_town = nominate(world, town_call, org=world.town, actor=world.town_admin)
    with pytest.raises(Forbidden):
        services.nomination_review(
            actor=world.town_admin, nomination=from_town, stage="political", result="pass"
        )
    # The county admin nominated by phone.
    call = open_call(world)
    themself = nominate(world, call, phone=world.county_admin.phone, org=world.unit)
    with pytest.raises(Forbidden):
        services.nomination_review(
            actor=world.county_admin, nomination=themself, stage="political", result="pass"
        )
    assert not Review.objects.exists()


def test_only_the_county_admin_approves_and_a_secretary_reviews_nothing(world):
    town_call = open_call(world, level="town", org_id=world.town.pk)
    nomination = nominate(world, town_call)
    with pytest.raises(Forbidden):
        services.nomination_review(
            actor=world.secretary, nomination=nomination, stage="political", result="pass"
        )
    services.nomination_review(
        actor=world.town_admin, nomination=nomination, stage="political", result="pass"
    )
    services.nomination_review(
        actor=world.town_admin, nomination=nomination, stage="panel", result="pass", scores=PANEL
    )
    with pytest.raises(Forbidden):
        services.nomination_review(
            actor=world.town_admin, nomination=nomination, stage="approval", result="pass",
            source="party_worker",
        )  # fmt: skip
    nomination.refresh_from_db()
    assert nomination.stage == Stage.PANEL_PASSED and nomination.lecturer_id is None


@pytest.mark.parametrize(
    "scores",
    [None, {}, {"王老师": {"political": 101, "exemplary": 1, "practical": 1, "trial": 1}},
     {"王老师": {"political": 90}}, {"": {"political": 1, "exemplary": 1, "practical": 1, "trial": 1}}],
)  # fmt: skip
def test_the_panel_needs_named_members_with_whole_scores(world, scores):
    nomination = nominate(world, open_call(world))
    services.nomination_review(
        actor=world.county_admin, nomination=nomination, stage="political", result="pass"
    )
    with pytest.raises(InvalidInput) as refused:
        services.nomination_review(
            actor=world.county_admin, nomination=nomination, stage="panel", result="pass",
            scores=scores,
        )  # fmt: skip
    assert "scores" in refused.value.fields
    nomination.refresh_from_db()
    assert nomination.stage == Stage.POLITICAL_PASSED


def test_an_approval_that_cannot_create_the_lecturer_writes_nothing(world):
    """The candidate's phone already has a login: lecturer_create refuses, the stage stays."""
    nomination = nominate(world, open_call(world), phone=world.lecturer.phone)
    with pytest.raises(InvalidInput) as refused:
        review_all(world, nomination)
    assert "phone" in refused.value.fields
    nomination.refresh_from_db()
    assert nomination.stage == Stage.PANEL_PASSED and not nomination.certificate_no
    assert not Review.objects.filter(stage="approval").exists()


def test_it_refuses_a_nomination_after_the_deadline_or_beyond_the_quota(world):
    call = open_call(world, quota=1)
    nominate(world, call)
    with pytest.raises(InvalidInput) as full:
        nominate(world, call, phone="13700000002")
    assert full.value.code == "quota_full"
    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    call.refresh_from_db()
    with pytest.raises(InvalidInput) as late:
        nominate(world, call, phone="13700000003")
    assert late.value.code == "deadline_passed"
    assert call.nominations.count() == 1


def test_it_refuses_the_same_person_twice_and_a_unit_recommending_another_units_member(world):
    call = open_call(world)
    nominate(world, call)
    with pytest.raises(InvalidInput) as twice:
        nominate(world, call, name="另一人")
    assert "phone" in twice.value.fields
    with pytest.raises(InvalidInput) as not_own:
        nominate(world, call, phone="13700000005", channel="unit", org=world.other_branch)
    assert "org_id" in not_own.value.fields
    unit = nominate(world, call, phone="13700000006", channel="unit", org=world.branch)
    assert unit.channel == "unit"


def test_a_town_call_takes_only_the_towns_organisations(world):
    call = open_call(world, level="town", org_id=world.town.pk)
    with pytest.raises(InvalidInput) as outside:
        nominate(world, call, org=world.other_branch)
    assert "org_id" in outside.value.fields


def test_opening_a_call_is_for_county_and_town_admins_at_their_level(world):
    with pytest.raises(Forbidden):
        open_call(world, actor=world.secretary)
    with pytest.raises(InvalidInput) as county_by_town:
        open_call(world, actor=world.town_admin)
    assert "level" in county_by_town.value.fields
    with pytest.raises(InvalidInput) as other_town:
        open_call(world, actor=world.town_admin, level="town", org_id=world.other_town.pk)
    assert "org_id" in other_town.value.fields
    assert open_call(world, actor=world.town_admin, level="town").org_id == world.town.pk
    with pytest.raises(InvalidInput) as bad:
        services.call_open(
            actor=world.county_admin, title="", level="county", criteria="x", quota=0,
            deadline=timezone.now() - timedelta(days=1),
        )  # fmt: skip
    assert {"title", "quota", "deadline"} <= set(bad.value.fields)


def test_materials_are_checked_by_content_and_required_before_the_political_review(world):
    call = open_call(world, materials="个人简历\n推荐表")
    fake = SimpleUploadedFile("简历.pdf", b"MZ\x90\x00 an executable", "application/pdf")
    with pytest.raises(InvalidInput) as refused:
        nominate(world, call, uploads={"个人简历": fake, "推荐表": docx_file(macros=True)})
    assert set(refused.value.fields) == {"material_0", "material_1"}
    with pytest.raises(InvalidInput) as missing:
        nominate(world, call, uploads={"个人简历": pdf_file()})
    assert set(missing.value.fields) == {"material_1"}
    assert not Nomination.objects.exists()
    # Through the API the materials come afterwards; the review waits for them.
    nomination = nominate(world, call)
    with pytest.raises(Conflict) as waiting:
        services.nomination_review(
            actor=world.county_admin, nomination=nomination, stage="political", result="pass"
        )
    assert waiting.value.code == "materials_missing"
    services.material_add(
        actor=world.secretary, nomination=nomination, label="个人简历", upload=pdf_file()
    )
    services.material_add(
        actor=world.secretary, nomination=nomination, label="推荐表", upload=docx_file()
    )
    services.nomination_review(
        actor=world.county_admin, nomination=nomination, stage="political", result="pass"
    )
    with pytest.raises(Conflict):
        services.material_add(
            actor=world.secretary, nomination=nomination, label="个人简历", upload=pdf_file()
        )


def test_the_statistics_count_every_channel_and_each_stage_passed(world):
    call = open_call(world)
    review_all(world, nominate(world, call, phone="13700000001"))
    rejected = nominate(world, call, phone="13700000002", channel="unit")
    services.nomination_review(
        actor=world.county_admin, nomination=rejected, stage="political", result="fail", note="否"
    )
    nominate(world, call, phone="13700000003", channel="self", actor=world.lecturer)
    stats = selectors.call_statistics(call)
    assert stats["total"] == 3
    assert {r["channel"]: r["count"] for r in stats["by_channel"]} == {
        "self": 1, "public": 1, "unit": 1,
    }  # fmt: skip
    assert {r["stage"]: r["count"] for r in stats["passed"]} == {
        "political": 1, "panel": 1, "approval": 1,
    }  # fmt: skip
    assert stats["rejected"] == 1

"""Old-new pairing (结对): the five stages in order with their days, the mentor's limit, the
late list, the pages by role and an outsider county."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.errors import Conflict, Forbidden, InvalidInput
from core.models import AuditLog
from core.tests.factories import make_lecturer
from development import selectors, services
from development.models import PAIRING_STAGES, Pairing, PairingStep

from .helpers import docx_file, pdf_file

pytestmark = pytest.mark.django_db

STAGES = [s.value for s in PAIRING_STAGES]


def _today():
    return timezone.localdate()


def _plan(start: date, every: int = 7) -> dict:
    return {stage: start + timedelta(days=every * (i + 1)) for i, stage in enumerate(STAGES)}


def pair(world, mentor=None, mentee=None, *, start=None, every=7, actor=None):
    start = start or _today() - timedelta(days=60)
    return services.pairing_create(
        actor=actor or world.county_admin,
        mentor_id=(mentor or world.zhang).pk,
        mentee_id=(mentee or world.candidate).pk,
        starts_on=start,
        planned=_plan(start, every),
    )


def done(world, pairing, stage, day, actor=None):
    return services.pairing_stage_done(
        actor=actor or world.lecturer, pairing=pairing, stage=stage, done_on=day,
        comment="选题贴近群众，可以。",
    )  # fmt: skip


def test_a_pairing_goes_through_the_five_stages_in_order(world):
    start = _today() - timedelta(days=40)
    pairing = pair(world, start=start)
    assert [s.stage for s in pairing.steps.all()] == STAGES
    assert pairing.current_stage.value == "topic" and pairing.ends_on == start + timedelta(days=35)
    for i, stage in enumerate(STAGES):
        pairing = done(world, pairing, stage, start + timedelta(days=i + 1))
    assert pairing.finished and pairing.reached == 5 and pairing.current_stage is None
    assert list(pairing.steps.values_list("done_on", flat=True)) == [
        start + timedelta(days=i + 1) for i in range(5)
    ]
    assert AuditLog.objects.filter(action="pairing.stage").count() == 5
    with pytest.raises(Conflict):
        done(world, pairing, "teaching", _today())


def test_a_stage_out_of_order_or_done_twice_is_409(world):
    pairing = pair(world)
    with pytest.raises(Conflict) as caught:
        done(world, pairing, "talk", _today())
    assert caught.value.code == "bad_state"
    done(world, pairing, "topic", _today() - timedelta(days=5))
    with pytest.raises(Conflict):
        done(world, pairing, "topic", _today())
    assert Pairing.objects.get(pk=pairing.pk).reached == 1


def test_a_stage_dated_before_the_previous_one_is_422_and_nothing_moves(world):
    pairing = pair(world)
    pairing = done(world, pairing, "topic", _today() - timedelta(days=5))
    for day in (_today() - timedelta(days=6), _today() + timedelta(days=1), None):
        with pytest.raises(InvalidInput) as caught:
            done(world, pairing, "preparation", day)
        assert "done_on" in caught.value.fields
    before_start = pair(world, mentee=world.li, start=_today() - timedelta(days=10))
    with pytest.raises(InvalidInput):
        done(world, before_start, "topic", _today() - timedelta(days=11))
    assert Pairing.objects.get(pk=pairing.pk).reached == 1
    assert PairingStep.objects.get(pairing=pairing, stage="preparation").done_on is None


def test_bad_pairings_are_refused_with_the_field_named(world):
    start = _today()
    cases = [
        ({"mentee_id": world.zhang.pk}, "mentee_id"),  # with themself
        ({"mentor_id": world.candidate.pk}, "mentor_id"),  # a candidate mentors nobody
        ({"mentee_id": world.lecturer_b.pk}, "mentee_id"),  # another county's
        ({"planned": {**_plan(start), "talk": start}}, "planned_talk"),  # before the previous
        ({"planned": {**_plan(start), "topic": start - timedelta(days=1)}}, "planned_topic"),
        ({"planned": {}}, "planned_topic"),
    ]
    for change, field in cases:
        data = {"mentor_id": world.zhang.pk, "mentee_id": world.candidate.pk, "starts_on": start,
                "planned": _plan(start), **change}  # fmt: skip
        with pytest.raises(InvalidInput) as caught:
            services.pairing_create(actor=world.county_admin, **data)
        assert field in caught.value.fields, (change, caught.value.fields)
    assert not Pairing.objects.exists()


def test_a_mentor_has_at_most_three_overlapping_pairings(world):
    mentees = [make_lecturer(world.county, f"新人{i}", status="candidate") for i in range(4)]
    start = _today()
    for mentee in mentees[:3]:
        pair(world, mentee=mentee, start=start)
    with pytest.raises(Conflict) as caught:
        pair(world, mentee=mentees[3], start=start + timedelta(days=10))
    assert caught.value.code == "mentor_limit"
    # After the three have ended, the mentor takes another.
    later = pair(world, mentee=mentees[3], start=start + timedelta(days=40))
    assert later.mentor_id == world.zhang.pk
    assert Pairing.objects.filter(mentor=world.zhang).count() == 4


def test_who_records_and_who_attaches(world):
    pairing = pair(world)
    mentee_user = world.candidate.user
    for outsider in (world.secretary, world.town_admin, mentee_user, world.outsider):
        with pytest.raises(Forbidden):
            done(world, pairing, "topic", _today(), actor=outsider)
    for outsider in (world.secretary, world.lecturer, world.outsider):
        with pytest.raises(Forbidden):
            services.pairing_material_add(actor=outsider, pairing=pairing, stage="topic", upload=pdf_file())  # fmt: skip
    step = services.pairing_material_add(actor=mentee_user, pairing=pairing, stage="topic", upload=pdf_file("选题.pdf"))  # fmt: skip
    assert step.material_name == "选题.pdf"
    with pytest.raises(InvalidInput):
        services.pairing_material_add(actor=mentee_user, pairing=pairing, stage="topic", upload=docx_file(macros=True))  # fmt: skip
    with pytest.raises(Conflict):
        services.pairing_material_add(actor=mentee_user, pairing=pairing, stage="talk", upload=pdf_file())  # fmt: skip
    for actor in (world.secretary, world.town_admin, world.lecturer):
        with pytest.raises(Forbidden):
            pair(world, mentee=world.li, actor=actor)


def test_the_fixture_shows_stage_progress_and_the_late_list(world):
    """Four pairs: on time, late at the topic, late at the trial lecture, finished."""
    today = _today()
    mentees = [make_lecturer(world.county, f"新人{i}", status="candidate") for i in range(4)]
    mentors = [world.zhang, world.li, world.zhang, world.li]
    on_time = pair(world, mentors[0], mentees[0], start=today - timedelta(days=3), every=7)
    late_topic = pair(world, mentors[1], mentees[1], start=today - timedelta(days=20), every=7)
    late_trial = pair(world, mentors[2], mentees[2], start=today - timedelta(days=50), every=7)
    for i, stage in enumerate(STAGES[:3]):
        late_trial = done(world, late_trial, stage, today - timedelta(days=40 - i))
    finished = pair(world, mentors[3], mentees[3], start=today - timedelta(days=60), every=2)
    for i, stage in enumerate(STAGES):
        done(world, finished, stage, today - timedelta(days=50 - i), actor=world.county_admin)
    pairings = selectors.pairings_for_user(world.county_admin)
    by_id = {p.pk: p for p in pairings}
    assert [by_id[p.pk].current_stage.value for p in (on_time, late_topic, late_trial)] == [
        "topic", "topic", "trial"
    ]  # fmt: skip
    assert by_id[finished.pk].current_stage is None and by_id[finished.pk].due_on is None
    # late at the topic: planned 13 days ago; at the trial: planned 22 days ago (longest first)
    late = list(selectors.late(pairings, today))
    assert [p.pk for p in late] == [late_trial.pk, late_topic.pk]
    assert late[0].due_on == today - timedelta(days=50) + timedelta(days=28)
    counts = {state: selectors.pairing_filter(pairings, state, today).count()
              for state in ("", "open", "late", "finished")}  # fmt: skip
    assert counts == {"": 4, "open": 3, "late": 2, "finished": 1}


def test_the_pages_by_role_and_the_outsider(world, login, client):
    pairing = pair(world)
    other = pair(world, world.li, make_lecturer(world.county, "新人", status="candidate"))
    detail = f"/selection/pairings/{pairing.pk}/"
    expectations = {
        "county_admin": (200, 200, 2),
        "lecturer": (403, 200, 1),  # the mentor
        "secretary": (403, 404, 0),
        "town_admin": (403, 404, 0),
        "outsider": (200, 404, 0),  # a county admin of another county: their own county
    }
    for role, (new, page, listed) in expectations.items():
        c = login(getattr(world, role))
        assert c.get("/selection/pairings/new/").status_code == new, role
        assert c.get(detail).status_code == page, role
        listing = c.get("/selection/pairings/")
        assert listing.status_code == 200 and listing.context["page"].paginator.count == listed
    mentee = login(world.candidate.user)
    page = mentee.get(detail)
    assert page.status_code == 200 and b'data-testid="material-form"' in page.content
    assert f'value="{_today().isoformat()}"'.encode() not in page.content  # no mentor's form
    assert b'data-testid="done-form"' not in page.content
    assert mentee.get(f"/selection/pairings/{other.pk}/").status_code == 404
    client.logout()
    assert client.get("/selection/pairings/").status_code == 302


def test_the_county_admin_pairs_on_the_page_and_bad_input_is_marked(world, login):
    c = login(world.county_admin)
    start = _today()
    data = {"mentor_id": world.zhang.pk, "mentee_id": world.zhang.pk, "starts_on": start}
    data.update({f"planned_{s}": d for s, d in _plan(start).items()})
    response = c.post("/selection/pairings/new/", data)
    assert response.status_code == 422 and response.context["form"].errors["mentee_id"]
    data["mentee_id"] = world.candidate.pk
    data["planned_trial"] = start
    response = c.post("/selection/pairings/new/", data)
    assert response.status_code == 422 and response.context["form"].errors["planned_trial"]
    assert not Pairing.objects.exists()
    data["planned_trial"] = _plan(start)["trial"]
    response = c.post("/selection/pairings/new/", data)
    pairing = Pairing.objects.get()
    assert response.status_code == 302 and response.url == f"/selection/pairings/{pairing.pk}/"


def test_the_mentor_and_mentee_move_the_stage_on_the_page(world, login):
    pairing = pair(world)
    mentee = login(world.candidate.user)
    url = f"/selection/pairings/{pairing.pk}/"
    uploaded = mentee.post(url + "material/", {"stage": "topic", "material": pdf_file("选题.pdf")})
    assert uploaded.status_code == 302
    step = PairingStep.objects.get(pairing=pairing, stage="topic")
    assert mentee.get(f"/selection/pairing-materials/{step.pk}/").status_code == 200
    mentor = login(world.lecturer)
    assert mentor.get(f"/selection/pairing-materials/{step.pk}/").status_code == 200
    # The day of the record is today unless the mentor changes it.
    assert f'value="{_today().isoformat()}"' in mentor.get(url).content.decode()
    late_day = (_today() + timedelta(days=2)).isoformat()
    refused = mentor.post(url + "done/", {"stage": "topic", "done_on": late_day, "comment": "好"})
    assert refused.status_code == 422 and refused.context["done_form"].errors["done_on"]
    skipped = mentor.post(url + "done/", {"stage": "talk", "done_on": _today().isoformat(), "comment": "好"})  # fmt: skip
    assert skipped.status_code == 409
    moved = mentor.post(url + "done/", {"stage": "topic", "done_on": _today().isoformat(), "comment": "好"})  # fmt: skip
    assert moved.status_code == 302
    page = mentor.get(url).content.decode()
    assert 'data-stage="topic"' in page and "选题.pdf" in page
    assert login(world.secretary).get(f"/selection/pairing-materials/{step.pk}/").status_code == 404


def test_the_pairings_export_to_excel(world, login):
    pair(world)
    response = login(world.county_admin).get("/selection/pairings/?state=late&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(filename=io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert len(rows) == 2 and rows[1][0] == "张三丰" and rows[1][1] == "王五"

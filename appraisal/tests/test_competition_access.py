"""The competition and rules pages and endpoints for each role and an outsider county; the
API's error codes; a double-submit of the same score by real threads yields one row."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appraisal.competition import services
from appraisal.models import Regulation, Score
from appraisal.regulations.services import regulation_publish
from conftest import run_in_threads

from .competition_fixture import make_round, score_all

FULL = {"教学内容": 40, "教学方法": 30, "教学效果": 30}


@pytest.fixture
def r(world):
    return make_round(world)


def test_the_round_pages_are_the_county_admins(world, r, login):
    pk = r.round.pk
    admin = login(world.county_admin)
    for url in ("/appraisals/competitions/", f"/appraisals/competitions/{pk}/",
                f"/appraisals/competitions/{pk}/results/"):  # fmt: skip
        assert admin.get(url).status_code == 200
    for user, code in ((world.town_admin, 403), (world.secretary, 403), (world.lecturer, 403),
                       (world.outsider, 404)):  # fmt: skip
        client = login(user)
        assert client.get(f"/appraisals/competitions/{pk}/").status_code == code
        assert client.post(f"/appraisals/competitions/{pk}/publish/").status_code == code
    # before publication the results are the county's alone
    assert login(world.lecturer).get(f"/appraisals/competitions/{pk}/results/").status_code == 404
    assert login(world.outsider).get(f"/appraisals/competitions/{pk}/judge/").status_code == 404
    assert login(world.town_admin).get(f"/appraisals/competitions/{pk}/judge/").status_code == 403


def test_the_empty_list_says_what_to_do(world, login):
    page = login(world.county_admin).get("/appraisals/competitions/").content.decode()
    assert 'data-testid="rounds-empty"' in page and 'data-testid="competition-form"' in page
    page = login(world.lecturer).get("/appraisals/competitions/").content.decode()
    assert 'data-testid="rounds-empty"' in page and "competition-form" not in page


def test_the_county_sets_up_a_round_on_its_pages(world, login):
    client = login(world.county_admin)
    bad = client.post("/appraisals/competitions/", {"title": "", "year": 2025, "winners": 3})
    assert bad.status_code == 422 and 'id="field-title"' in bad.content.decode()
    response = client.post(
        "/appraisals/competitions/", {"title": "评选", "year": 2025, "winners": 2}
    )
    assert response.status_code == 302
    pk = int(response["Location"].strip("/").split("/")[-1])
    assert (
        client.post(
            f"/appraisals/competitions/{pk}/entry/", {"course": world.course.pk}
        ).status_code
        == 302
    )
    twice = client.post(f"/appraisals/competitions/{pk}/entry/", {"course": world.course.pk})
    assert twice.status_code == 409 and 'role="alert"' in twice.content.decode()
    page = client.post(f"/appraisals/competitions/{pk}/judging/")
    assert page.status_code == 409 and 'data-testid="round-error"' in page.content.decode()


def test_the_judge_sheet_hides_the_form_for_own_entries_and_refuses_bad_points(world, r, login):
    client = login(world.li.user)
    page = client.get(f"/appraisals/competitions/{r.round.pk}/judge/").content.decode()
    assert page.count('data-testid="conflict"') == 1 and page.count('data-testid="score-form"') == 1
    # forged post for the own entry
    forged = client.post(f"/appraisals/competitions/{r.round.pk}/judge/",
                         {"entry_id": r.li.pk, **{f"points_{c.pk}": 1 for c in r.criteria}})  # fmt: skip
    assert forged.status_code == 403 and 'data-testid="sheet-error"' in forged.content.decode()
    content = r.criteria[0]
    bad = client.post(f"/appraisals/competitions/{r.round.pk}/judge/",
                      {"entry_id": r.zhang.pk, f"points_{content.pk}": 99,
                       **{f"points_{c.pk}": 10 for c in r.criteria[1:]}})  # fmt: skip
    assert bad.status_code == 422 and "has-error" in bad.content.decode()
    assert not Score.objects.exists()
    ok = client.post(f"/appraisals/competitions/{r.round.pk}/judge/",
                     {"entry_id": r.zhang.pk, **{f"points_{c.pk}": 10 for c in r.criteria}})  # fmt: skip
    assert ok.status_code == 302 and Score.objects.count() == 3


def test_the_api_speaks_the_codes(world, r, api_as):
    admin = api_as(world.county_admin)
    listed = admin.get("/api/v1/competitions").json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "judging"
    created = admin.post("/api/v1/competitions", {"title": "二轮", "year": 2025})
    assert created.status_code == 201 and len(created.json()["criteria"]) == 3
    new = created.json()["id"]
    entered = admin.post(f"/api/v1/competitions/{new}/entries", {"course_id": world.course.pk})
    assert entered.status_code == 201
    again = admin.post(f"/api/v1/competitions/{new}/entries", {"course_id": world.course.pk})
    assert again.status_code == 409 and again.json()["code"] == "already_entered"
    closed = admin.post(
        f"/api/v1/competitions/{r.round.pk}/entries", {"course_id": world.course.pk}
    )
    assert closed.status_code == 409 and closed.json()["code"] == "round_closed"

    li = api_as(world.li.user)
    own = li.post(f"/api/v1/competitions/{r.round.pk}/scores",
                  {"entry_id": r.li.pk, "criterion": "教学内容", "points": 30})  # fmt: skip
    assert own.status_code == 403 and own.json()["code"] == "own_entry"
    secretary = api_as(world.secretary)
    unit = secretary.post(f"/api/v1/competitions/{r.round.pk}/scores",
                          {"entry_id": r.zhang.pk, "criterion": "教学内容", "points": 30})  # fmt: skip
    assert unit.status_code == 403 and unit.json()["code"] == "own_unit"
    payload = {"entry_id": r.zhang.pk, "criterion": r.criteria[0].pk, "points": 30}
    assert li.post(f"/api/v1/competitions/{r.round.pk}/scores", payload).status_code == 201
    twice = li.post(f"/api/v1/competitions/{r.round.pk}/scores", payload)
    assert twice.status_code == 409 and twice.json()["code"] == "already_scored"
    high = li.post(
        f"/api/v1/competitions/{r.round.pk}/scores",
        {**payload, "criterion": "教学方法", "points": 31},
    )
    assert high.status_code == 422

    results = admin.get(f"/api/v1/competitions/{r.round.pk}/results").json()
    assert results["published"] is False and len(results["results"]) == 2
    assert li.get(f"/api/v1/competitions/{r.round.pk}/results").status_code == 404
    assert (
        api_as(world.outsider).get(f"/api/v1/competitions/{r.round.pk}/results").status_code == 404
    )
    assert (
        api_as(world.outsider)
        .post(f"/api/v1/competitions/{r.round.pk}/scores", payload)
        .status_code
        == 404
    )
    assert secretary.post("/api/v1/competitions", {"title": "x", "year": 2025}).status_code == 403


def test_publishing_twice_over_the_api_is_409(world, r, api_as):
    for entry, user in ((r.zhang, world.county_admin), (r.li, world.county_admin)):
        score_all(user, r, entry, FULL)
    admin = api_as(world.county_admin)
    assert admin.post(f"/api/v1/competitions/{r.round.pk}/publish").status_code == 200
    second = admin.post(f"/api/v1/competitions/{r.round.pk}/publish")
    assert second.status_code == 409 and second.json()["code"] == "already_published"
    # published: the county's lecturers read the results; the résumé shows the 三优先
    assert (
        api_as(world.lecturer).get(f"/api/v1/competitions/{r.round.pk}/results").status_code == 200
    )


@pytest.mark.django_db(transaction=True)
def test_a_judges_double_submit_yields_one_row(world):
    r = make_round(world)

    def submit(i):
        return services.scores_submit(actor=world.county_admin, competition_id=r.round.pk,
                                      entry_id=r.zhang.pk, points={"教学内容": 30})  # fmt: skip

    outcomes = run_in_threads(submit, 4)
    assert Score.objects.count() == 1
    assert sum(1 for o in outcomes if isinstance(o, list)) == 1
    assert all(
        getattr(o, "code", None) == "already_scored" for o in outcomes if not isinstance(o, list)
    )


def test_the_winner_carries_the_three_priorities_on_the_resume_and_the_list(world, r, login):
    score_all(world.county_admin, r, r.zhang, FULL)
    score_all(world.county_admin, r, r.li, {"教学内容": 1, "教学方法": 1, "教学效果": 1})
    services.competition_publish(actor=world.county_admin, competition_id=r.round.pk)
    resume = login(world.secretary).get(f"/lecturers/{world.zhang.pk}/").content.decode()
    assert 'data-testid="priorities"' in resume
    assert 'data-testid="priorities"' not in login(world.secretary).get(
        f"/lecturers/{world.li.pk}/").content.decode()  # fmt: skip
    listed = login(world.county_admin).get("/manage/lecturers/?priority=on").content.decode()
    assert listed.count('data-testid="lecturer-row"') == 1 and world.zhang.name in listed
    assert 'data-testid="priority-badge"' in listed


# --- rules documents -------------------------------------------------------------------------


def _publish(world, **kw):
    data = {"kind": "selection", "title": "讲师选聘调配管理办法", "body": "第一条 总则\n\n第二条 <b>选聘</b>",
            "effective_from": timezone.localdate()} | kw  # fmt: skip
    return regulation_publish(actor=world.county_admin, **data)


def test_versions_count_up_and_are_never_changed(world):
    first = _publish(world)
    second = _publish(world, body="修订后")
    assert (first.version, second.version) == (1, 2)
    first.title = "改"
    with pytest.raises(ValueError):
        first.save()
    assert Regulation.objects.get(pk=first.pk).title == "讲师选聘调配管理办法"


def test_bad_rules_are_refused(world):
    from core.errors import Forbidden, InvalidInput

    with pytest.raises(InvalidInput) as caught:
        _publish(world, body="", title="")
    assert {"title", "body"} <= set(caught.value.fields)
    fake = SimpleUploadedFile("rules.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidInput) as caught:
        _publish(world, upload=fake)
    assert "file" in caught.value.fields
    with pytest.raises(Forbidden):
        regulation_publish(actor=world.lecturer, kind="selection", title="x", body="y",
                           effective_from=timezone.localdate())  # fmt: skip
    assert not Regulation.objects.exists()


def test_rules_pages_for_each_role(world, login):
    doc = _publish(world)
    appraisal_rules = _publish(world, kind="appraisal", title="讲师考核激励办法")
    for user in (world.county_admin, world.town_admin, world.secretary, world.lecturer):
        client = login(user)
        page = client.get("/appraisals/regulations/").content.decode()
        assert "讲师选聘调配管理办法" in page
        detail = client.get(f"/appraisals/regulations/{doc.pk}/").content.decode()
        assert "&lt;b&gt;选聘&lt;/b&gt;" in detail and "<b>选聘" not in detail  # escaped
    outsider = login(world.outsider)
    assert outsider.get(f"/appraisals/regulations/{doc.pk}/").status_code == 404
    assert "讲师选聘" not in outsider.get("/appraisals/regulations/").content.decode()
    assert login(world.lecturer).get("/appraisals/regulations/new/").status_code == 403
    form = login(world.county_admin).post("/appraisals/regulations/new/", {"kind": "selection"})
    assert form.status_code == 422
    # the appraisal pages link the current version of the assessment rules
    page = login(world.county_admin).get("/appraisals/").content.decode()
    assert f"/appraisals/regulations/{appraisal_rules.pk}/" in page
    page = login(world.lecturer).get("/appraisals/mine/").content.decode()
    assert f"/appraisals/regulations/{appraisal_rules.pk}/" in page


def test_the_county_publishes_a_version_with_a_pdf(world, login):
    pdf = SimpleUploadedFile("办法.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    client = login(world.county_admin)
    response = client.post("/appraisals/regulations/new/", {
        "kind": "selection", "title": "办法", "effective_from": "2025-01-01", "body": "", "file": pdf})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    doc = Regulation.objects.get()
    assert doc.file_name == "办法.pdf"
    assert login(world.lecturer).get(f"/appraisals/regulations/{doc.pk}/file/").status_code == 200
    assert login(world.outsider).get(f"/appraisals/regulations/{doc.pk}/file/").status_code == 404

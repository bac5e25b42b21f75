"""The selection's API: the contract's shapes, every role and an outsider county on every
endpoint, and the bad input of the issue."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from development.models import Call, Nomination

from .helpers import PANEL, nominate, open_call, pdf_file, review_all

pytestmark = pytest.mark.django_db

ROLES = ["county_admin", "town_admin", "secretary", "lecturer", "outsider"]


def _call_body(**kw):
    deadline = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S")
    return {"title": "推选讲师", "level": "county", "criteria": "政治过硬", "quota": 20,
            "deadline": deadline, **kw}  # fmt: skip


def _nomination_body(world, **kw):
    return {"channel": "public", "name": "陈新人", "phone": "13700000001",
            "org_id": world.branch.pk, "specialties": "党史", "reason": "讲得好", **kw}  # fmt: skip


@pytest.mark.parametrize(
    ("role", "level", "status"),
    [("county_admin", "county", 201), ("town_admin", "town", 201), ("town_admin", "county", 422),
     ("secretary", "county", 403), ("lecturer", "county", 403)],
)  # fmt: skip
def test_who_opens_a_call(world, api_as, role, level, status):
    response = api_as(getattr(world, role)).post("/api/v1/calls", _call_body(level=level))
    assert response.status_code == status, response.json()
    if status == 201:
        body = response.json()
        assert body["level"] == level and body["is_open"] and "/selection/c/" in body["public_url"]
    else:
        assert response.json()["code"] in {"forbidden", "invalid"}


def test_anonymous_gets_401_on_every_endpoint(world, anon_api):
    call = open_call(world)
    n = nominate(world, call)
    for method, path in [("get", "/api/v1/calls"), ("post", "/api/v1/calls"),
                         ("post", f"/api/v1/calls/{call.pk}/nominations"),
                         ("post", f"/api/v1/nominations/{n.pk}/review"),
                         ("get", f"/api/v1/nominations/{n.pk}"),
                         ("get", f"/api/v1/nominations/{n.pk}/certificate.pdf")]:  # fmt: skip
        assert getattr(anon_api, method)(path).status_code == 401, path


def test_the_list_holds_the_callers_county_only(world, api_as):
    open_call(world)
    for role in ROLES:
        body = api_as(getattr(world, role)).get("/api/v1/calls").json()
        assert body["count"] == (0 if role == "outsider" else 1), role
        assert len(body["items"]) == body["count"]


def test_an_outsider_county_finds_nothing_of_ours(world, api_as):
    call = open_call(world)
    n = review_all(world, nominate(world, call))
    api = api_as(world.outsider)
    assert api.get(f"/api/v1/calls/{call.pk}").status_code == 404
    created = api.post(f"/api/v1/calls/{call.pk}/nominations", _nomination_body(world, phone="13700000002"))  # fmt: skip
    assert created.status_code == 404
    review = api.post(f"/api/v1/nominations/{n.pk}/review", {"stage": "political", "result": "pass"})  # fmt: skip
    assert review.status_code == 404
    assert api.get(f"/api/v1/nominations/{n.pk}").status_code == 404
    assert api.get(f"/api/v1/nominations/{n.pk}/certificate.pdf").status_code == 404
    assert api.get(f"/api/v1/calls/{call.pk}/stats").status_code == 404


def test_nominations_by_role_and_who_sees_them(world, api_as):
    call = open_call(world)
    created = api_as(world.lecturer).post(
        f"/api/v1/calls/{call.pk}/nominations",
        _nomination_body(world, channel="self", phone="13700000009"),
    )
    assert created.status_code == 201 and created.json()["stage"] == "submitted"
    nid = created.json()["id"]
    unit = api_as(world.secretary).post(
        f"/api/v1/calls/{call.pk}/nominations", _nomination_body(world, channel="unit")
    )
    assert unit.status_code == 201
    not_own = api_as(world.other_secretary).post(
        f"/api/v1/calls/{call.pk}/nominations",
        _nomination_body(world, channel="unit", phone="13700000003"),
    )
    assert not_own.status_code == 422 and "org_id" in not_own.json()["fields"]
    # The candidate and the county see it; the other secretary and the town admin do not.
    assert api_as(world.lecturer).get(f"/api/v1/nominations/{nid}").status_code == 200
    assert api_as(world.county_admin).get(f"/api/v1/nominations/{nid}").json()["phone"] == "137****0009"  # fmt: skip
    assert api_as(world.other_secretary).get(f"/api/v1/nominations/{nid}").status_code == 404
    assert api_as(world.town_admin).get(f"/api/v1/nominations/{nid}").status_code == 404


def test_a_nomination_after_the_deadline_or_beyond_the_quota_is_422(world, api_as):
    call = open_call(world, quota=1)
    api = api_as(world.secretary)
    path = f"/api/v1/calls/{call.pk}/nominations"
    assert api.post(path, _nomination_body(world)).status_code == 201
    full = api.post(path, _nomination_body(world, phone="13700000002"))
    assert full.status_code == 422 and full.json()["code"] == "quota_full" and full.json()["detail"]
    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - timedelta(seconds=1), quota=5)
    late = api.post(path, _nomination_body(world, phone="13700000003"))
    assert late.status_code == 422 and late.json()["code"] == "deadline_passed"
    bad = api.post(path, _nomination_body(world, channel="friend", phone="12", name=""))
    assert bad.status_code == 422 and {"channel", "phone", "name"} <= set(bad.json()["fields"])


def test_the_review_through_the_api(world, api_as):
    n = nominate(world, open_call(world))
    path = f"/api/v1/nominations/{n.pk}/review"
    admin = api_as(world.county_admin)
    skipped = admin.post(path, {"stage": "approval", "result": "pass", "source": "expert"})
    assert skipped.status_code == 409 and skipped.json()["code"] == "bad_state"
    for role in ("secretary", "lecturer", "town_admin"):
        refused = api_as(getattr(world, role)).post(path, {"stage": "political", "result": "pass"})
        assert refused.status_code in (403, 404), role
    assert admin.post(path, {"stage": "political", "result": "pass", "note": "合格"}).status_code == 200  # fmt: skip
    twice = admin.post(path, {"stage": "political", "result": "pass"})
    assert twice.status_code == 409 and twice.json()["code"] == "bad_state"
    panel = admin.post(path, {"stage": "panel", "result": "pass", "scores": PANEL})
    assert panel.status_code == 200 and panel.json()["panel_score"] == 80.0
    assert [s["member"] for s in panel.json()["reviews"][1]["panel_scores"]] == ["王老师", "刘老师"]
    no_source = admin.post(path, {"stage": "approval", "result": "pass"})
    assert no_source.status_code == 422 and "source" in no_source.json()["fields"]
    approved = admin.post(path, {"stage": "approval", "result": "pass", "source": "expert"})
    body = approved.json()
    assert approved.status_code == 200 and body["stage"] == "approved"
    assert body["lecturer_id"] and body["certificate_no"].endswith("第001号")
    lecturer = admin.get(f"/api/v1/lecturers/{body['lecturer_id']}").json()
    assert lecturer["status"] == "active" and lecturer["appointed_from"]


def test_the_candidate_reviewing_themself_gets_403(world, api_as):
    n = nominate(world, open_call(world), phone=world.county_admin.phone, org=world.unit)
    response = api_as(world.county_admin).post(
        f"/api/v1/nominations/{n.pk}/review", {"stage": "political", "result": "pass"}
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_the_stats_are_the_reviewers(world, api_as):
    call = open_call(world)
    review_all(world, nominate(world, call))
    stats = api_as(world.county_admin).get(f"/api/v1/calls/{call.pk}/stats").json()
    assert stats == {"total": 1, "by_channel": {"self": 0, "public": 1, "unit": 0},
                     "passed": {"political": 1, "panel": 1, "approval": 1}, "rejected": 0}  # fmt: skip
    for role in ("secretary", "lecturer", "town_admin"):
        assert api_as(getattr(world, role)).get(f"/api/v1/calls/{call.pk}/stats").status_code == 403


def test_materials_upload_through_the_api_checked_by_content(world, client, api_as):
    call = open_call(world, materials="个人简历")
    n = nominate(world, call)
    token = api_as(world.secretary).token
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/nominations/{n.pk}/materials"
    html = io.BytesIO(b"<html><script>alert(1)</script></html>")
    html.name = "简历.pdf"
    bad = client.post(path, {"label": "个人简历", "file": html}, headers=headers)
    assert bad.status_code == 422 and "file" in bad.json()["fields"]
    good = client.post(path, {"label": "个人简历", "file": pdf_file()}, headers=headers)
    assert good.status_code == 201 and good.json()["label"] == "个人简历"
    outsider = client.post(path, {"label": "个人简历", "file": pdf_file()},
                           headers={"Authorization": f"Bearer {api_as(world.other_secretary).token}"})  # fmt: skip
    assert outsider.status_code == 404
    assert Nomination.objects.get(pk=n.pk).materials.count() == 1


def test_no_certificate_before_the_approval(world, api_as):
    n = nominate(world, open_call(world))
    response = api_as(world.county_admin).get(f"/api/v1/nominations/{n.pk}/certificate.pdf")
    assert response.status_code == 409 and response.json()["code"] == "not_appointed"


def test_the_openapi_document_describes_the_selection_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ["/api/v1/calls", "/api/v1/calls/{call_id}/nominations",
                 "/api/v1/nominations/{nomination_id}/review",
                 "/api/v1/nominations/{nomination_id}/certificate.pdf"]:  # fmt: skip
        assert path in paths, path
    assert "409" in paths["/api/v1/nominations/{nomination_id}/review"]["post"]["responses"]

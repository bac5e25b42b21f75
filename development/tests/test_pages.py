"""The selection's pages: every role and an outsider county, the public page, bad input
re-rendered with the field marked, the Excel exports, the certificate page and its PDF."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from development.models import Nomination

from .helpers import docx_file, nominate, open_call, pdf_file, review_all

pytestmark = pytest.mark.django_db


def _form(world, **kw):
    return {"channel": "self", "name": "陈新人", "phone": "13700000001",
            "org_id": world.branch.pk, "reason": "扎根基层", **kw}  # fmt: skip


def test_pages_by_role_and_outsider(world, login, client):
    call = open_call(world)
    n = review_all(world, nominate(world, call))
    pages = [
        "/selection/calls/",
        f"/selection/calls/{call.pk}/",
        f"/selection/calls/{call.pk}/nominate/",
        f"/selection/nominations/{n.pk}/",
        f"/selection/nominations/{n.pk}/certificate/",
    ]
    expected = {
        "county_admin": [200, 200, 200, 200, 200],
        "town_admin": [200, 200, 200, 404, 404],
        "secretary": [200, 200, 200, 200, 200],  # the secretary submitted this nomination
        "other_secretary": [200, 200, 200, 404, 404],
        "lecturer": [200, 200, 200, 404, 404],
        "outsider": [200, 404, 404, 404, 404],
    }
    for role, statuses in expected.items():
        login(getattr(world, role))
        got = [client.get(url).status_code for url in pages]
        assert got == statuses, (role, got)
    client.logout()
    for url in pages:
        assert client.get(url).status_code == 302, url
    # The review block and the figures are the reviewers' only.
    login(world.secretary)
    assert b"call-stats" not in client.get(f"/selection/calls/{call.pk}/").content
    login(world.county_admin)
    assert b"call-stats" in client.get(f"/selection/calls/{call.pk}/").content
    login(world.town_admin)
    assert client.get("/selection/calls/new/").status_code == 200
    login(world.secretary)
    assert client.get("/selection/calls/new/").status_code == 403


def test_the_county_admin_opens_a_call_and_bad_input_is_marked(world, login, client):
    login(world.county_admin)
    bad = client.post("/selection/calls/new/", {"title": "", "level": "county", "criteria": "x",
                      "quota": "0", "deadline": "2020-01-01T09:00", "term_years": "3"})  # fmt: skip
    assert bad.status_code == 422
    assert {"title", "quota"} <= set(bad.context["form"].errors)
    deadline = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/selection/calls/new/", {"title": "推选", "level": "county",
                           "criteria": "政治过硬", "quota": "9", "deadline": deadline,
                           "materials": "个人简历", "term_years": "3"})  # fmt: skip
    assert response.status_code == 302
    past = client.post("/selection/calls/new/", {"title": "推选", "level": "county",
                       "criteria": "x", "quota": "9", "deadline": "2020-01-01T09:00", "term_years": "3"})  # fmt: skip
    assert past.status_code == 422 and "deadline" in past.context["form"].errors


def test_anyone_with_the_link_nominates_on_the_public_page_and_follows_the_steps(world, client):
    call = open_call(world, materials="个人简历\n推荐表")
    url = f"/selection/c/{call.public_key}/"
    page = client.get(url)
    assert page.status_code == 200 and "政治过硬" in page.content.decode()
    assert b'value="unit"' not in page.content
    bad = client.post(
        url, {**_form(world), "material_0": io.BytesIO(b"MZ"), "material_1": docx_file()}
    )
    assert bad.status_code == 422 and "material_0" in bad.context["form"].errors
    public = client.post(url, {**_form(world, channel="public"), "material_0": pdf_file(),
                               "material_1": docx_file()})  # fmt: skip
    assert public.status_code == 422 and "referee_name" in public.context["form"].errors
    done = client.post(url, {**_form(world), "material_0": pdf_file(), "material_1": docx_file()})
    assert done.status_code == 302
    nomination = Nomination.objects.get()
    assert done.url == f"/selection/n/{nomination.tracking_key}/"
    assert nomination.materials.count() == 2 and nomination.user_id is None
    steps = client.get(done.url)
    assert steps.status_code == 200 and steps.content.decode().count('data-testid="step"') == 4
    assert client.get("/selection/c/not-a-key/").status_code == 404
    assert client.get("/selection/n/not-a-key/").status_code == 404


def test_large_materials_get_the_form_back_with_the_limit_named(world, client):
    """Two 4 MB files and a 7 MB one: over the platform's general body limit, under the
    nomination pages' own; the big file is marked on the form, nothing is written."""
    call = open_call(world, materials="个人简历\n推荐表\n证明材料")
    url = f"/selection/c/{call.public_key}/"

    def padded(name, megabytes):
        content = b"%PDF-1.4\n" + b"%" * (megabytes * 1024 * 1024) + b"\n%%EOF\n"
        return SimpleUploadedFile(name, content, "application/pdf")

    files = {"material_0": padded("简历.pdf", 4), "material_1": padded("推荐表.pdf", 4)}
    big = padded("证明.pdf", 7)
    response = client.post(url, {**_form(world), **files, "material_2": big})
    assert response.status_code == 422
    assert "5 MB" in str(response.context["form"].errors["material_2"])
    assert not Nomination.objects.exists()


def test_the_public_page_refuses_after_the_deadline(world, client):
    call = open_call(world)
    type(call).objects.filter(pk=call.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    url = f"/selection/c/{call.public_key}/"
    assert b"nomination-form" not in client.get(url).content
    response = client.post(url, _form(world))
    assert response.status_code == 422 and not Nomination.objects.exists()


def test_the_review_on_the_page_in_order_and_the_panel_sheet(world, login, client):
    n = nominate(world, open_call(world))
    login(world.county_admin)
    page = client.get(f"/selection/nominations/{n.pk}/")
    assert b'name="stage" value="political"' in page.content
    review = f"/selection/nominations/{n.pk}/review/"
    skipped = client.post(review, {"stage": "panel", "result": "pass", "member_0": "王老师",
                          "political_0": 90, "exemplary_0": 90, "practical_0": 90, "trial_0": 90})  # fmt: skip
    assert skipped.status_code == 409
    assert client.post(review, {"stage": "political", "result": "fail"}).status_code == 422
    assert client.post(review, {"stage": "political", "result": "pass"}).status_code == 302
    empty = client.post(review, {"stage": "panel", "result": "pass"})
    assert empty.status_code == 422 and empty.context["form"].non_field_errors()
    assert client.post(review, {"stage": "panel", "result": "pass", "member_0": "王老师",
                       "political_0": 90, "exemplary_0": 80, "practical_0": 70, "trial_0": 80}).status_code == 302  # fmt: skip
    approved = client.post(review, {"stage": "approval", "result": "pass", "source": "expert"})
    # A new login: its initial password is on the answer, this once.
    assert approved.status_code == 200 and b'data-testid="initial-password"' in approved.content
    n.refresh_from_db()
    assert n.stage == "approved" and n.panel_score == 80.0
    certificate = client.get(f"/selection/nominations/{n.pk}/certificate/").content.decode()
    assert n.certificate_no in certificate and n.name in certificate


def test_the_lists_export_to_excel(world, login, client):
    call = open_call(world)
    review_all(world, nominate(world, call))
    nominate(world, call, phone="13700000002", name="周二")
    login(world.county_admin)
    calls = load_workbook(io.BytesIO(client.get("/selection/calls/?format=xlsx").content)).active
    assert calls.max_row == 2 and calls.cell(2, 1).value == call.title
    rows = load_workbook(io.BytesIO(client.get(f"/selection/calls/{call.pk}/?format=xlsx").content)).active  # fmt: skip
    assert rows.max_row == 3
    assert rows.cell(2, 2).value == "陈新人" and rows.cell(2, 3).value == "137****0001"


def test_materials_download_only_within_scope(world, login, client):
    call = open_call(world, materials="个人简历")
    n = nominate(world, call, uploads={"个人简历": pdf_file()})
    material = n.materials.get()
    login(world.county_admin)
    response = client.get(f"/selection/materials/{material.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    login(world.other_secretary)
    assert client.get(f"/selection/materials/{material.pk}/").status_code == 404
    login(world.outsider)
    assert client.get(f"/selection/materials/{material.pk}/").status_code == 404


@pytest.mark.pdf
def test_the_certificate_pdf_holds_the_name_and_number(world, login, client, api_as):
    from pypdf import PdfReader

    n = review_all(world, nominate(world, open_call(world)))
    login(world.county_admin)
    page = client.get(f"/selection/nominations/{n.pk}/certificate.pdf")
    api = api_as(world.county_admin).get(f"/api/v1/nominations/{n.pk}/certificate.pdf")
    for response in (page, api):
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        text = reader.pages[0].extract_text()
        assert len(reader.pages) == 1
        assert n.certificate_no in text and n.name in text
        assert round(float(reader.pages[0].mediabox.width)) == 595  # A4

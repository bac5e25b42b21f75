"""Bad files get a clear Chinese error, never a 500, and nothing is written."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.imports import files
from backoffice.models import ImportJob
from lecturers.models import Lecturer

from .helpers import LECTURER_HEADERS, XLSX, lecturer_rows, workbook_bytes, zip_bytes


def post(client, content: bytes, name: str = "讲师.xlsx", kind: str = "lecturers"):
    return client.client.post(
        "/api/v1/imports",
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type=XLSX)},
        headers={"Authorization": f"Bearer {client.token}"},
    )


def refused(response) -> str:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and set(body["fields"]) == {"file"}
    return body["fields"]["file"]


@pytest.fixture
def admin_api(world, api_as):
    return api_as(world.county_admin)


def macro_workbook() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes(lecturer_rows(2))))
    parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 macro"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml"
    )
    return zip_bytes(parts)


def test_bad_files_are_refused_with_a_chinese_message(world, admin_api):
    csv = "姓名,手机号\n周文华,13600000001\n".encode()
    cases = {
        "a .xlsm name": (workbook_bytes(lecturer_rows(2)), "讲师.xlsm", "宏"),
        "macros inside an .xlsx": (macro_workbook(), "讲师.xlsx", "宏"),
        "a CSV renamed .xlsx": (csv, "讲师.xlsx", "CSV"),
        "an empty file": (b"", "讲师.xlsx", "空"),
        "an old .xls": (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "讲师.xls", ".xlsx"),
        "a zip without a workbook": (zip_bytes({"a.txt": b"hello"}), "讲师.xlsx", "CSV"),
        "XML with entities": (
            zip_bytes(
                {
                    "[Content_Types].xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Types/>',
                    "xl/workbook.xml": b"<workbook/>",
                }
            ),
            "讲师.xlsx",
            "xlsx",
        ),
    }
    for label, (content, name, word) in cases.items():
        message = refused(post(admin_api, content, name))
        assert word in message, (label, message)
    assert not ImportJob.objects.exists() and not Lecturer.objects.filter(phone__startswith="137").exists()  # fmt: skip


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(world, admin_api):
    """100 MB of zeros packs into about 100 KB: the sizes in the zip's directory give it away."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(100):
                sheet.write(chunk)
    assert len(buffer.getvalue()) < 1024 * 1024
    message = refused(post(admin_api, buffer.getvalue()))
    assert "80 MB" in message
    assert not ImportJob.objects.exists()


def test_a_file_over_the_upload_limit_is_413(world, admin_api, settings):
    content = b"PK" + b"\0" * (files.MAX_UPLOAD_BYTES + 100 * 1024)
    response = post(admin_api, content)
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_a_file_between_the_site_ceiling_and_the_import_limit_is_taken(world, admin_api, settings, django_capture_on_commit_callbacks):  # fmt: skip
    """The request guard refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE elsewhere; the import
    has its own 10 MB limit and streams the file to disk."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024
    content = workbook_bytes(lecturer_rows(3000))
    assert len(content) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    with django_capture_on_commit_callbacks(execute=False):
        response = post(admin_api, content)
    assert response.status_code == 202, response.content
    other = admin_api.client.post(
        "/api/v1/lecturers", b"x" * (100 * 1024), content_type="application/json",
        headers={"Authorization": f"Bearer {admin_api.token}"},
    )  # fmt: skip
    assert other.status_code == 413


@pytest.mark.django_db(transaction=True)
def test_a_sheet_over_the_row_limit_is_refused_with_the_limit_named(world, settings):
    from backoffice import services

    from .test_import_check import run_import

    rows = [LECTURER_HEADERS] + [["某", f"1370000{i:04d}"] for i in range(files.MAX_ROWS + 1)]
    job = run_import(world.county_admin, "lecturers", workbook_bytes(rows))
    assert job.status == "invalid"
    assert len(job.errors) == 1 and "10,000" in job.errors[0]["message"]
    assert not Lecturer.objects.filter(phone__startswith="1370000").exists()
    assert services.MAX_STORED_ERRORS == 1000


@pytest.mark.django_db(transaction=True)
def test_a_workbook_with_headers_only_or_nothing_is_invalid(world):
    from .test_import_check import run_import

    job = run_import(world.county_admin, "lecturers", workbook_bytes([LECTURER_HEADERS]))
    assert (job.status == "invalid" and "没有" in job.errors[0]["message"]) or "no rows" in job.errors[0]["message"]  # fmt: skip
    job = run_import(world.county_admin, "lecturers", workbook_bytes([]))
    assert job.status == "invalid" and job.errors[0]["row"] is None

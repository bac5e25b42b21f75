"""Builders shared by the selection's tests."""

import io
import zipfile
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from development import services

PANEL = {
    "王老师": {"political": 90, "exemplary": 80, "practical": 70, "trial": 90},
    "刘老师": {"political": 80, "exemplary": 80, "practical": 80, "trial": 70},
}


def open_call(world, *, quota=10, materials="", level="county", actor=None, **kw):
    return services.call_open(
        actor=actor or world.county_admin,
        title="2026年度党员教育讲师推选",
        level=level,
        criteria="政治过硬、表率作用、实践经验丰富",
        quota=quota,
        deadline=timezone.now() + timedelta(days=10),
        materials=materials,
        **kw,
    )


def nominate(world, call, *, phone="13700000001", name="陈新人", org=None, actor=None, **kw):
    return services.nomination_submit(
        actor=actor or world.secretary,
        call=call,
        channel=kw.pop("channel", "public"),
        name=name,
        phone=phone,
        org_id=(org or world.branch).pk,
        specialties="乡村振兴",
        reason="扎根基层二十年，讲得生动。",
        **kw,
    )


def pdf_file(name="简历.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf")


def docx_file(name="推荐表.docx", *, macros=False):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        types = b"<Types>macroEnabled</Types>" if macros else b"<Types></Types>"
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("word/document.xml", b"<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue(), "application/octet-stream")


def review_all(world, nomination, actor=None):
    """Take a nomination through the three stages as the county admin."""
    actor = actor or world.county_admin
    services.nomination_review(actor=actor, nomination=nomination, stage="political", result="pass")
    services.nomination_review(
        actor=actor, nomination=nomination, stage="panel", result="pass", scores=PANEL
    )
    return services.nomination_review(
        actor=actor, nomination=nomination, stage="approval", result="pass", source="model_figure"
    )

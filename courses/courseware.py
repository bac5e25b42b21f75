"""Checking a course's courseware (课件) by its content before it is stored.

A courseware file is a PDF, a PowerPoint or a Word document, old (.ppt, .doc: an OLE2
compound file) or new (.pptx, .docx: a zip of XML parts). The extension alone proves
nothing: an executable or a web page renamed .pdf must not be handed to the county's staff
as courseware, so the bytes must be what the extension says. Documents with macros are
refused too. The files are stored privately (core.storage) and handed out only to those
who may see the course (courses.selectors.course_attachment_for_user).
"""

import zipfile
from pathlib import PurePosixPath

from django.http import FileResponse
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotFound

MAX_COURSEWARE_BYTES = 20 * 1024 * 1024
# A pptx is mostly pictures stored as they are; its parts unpack to little more than the
# file. Far more is a zip bomb, not a presentation.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_PARTS = 5000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream each legacy format keeps its text in, as its directory entry names it (UTF-16LE).
OLE_STREAMS = {".doc": "WordDocument", ".ppt": "PowerPoint Document"}
OLE_MACROS = ("_VBA_PROJECT", "Macros")
OOXML_MAIN_PART = {".docx": "word/document.xml", ".pptx": "ppt/presentation.xml"}
KIND_LABELS = {
    ".pdf": "PDF", ".ppt": "PPT", ".pptx": "PPTX", ".doc": "DOC", ".docx": "DOCX",
}  # fmt: skip
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
ACCEPT = ",".join([*KIND_LABELS, *CONTENT_TYPES.values()])


def _refuse(message) -> InvalidInput:
    return InvalidInput.field("attachment", message)


def suffix_of(name: str) -> str:
    return PurePosixPath((name or "").lower()).suffix


def check_courseware(upload) -> str:
    """The file's suffix (".pdf", …) if the upload is courseware we take; InvalidInput naming
    `attachment` otherwise."""
    suffix = suffix_of(upload.name)
    if suffix not in KIND_LABELS:
        raise _refuse(
            _("Courseware must be a PDF, PowerPoint (PPT, PPTX) or Word (DOC, DOCX) file.")
        )
    if upload.size == 0:
        raise _refuse(_("The file is empty."))
    if upload.size > MAX_COURSEWARE_BYTES:
        raise _refuse(
            _("Courseware may be at most %(limit)d MB; this file is %(size).1f MB.")
            % {"limit": MAX_COURSEWARE_BYTES // (1024 * 1024), "size": upload.size / (1024 * 1024)}
        )
    upload.seek(0)
    try:
        if suffix == ".pdf":
            is_kind = upload.read(5) == b"%PDF-"
        elif suffix in OLE_STREAMS:
            is_kind = _is_ole_document(upload.read(), OLE_STREAMS[suffix])
        else:
            is_kind = _is_ooxml(upload, OOXML_MAIN_PART[suffix])
    finally:
        upload.seek(0)
    if not is_kind:
        raise _refuse(
            _(
                "This file is not really a %(kind)s file (perhaps another kind of file renamed). "
                "Upload the document as saved by PowerPoint, Word, WPS or as a PDF."
            )
            % {"kind": KIND_LABELS[suffix]}
        )
    return suffix


def _macros_refused() -> InvalidInput:
    return _refuse(
        _("Documents with macros are refused. Save it without macros (PPTX, DOCX or PDF).")
    )


def _is_ole_document(data: bytes, stream: str) -> bool:
    if not data.startswith(OLE_MAGIC):
        return False
    if any(name.encode("utf-16-le") in data for name in OLE_MACROS):
        raise _macros_refused()
    return stream.encode("utf-16-le") in data


def _is_ooxml(fileobj, main_part: str) -> bool:
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    with archive:
        parts = archive.infolist()
        names = {part.filename for part in parts}
        if "[Content_Types].xml" not in names or main_part not in names:
            return False
        if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
            raise _refuse(
                _("The document unpacks to far more than its size; it is refused as damaged.")
            )
        try:
            types = archive.read("[Content_Types].xml")
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
            return False
        if b"macroEnabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
            raise _macros_refused()
    return True


def courseware_response(file, name: str) -> FileResponse:
    """A courseware file as a download (never shown inline, never cached by a proxy)."""
    try:
        handle = file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound() from None
    content_type = CONTENT_TYPES.get(suffix_of(name), "application/octet-stream")
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

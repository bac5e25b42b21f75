"""Files people upload (a nomination's materials, a course's courseware): judged by their
bytes, never by the name or the type the browser claims, and handed out only as downloads.

A PDF starts with `%PDF-`; a JPG or PNG is what Pillow reads as one; a DOCX or PPTX is a zip
holding that format's main part, a DOC or PPT an OLE2 compound file holding that format's
stream; none may carry macros, and a zip may not unpack to far more than its size (a zip
bomb). Anything else, an executable or a web page renamed .pdf included, is refused with a
Chinese message naming the field. Photos of people have their own checks (core.images).
"""

import uuid
import warnings
import zipfile
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import InvalidInput, NotFound

# suffix: (label, content type)
KINDS = {
    ".pdf": ("PDF", "application/pdf"),
    ".jpg": ("JPG", "image/jpeg"),
    ".jpeg": ("JPG", "image/jpeg"),
    ".png": ("PNG", "image/png"),
    ".doc": ("DOC", "application/msword"),
    ".docx": (
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".ppt": ("PPT", "application/vnd.ms-powerpoint"),
    ".pptx": (
        "PPTX",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
DOCUMENT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".docx")
DOCUMENT_ACCEPT = ",".join(DOCUMENT_SUFFIXES)
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# A pptx is mostly pictures stored as they are; its parts unpack to little more than the
# file. Far more is a zip bomb, not a document.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_PARTS = 5000
MAX_PIXELS = 60_000_000

_PILLOW_FORMAT = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
_OOXML_MAIN_PART = {".docx": "word/document.xml", ".pptx": "ppt/presentation.xml"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream each legacy format keeps its text in, as its directory entry names it (UTF-16LE).
_OLE_STREAM = {".doc": "WordDocument", ".ppt": "PowerPoint Document"}
_OLE_MACROS = ("_VBA_PROJECT", "Macros")


def suffix_of(name: str) -> str:
    return PurePosixPath((name or "").lower()).suffix


def content_type_of(name: str) -> str:
    return KINDS.get(suffix_of(name), ("", "application/octet-stream"))[1]


def check_file(upload, *, field: str, suffixes, max_bytes: int, wrong_type_message) -> str:
    """The upload's suffix if it is one of `suffixes`, at most `max_bytes` and really what its
    suffix says; InvalidInput naming `field` otherwise (`wrong_type_message` for a suffix not
    taken)."""
    suffix = suffix_of(upload.name)
    if suffix not in suffixes:
        raise InvalidInput.field(field, wrong_type_message)
    if upload.size == 0:
        raise InvalidInput.field(field, _("The file is empty."))
    if upload.size > max_bytes:
        raise InvalidInput.field(
            field,
            _("A file may be at most %(limit)d MB; this one is %(size).1f MB.")
            % {"limit": max_bytes // (1024 * 1024), "size": upload.size / (1024 * 1024)},
        )
    upload.seek(0)
    try:
        if suffix == ".pdf":
            genuine = upload.read(5) == b"%PDF-"
        elif suffix in _PILLOW_FORMAT:
            genuine = _is_picture(upload, _PILLOW_FORMAT[suffix])
        elif suffix in _OLE_STREAM:
            genuine = _is_ole_document(upload.read(), _OLE_STREAM[suffix], field)
        else:
            genuine = _is_ooxml(upload, _OOXML_MAIN_PART[suffix], field)
    finally:
        upload.seek(0)
    if not genuine:
        raise InvalidInput.field(
            field,
            _("This file is not really a %(kind)s file (perhaps another kind of file renamed).")
            % {"kind": KINDS[suffix][0]},
        )
    return suffix


def check_document(upload, *, field: str) -> ContentFile:
    """A stored copy, under a random name keeping its suffix, of an upload that is a PDF, JPG,
    PNG or DOCX of at most MAX_DOCUMENT_BYTES; InvalidInput naming `field` otherwise."""
    suffix = check_file(
        upload,
        field=field,
        suffixes=DOCUMENT_SUFFIXES,
        max_bytes=MAX_DOCUMENT_BYTES,
        wrong_type_message=_("Upload a PDF, JPG, PNG or DOCX file."),
    )
    data = upload.read()
    upload.seek(0)
    return ContentFile(data, name=f"{uuid.uuid4().hex}{suffix}")


def private_download(file, name: str, *, inline: bool = False) -> FileResponse:
    """A stored private file under its original `name`: a download, or with `inline` shown in
    the browser (a letter's PDF or photo); never cached on the way, never run as a page."""
    try:
        handle = file.open("rb")
    except OSError:
        raise NotFound() from None
    response = FileResponse(
        handle, content_type=content_type_of(name), as_attachment=not inline, filename=name
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
        if inline
        else "default-src 'none'; sandbox"
    )
    return response


def _macros_refused(field: str) -> InvalidInput:
    return InvalidInput.field(
        field, _("Documents with macros are refused. Save it again without macros.")
    )


def _is_picture(upload, expected_format: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.format != expected_format:
                    return False
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return False
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return False
    except (OSError, SyntaxError, ValueError):  # Pillow's ways of saying "broken file"
        return False
    return True


def _is_ole_document(data: bytes, stream: str, field: str) -> bool:
    if not data.startswith(_OLE_MAGIC):
        return False
    if any(name.encode("utf-16-le") in data for name in _OLE_MACROS):
        raise _macros_refused(field)
    return stream.encode("utf-16-le") in data


def _is_ooxml(upload, main_part: str, field: str) -> bool:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    with archive:
        parts = archive.infolist()
        names = {part.filename for part in parts}
        if "[Content_Types].xml" not in names or main_part not in names:
            return False
        if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
            raise InvalidInput.field(
                field, _("The document unpacks to far more than its size; it is refused.")
            )
        try:
            types = archive.read("[Content_Types].xml")
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
            return False
        if b"macroEnabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
            raise _macros_refused(field)
    return True

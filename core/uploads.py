"""Documents people upload (a nomination's materials): judged by their bytes, never by the name
or the type the browser claims.

A PDF starts with `%PDF-`; a JPG or PNG is what Pillow reads as one; a DOCX is a zip holding
a Word document's parts, without macros and without unpacking to far more than its size (a
zip bomb). Anything else, an executable or a web page renamed .pdf included, is refused with
a Chinese message naming the field.
"""

import io
import uuid
import warnings
import zipfile
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PARTS = 2000
MAX_PIXELS = 60_000_000
DOCUMENT_KINDS = {".pdf": "PDF", ".jpg": "JPG", ".jpeg": "JPG", ".png": "PNG", ".docx": "DOCX"}
DOCUMENT_ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx"
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_PILLOW_FORMAT = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def suffix_of(name: str) -> str:
    return PurePosixPath((name or "").lower()).suffix


def check_document(upload, *, field: str) -> ContentFile:
    """A stored copy of the upload under a random name keeping its suffix, if it is a PDF,
    JPG, PNG or DOCX of at most MAX_DOCUMENT_BYTES; InvalidInput naming `field` otherwise."""
    suffix = suffix_of(upload.name)
    if suffix not in DOCUMENT_KINDS:
        raise InvalidInput.field(field, _("Upload a PDF, JPG, PNG or DOCX file."))
    if upload.size == 0:
        raise InvalidInput.field(field, _("The file is empty."))
    if upload.size > MAX_DOCUMENT_BYTES:
        raise InvalidInput.field(
            field,
            _("A file may be at most %(limit)d MB; this one is %(size).1f MB.")
            % {"limit": MAX_DOCUMENT_BYTES // (1024 * 1024), "size": upload.size / (1024 * 1024)},
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if suffix == ".pdf":
        genuine = data.startswith(b"%PDF-")
    elif suffix == ".docx":
        genuine = _is_docx(upload, field)
    else:
        genuine = _is_picture(upload, _PILLOW_FORMAT[suffix])
    upload.seek(0)
    if not genuine:
        raise InvalidInput.field(
            field,
            _("This file is not really a %(kind)s file (perhaps another kind of file renamed).")
            % {"kind": DOCUMENT_KINDS[suffix]},
        )
    return ContentFile(data, name=f"{uuid.uuid4().hex}{suffix}")


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


def _is_docx(upload, field: str) -> bool:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    with archive:
        parts = archive.infolist()
        names = {part.filename for part in parts}
        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
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
            raise InvalidInput.field(
                field, _("Documents with macros are refused. Save it as DOCX or PDF.")
            )
    return True


# --- Photos taken in the field ----------------------------------------------------------------

MAX_PHOTO_BYTES = 15 * 1024 * 1024
PHOTO_ACCEPT = ".jpg,.jpeg,.png"
PHOTO_LONG_SIDE = 1600


def clean_photo(upload, *, field: str) -> ContentFile:
    """A phone photo made fit to keep: checked like a document's picture (a JPG or PNG by its
    bytes, no decompression bomb), turned upright, shrunk to PHOTO_LONG_SIDE pixels and saved
    afresh as a JPEG without any metadata: the EXIF block, with its GPS position, is dropped."""
    suffix = suffix_of(upload.name)
    if suffix not in _PILLOW_FORMAT:
        raise InvalidInput.field(field, _("Upload photos as JPG or PNG files."))
    if upload.size == 0:
        raise InvalidInput.field(field, _("The file is empty."))
    if upload.size > MAX_PHOTO_BYTES:
        raise InvalidInput.field(
            field,
            _("A photo may be at most %(limit)d MB; this one is %(size).1f MB.")
            % {"limit": MAX_PHOTO_BYTES // (1024 * 1024), "size": upload.size / (1024 * 1024)},
        )
    upload.seek(0)
    if not _is_picture(upload, _PILLOW_FORMAT[suffix]):
        raise InvalidInput.field(
            field,
            _("This file is not really a %(kind)s file (perhaps another kind of file renamed).")
            % {"kind": DOCUMENT_KINDS[suffix]},
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            upright = ImageOps.exif_transpose(image)
            picture = upright.convert("RGB")
    except (OSError, SyntaxError, ValueError):  # readable headers, broken pixels
        raise InvalidInput.field(field, _("This photo is damaged and cannot be read.")) from None
    picture.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
    out = io.BytesIO()
    # A new image carries no EXIF, XMP or ICC data unless asked to: nothing is passed on.
    picture.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")

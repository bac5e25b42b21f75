"""Uploaded photos: checked to be a real picture, then re-encoded, so that what is stored and
served is always a plain JPEG the platform wrote itself.

A file is judged by what Pillow reads in it, never by its name or the type the browser
claims: an SVG or a web page renamed .jpg is refused. Re-encoding drops everything but the
pixels (EXIF with the place a phone photo was taken, scripts hidden in comments) and bounds
the stored size whatever was uploaded.
"""

import io
import uuid
import warnings

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# A photo of a person needs no more; a larger frame is shrunk, keeping its proportions.
PHOTO_SIDE = 1024
# Refuse before decoding a picture whose pixels would take hundreds of MB of memory (a
# "decompression bomb": a few KB of PNG that unpacks to gigapixels).
MAX_PHOTO_PIXELS = 50_000_000
PHOTO_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"})
PHOTO_ACCEPT = ".jpg,.jpeg,.png,.webp,image/jpeg,image/png,image/webp"


def photo_limit_mb() -> int:
    return MAX_PHOTO_BYTES // (1024 * 1024)


def clean_photo(
    upload, *, field: str = "photo", max_bytes: int = MAX_PHOTO_BYTES, side: int = PHOTO_SIDE
) -> ContentFile:
    """The upload as a re-encoded JPEG of at most `side` pixels a side (a portrait by
    default; a field report's photos keep more); InvalidInput naming `field` when it is
    empty, larger than `max_bytes` or not a picture."""
    if upload.size == 0:
        raise InvalidInput.field(field, _("The file is empty."))
    if upload.size > max_bytes:
        raise InvalidInput.field(
            field,
            _("The photo may be at most %(mb)d MB; this one is %(size).1f MB.")
            % {"mb": max_bytes // (1024 * 1024), "size": upload.size / (1024 * 1024)},
        )
    not_a_photo = InvalidInput.field(field, _("This file is not a photo (JPG, PNG or WebP)."))
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                if probe.format not in PHOTO_FORMATS:
                    raise not_a_photo
                width, height = probe.size
                if width * height > MAX_PHOTO_PIXELS:
                    raise InvalidInput.field(field, _("The photo has too many pixels."))
                probe.verify()  # a truncated or corrupt file fails here, before decoding
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
                picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_a_photo from None
    except (OSError, SyntaxError, ValueError):  # Pillow's ways of saying "broken file"
        raise not_a_photo from None
    picture.thumbnail((side, side))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.jpg")

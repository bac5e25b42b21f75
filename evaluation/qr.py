"""The session's evaluation QR code: it encodes the absolute URL of the trainee page."""

from core import qr

from .services import trainee_url


def qr_svg(booking, *, scale: int = 6, omitsize: bool = False) -> bytes:
    return qr.qr_svg(trainee_url(booking), scale=scale, omitsize=omitsize)


def qr_png(booking, *, scale: int = 8) -> bytes:
    return qr.qr_png(trainee_url(booking), scale=scale)

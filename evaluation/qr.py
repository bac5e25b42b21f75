"""The session's evaluation QR code: it encodes the absolute URL of the trainee page."""

import io

import segno

from .services import trainee_url


def qr_svg(booking, *, scale: int = 6, omitsize: bool = False) -> bytes:
    """The code as SVG; `omitsize` leaves out width and height (a viewBox instead), so that CSS
    sizes it, as on the printed poster."""
    buffer = io.BytesIO()
    segno.make(trainee_url(booking), error="m").save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=False, omitsize=omitsize
    )
    return buffer.getvalue()


def qr_png(booking, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(trainee_url(booking), error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()

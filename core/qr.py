"""QR codes of the platform's links (segno): the session's evaluation code, the survey's."""

import io

import segno


def qr_svg(url: str, *, scale: int = 6, omitsize: bool = False) -> bytes:
    """The code as SVG; `omitsize` leaves out width and height (a viewBox instead), so that CSS
    sizes it, as on the printed poster."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=False, omitsize=omitsize
    )
    return buffer.getvalue()


def qr_png(url: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()

"""Signed ids: the short secrets printed in QR codes and typed from posters.

A token is `<id>-<signature>`: anyone can read the id, nobody can forge the signature without
the site's secret key, so the server needs no table of tokens and can check one without a
query. The salt keeps each use's tokens apart (a session's evaluation code never opens a
training activity's check-in). The long form (16 hex digits) goes into QR codes; the short
form (6 decimal digits) is for typing on a phone's number pad.
"""

import hmac

from django.utils.crypto import salted_hmac

SHORT_DIGITS = 6
MAX_ID_DIGITS = 18


def signature(salt: str, value: str, *, length: int = 16) -> str:
    return salted_hmac(salt, value, algorithm="sha256").hexdigest()[:length]


def _short_signature(salt: str, object_id: int) -> str:
    digest = salted_hmac(f"{salt}.short", str(object_id), algorithm="sha256").hexdigest()
    return f"{int(digest[:12], 16) % 10**SHORT_DIGITS:0{SHORT_DIGITS}d}"


def signed_id(salt: str, object_id: int, *, short: bool = False) -> str:
    mark = _short_signature(salt, object_id) if short else signature(salt, str(object_id))
    return f"{object_id}-{mark}"


def id_from_signed(salt: str, token: str, *, short: bool = False) -> int | None:
    """The id a token signs, or None for anything forged or malformed."""
    object_id, _sep, mark = (token or "").strip().partition("-")
    # ASCII digits only: str.isdigit() also takes "²" and full-width digits (int() then fails
    # or reads another number), and compare_digest refuses non-ASCII strings with TypeError.
    if not (object_id.isascii() and object_id.isdigit()) or len(object_id) > MAX_ID_DIGITS:
        return None
    if not mark.isascii():
        return None
    number = int(object_id)
    expected = _short_signature(salt, number) if short else signature(salt, str(number))
    if not hmac.compare_digest(mark, expected):
        return None
    return number

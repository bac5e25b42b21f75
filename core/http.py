"""Facts about the request that every app reads the same way."""

import ipaddress
from urllib.parse import quote

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request) -> str:
    """The address of the person's device.

    Behind nginx every request comes from the proxy's address; the device's address is then
    the last one in X-Forwarded-For that is not a trusted proxy (earlier entries are whatever
    the client chose to send). Only requests that reach us from a proxy listed in
    TRUSTED_PROXIES have the header believed at all."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _is_address(hop):
            return remote  # a forged or garbled header: fall back to the proxy itself
        if not _is_trusted(hop):
            return hop
    return remote


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXY_NETWORKS)


def is_local_path(request, target) -> bool:
    """True for a `next` that names a page of this site by its absolute path.

    Only an absolute path: redirect() reads any other text without a slash or a dot as the
    name of a view to reverse, and a name nobody defined is an error, not a redirect."""
    return (
        isinstance(target, str)
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )


def as_download(response, *, filename: str, fallback: str):
    """A file response as an attachment: `filename` (may be Chinese) travels as RFC 5987
    filename*=UTF-8''…, `fallback` (ASCII) for clients that do not read it. Never cached by
    shared caches: what a download holds depends on who asked."""
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response

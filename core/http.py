"""Facts about the request that every app reads the same way."""

import ipaddress
import os
import re
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
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


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
RANGE_CHUNK = 64 * 1024


def ranged_file_response(request, path: str, content_type: str):
    """A file answered whole (200) or, for an HTTP Range request of one range, in part (206
    with Content-Range): what a video player asks for to seek. An unsatisfiable range is 416."""
    size = os.path.getsize(path)
    header = request.headers.get("Range", "")
    match = _RANGE.match(header.strip()) if header else None
    # No range, several ranges or another unit: answered whole, as RFC 9110 allows.
    if match is None or match.groups() == ("", ""):
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    handle = open(path, "rb")  # noqa: SIM115 (closed by the response)
    handle.seek(start)
    response = StreamingHttpResponse(
        _read(handle, end - start + 1), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response


def _read(handle, length: int):
    with handle:
        while length > 0:
            block = handle.read(min(RANGE_CHUNK, length))
            if not block:
                return
            length -= len(block)
            yield block

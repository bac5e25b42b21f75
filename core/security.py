"""The Content-Security-Policy header (Django 5.2 has none of its own).

The platform serves every script, stylesheet, font and image itself and has no inline script,
inline event handler or inline style (behaviour lives in static/js/app.js, looks in the CSS
files), so the policy in settings.CONTENT_SECURITY_POLICY can be 'self' throughout. The pages whose
markup is not ours pass under it as well: the Django admin (5.2) and ninja's Swagger UI at
/api/v1/docs load only their own static files (the docs' settings travel in a JSON data
block, which is not a script). A page that needs more would get its own directives in
settings.CONTENT_SECURITY_POLICY_PATHS (path prefix: directives replacing the default's; the
longest prefix wins): a hash or a nonce, never 'unsafe-inline'. A response that already
carries the header keeps it.
"""

from django.conf import settings

HEADER = "Content-Security-Policy"


def policy_header(directives: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{name} {' '.join(sources)}" if sources else name for name, sources in directives.items()
    )


def policy_for_path(path: str) -> str:
    directives = dict(settings.CONTENT_SECURITY_POLICY)
    special = getattr(settings, "CONTENT_SECURITY_POLICY_PATHS", {})
    matches = [prefix for prefix in special if path.startswith(prefix)]
    if matches:
        directives.update(special[max(matches, key=len)])
    return policy_header(directives)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy_for_path(request.path)
        return response

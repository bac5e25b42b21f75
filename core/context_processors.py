from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orgs import access

# (url name, label, icon glyph) for the bottom bar on phones and the top bar on desktops.
_NAV = [
    ("home", _("Home"), "⌂"),
    ("lecturer_list", _("Lecturers"), "师"),
    ("course_list", _("Courses"), "课"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = []
    for name, label, icon in _NAV:
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"url": url, "label": label, "icon": icon, "active": active})
    return {"nav_items": items, "nav_scope": access.scope_for(user)}

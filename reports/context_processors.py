from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

import access
from notifications.selectors import unread_count


def navigation(request):
    """The top bar on desktops and the bottom tab bar on phones (at most five items there)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = access.scope_for(user)
    unread = unread_count(user)
    # (url name, label, icon glyph, on the phone tab bar)
    if access.is_province_admin(user):
        # A province admin reads the province's figures; the county pages are not theirs.
        entries = [("province", _("Province"), "省", True)]
    else:
        entries = _county_entries(scope)
    entries.append(("inbox", _("Messages"), "信", True))
    path = request.path
    urls = [reverse(name) for name, *_rest in entries]
    # The longest matching address wins, so /inbox/deliveries/ lights up only its own entry.
    matches = [url for url in urls if (path == url if url == "/" else path.startswith(url))]
    current = max(matches, key=len, default=None)
    if path.startswith("/demands/"):
        # Demands live inside the bookings/orders tab (a sixth tab would not fit on phones).
        current = reverse("booking_list")
    items = []
    for url, (name, label, icon, on_phone) in zip(urls, entries, strict=True):
        items.append(
            {
                "url": url,
                "label": label,
                "icon": icon,
                "active": url == current,
                "on_phone": on_phone,
                "badge": unread if name == "inbox" else 0,
            }
        )
    return {"nav_items": items, "nav_scope": scope, "unread_count": unread}


def _county_entries(scope) -> list[tuple]:
    """The entries of everyone who works in a county, by their roles there."""
    has_org_role = scope.is_county_admin or scope.is_town_admin or scope.is_secretary
    entries = [
        ("home", _("Home"), "⌂", True),
        ("lecturer_list", _("Lecturers"), "师", True),
        ("course_list", _("Courses"), "课", True),
        ("offering_list", _("This month's menu"), "晒", False),
        # Desktop only; on phones the lecturer pool links to the rankings.
        ("rankings", _("Rankings"), "榜", False),
    ]
    if scope.lecturer_id:
        entries.append(("booking_list", pgettext_lazy("nav", "Orders"), "单", True))
        # The lecturer's own pages (/my/); desktop only, on phones the home page links there.
        entries.append(("my:profile", pgettext_lazy("nav", "Me"), "我", False))
    elif has_org_role:
        entries.append(("booking_list", pgettext_lazy("nav", "Bookings"), "约", True))
    if scope.is_county_admin:
        # Desktop only: the phone's tab bar is full; on phones the home page links there.
        entries.append(("delivery_list", _("Message delivery"), "送", False))
    if scope.is_county_admin or scope.is_town_admin:
        # The back office (/manage/); town admins manage their town's branches there.
        # Desktop only as well.
        entries.append(("backoffice:index", pgettext_lazy("nav", "Manage"), "管", False))
    return entries

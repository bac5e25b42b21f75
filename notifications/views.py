from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .selectors import inbox_for_user, inbox_message_for_user, unread_count
from .services import inbox_mark_read

PAGE_SIZE = 30


@login_required
def inbox(request):
    page = Paginator(inbox_for_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": unread_count(request.user), "query": ""}
    return render(request, "notifications/inbox.html", context)


@login_required
def inbox_open(request, message_id):
    """Opening a message marks it read and follows its link (only links inside the site)."""
    message = inbox_message_for_user(request.user, message_id)
    if message is None:
        raise Http404
    inbox_mark_read(user=request.user, message_ids=[message.pk])
    if message.url and url_has_allowed_host_and_scheme(
        message.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(message.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request):
    marked = inbox_mark_read(user=request.user)
    if marked:
        messages.success(request, _("All messages are marked as read."))
    return redirect("inbox")

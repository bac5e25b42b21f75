from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Conflict, Forbidden, InvalidInput
from core.forms import apply_service_error
from orgs import access

from .forms import NotificationPreferenceForm
from .models import Channel, DeliveryStatus
from .selectors import (
    FIGURE_STATUSES,
    delivery_figures_for_user,
    delivery_list_for_user,
    inbox_for_user,
    inbox_message_for_user,
    masked_address,
    notification_preference_for_user,
    unread_count,
)
from .services import delivery_resend, inbox_mark_read, notification_preference_update

PAGE_SIZE = 30
DELIVERY_PAGE_SIZE = 50


def _same_site(request, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
def inbox(request):
    page = Paginator(inbox_for_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread": unread_count(request.user),
        "query": "",
        "may_operate": access.may_operate_notifications(request.user),
    }
    return render(request, "notifications/inbox.html", context)


@login_required
def inbox_open(request, message_id):
    """Opening a message marks it read and follows its link (only links inside the site)."""
    message = inbox_message_for_user(request.user, message_id)
    if message is None:
        raise Http404
    inbox_mark_read(user=request.user, message_ids=[message.pk])
    if _same_site(request, message.url):
        return redirect(message.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request):
    marked = inbox_mark_read(user=request.user)
    if marked:
        messages.success(request, _("All messages are marked as read."))
    return redirect("inbox")


# --- my notification settings ------------------------------------------------------------------


@login_required
def inbox_settings(request):
    """The caller's own channels; there is no id in the address, so nobody edits another's."""
    user = request.user
    preference = notification_preference_for_user(user)
    wechat_bound = bool(preference.wechat_openid)
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST, wechat_bound=wechat_bound)
        if form.is_valid():
            try:
                notification_preference_update(actor=user, **form.cleaned_data)
            except InvalidInput as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("inbox_settings")
    else:
        form = NotificationPreferenceForm(
            wechat_bound=wechat_bound,
            initial={
                "by_sms": preference.by_sms,
                "by_wechat": preference.by_wechat,
                "by_email": preference.by_email,
                "phone": user.phone,
                "email": user.email,
            },
        )
    return render(request, "notifications/settings.html", {"form": form})


# --- delivery operations (county admins) -----------------------------------------------------------


def _operator(request):
    if not access.may_operate_notifications(request.user):
        raise Forbidden()
    return request.user


@login_required
def delivery_list(request):
    user = _operator(request)
    status = request.GET.get("status", "")
    if status not in DeliveryStatus.values:
        status = ""
    channel = request.GET.get("channel", "")
    if channel not in Channel.values:
        channel = ""
    qs = delivery_list_for_user(user, status=status, channel=channel)
    page = Paginator(qs, DELIVERY_PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page.object_list:
        message.masked_address = masked_address(message)
    query = "&".join(f"{k}={v}" for k, v in (("status", status), ("channel", channel)) if v)
    context = {
        "figures": delivery_figures_for_user(user),
        "figure_labels": [s.label for s in FIGURE_STATUSES],
        "page": page,
        "status": status,
        "channel": channel,
        "statuses": DeliveryStatus.choices,
        "channels": Channel.choices,
        "query": query,
        "here": f"{request.path}?{request.GET.urlencode()}" if request.GET else request.path,
    }
    return render(request, "notifications/deliveries.html", context)


@login_required
@require_POST
def delivery_resend_view(request, message_id):
    user = _operator(request)
    message = access.delivery_for_user(user, message_id)
    try:
        delivery_resend(actor=user, message=message)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The message to %(name)s is queued again and goes out in a moment.")
            % {"name": message.recipient.display_name},
        )
    target = request.POST.get("next", "")
    return redirect(target if _same_site(request, target) else reverse("delivery_list"))

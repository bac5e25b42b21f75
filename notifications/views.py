from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import access
from core.errors import Conflict, Forbidden, InvalidInput
from core.forms import apply_service_error
from core.http import is_local_path

from . import wechat_web
from .contact_change import contact_change_confirm, pending_changes
from .forms import ContactConfirmForm, NotificationPreferenceForm
from .models import Channel, DeliveryStatus
from .selectors import (
    FIGURE_STATUSES,
    delivery_figures_for_user,
    delivery_for_user,
    delivery_list_for_user,
    inbox_for_user,
    inbox_message_for_user,
    masked_address,
    masked_openid,
    notification_preference_for_user,
    unread_count,
)
from .services import (
    delivery_resend,
    inbox_mark_read,
    notification_preference_update,
    wechat_bind,
    wechat_unbind,
)

PAGE_SIZE = 30
DELIVERY_PAGE_SIZE = 50


def _same_site(request, target: str) -> bool:
    return is_local_path(request, target)


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
def inbox_settings(request, confirm_forms=None, status=200):
    """The caller's own channels; there is no id in the address, so nobody edits another's."""
    confirm_forms = confirm_forms or {}
    user = request.user
    preference = notification_preference_for_user(user)
    wechat_bound = bool(preference.wechat_openid)
    wechat_enabled = wechat_web.config() is not None
    form_options = {"wechat_bound": wechat_bound, "wechat_enabled": wechat_enabled}
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST, **form_options)
        if form.is_valid():
            try:
                saved = notification_preference_update(actor=user, **form.cleaned_data)
            except InvalidInput as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Your notification settings are saved."))
                if saved.pending_contacts:
                    messages.info(
                        request,
                        _("We sent a code to the new number or address: enter it below to use it."),
                    )
                return redirect("inbox_settings")
    else:
        form = NotificationPreferenceForm(
            **form_options,
            initial={
                "by_sms": preference.by_sms,
                "by_wechat": preference.by_wechat,
                "by_email": preference.by_email,
                "phone": user.phone,
                "email": user.email,
            },
        )
    pending = pending_changes(user)
    context = {
        "form": form,
        "pending": [
            (kind, value, confirm_forms.get(kind) or ContactConfirmForm(initial={"kind": kind}))
            for kind, value in sorted(pending.items())
        ],
        "wechat_enabled": wechat_enabled,
        "wechat_bound": wechat_bound,
        "wechat_masked": masked_openid(preference.wechat_openid) if wechat_bound else "",
        "in_wechat": "MicroMessenger" in request.headers.get("User-Agent", ""),
    }
    return render(request, "notifications/settings.html", context, status=status)


@login_required
@require_POST
def contact_confirm_view(request):
    """The code sent to a new number or address; the settings page again when it is wrong."""
    form = ContactConfirmForm(request.POST)
    if form.is_valid():
        try:
            contact_change_confirm(actor=request.user, **form.cleaned_data)
        except (InvalidInput, Conflict) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Confirmed: the new one is in use."))
            return redirect("inbox_settings")
    request.method = "GET"  # show the page as it is, with this form's errors
    kind = form.data.get("kind") if form.data.get("kind") in ("phone", "email") else "phone"
    return inbox_settings(request, confirm_forms={kind: form}, status=422)


# --- binding WeChat (the official account's web authorisation) ---------------------------------


def _wechat_redirect_uri(request) -> str:
    path = reverse("wechat_callback")
    site = getattr(settings, "SITE_URL", "")
    return f"{site.rstrip('/')}{path}" if site else request.build_absolute_uri(path)


@login_required
def wechat_bind_start(request):
    """Send the person to WeChat, which sends them back to `wechat_callback` with a code."""
    conf = wechat_web.config()
    if conf is None:
        messages.error(request, _("The county has not enabled WeChat notifications."))
        return redirect("inbox_settings")
    state = wechat_web.make_state(request.session, request.user)
    return redirect(
        wechat_web.authorize_url(conf, redirect_uri=_wechat_redirect_uri(request), state=state)
    )


def _wechat_refusal(error: wechat_web.WeChatAnswerError) -> str:
    if error.errcode == 0:
        return _("WeChat could not be reached just now; please try again in a moment.")
    if error.errcode in (40029, 40163, 41008):  # invalid, used or missing code
        return _(
            "WeChat did not accept this authorisation (code %(code)d); please tap “Bind WeChat” again."
        ) % {"code": error.errcode}
    return _("WeChat refused the binding (code %(code)d); please try again, or tell the county administrator if it keeps happening.") % {"code": error.errcode}  # fmt: skip


@login_required
def wechat_callback(request):
    """WeChat sends the person back here with `code` and our `state`. The state must be the one
    made for this user in this session, so nobody can bind their WeChat to another's account."""
    conf = wechat_web.config()
    if conf is None:
        messages.error(request, _("The county has not enabled WeChat notifications."))
        return redirect("inbox_settings")
    code, state = request.GET.get("code", ""), request.GET.get("state", "")
    if not wechat_web.check_state(request.session, request.user, state):
        messages.error(request, _("This binding link has expired or belongs to another account; please tap “Bind WeChat” again."))  # fmt: skip
        return redirect("inbox_settings")
    if not code or len(code) > 128:
        messages.error(request, _("WeChat did not authorise the binding; please try again."))
        return redirect("inbox_settings")
    try:
        openid = wechat_web.exchange_code(conf, code)
        wechat_bind(actor=request.user, openid=openid)
    except wechat_web.WeChatAnswerError as exc:
        messages.error(request, _wechat_refusal(exc))
    except (Conflict, InvalidInput) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("WeChat is bound: messages now also come by WeChat."))
    return redirect("inbox_settings")


@login_required
@require_POST
def wechat_unbind_view(request):
    try:
        wechat_unbind(actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("WeChat is unbound: no more messages come by WeChat."))
    return redirect("inbox_settings")


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
    message = delivery_for_user(user, message_id)
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

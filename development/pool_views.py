"""Pages of the pool beyond the calls: invited experts (邀一批), hired practitioners and
campaigns (聘一批), the reserve (备一批). County admins, and town admins for their town. Every
list renders the columns its workbook exports (pool_export)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import access
from core.pages import filters_from, form_page, paged
from core.timeutil import aware
from core.xlsx import wants_xlsx, xlsx_list_response
from lecturers.models import Lecturer, LecturerStatus
from orgs.models import OrgLevel

from . import pool_selectors as selectors
from . import pool_services as services
from .certificate import HIRING_LETTER_TEMPLATE, hiring_letter_context, hiring_letter_pdf
from .pool_export import CAMPAIGN_COLUMNS, HIRING_COLUMNS, INVITATION_COLUMNS, RESERVE_COLUMNS
from .pool_forms import (
    CampaignForm,
    CampaignSessionForm,
    HiringForm,
    InvitationForm,
    InvitedSessionForm,
    PromoteForm,
    ReserveFilterForm,
    ReserveForm,
)
from .selectors import calls_for_user

PAGE_SIZE = 30


def managed_orgs(user, *, levels=(OrgLevel.COUNTY, OrgLevel.TOWN)):
    """The organisations the caller administers, for the forms' choices."""
    orgs = access.orgs_visible_to(user).filter(level__in=levels).order_by("level", "name", "id")
    return [o for o in orgs if access.may_manage_pool_record(user, o)]


def list_page(request, rows, columns, *, title, name, context, row_url=None):
    """A list as cards on the page (first column as the title, the others as facts) or as a
    workbook with `?format=xlsx`."""
    if wants_xlsx(request):
        return xlsx_list_response(rows, columns, title=title, name=name)
    page = paged(request, rows, PAGE_SIZE)
    cards = [
        {
            "title": columns[0].value(item),
            "facts": [(c.header, c.value(item)) for c in columns[1:]],
            "url": row_url(item) if row_url else "",
        }
        for item in page["page"].object_list
    ]
    return render(
        request,
        "development/pool_list.html",
        {**page, **context, "cards": cards, "title": title},
    )


def _current_year() -> int:
    return timezone.localdate().year


# --- 邀一批 ------------------------------------------------------------------------------------


@login_required
def invitation_list(request):
    selectors.require_pool_admin(request.user)
    rows = selectors.invitations_for_user(request.user)
    context = {
        "intro": _(
            "Outside experts invited to teach: provincial and city party-school "
            "professors, institute experts, model figures from other regions. Their "
            "sessions are counted apart from the pool's."
        ),
        "new_url": "development:invitation_new",
        "new_label": _("Invite an expert"),
        "empty": _(
            "No experts invited yet. Invite one with a topic, then record each session they give."
        ),
        "figures": selectors.session_figures(request.user, _current_year()),
        "testid": "invitation",
    }
    return list_page(
        request, rows, INVITATION_COLUMNS, title=gettext_lazy("Invited experts"),
        name="invitations", context=context,
        row_url=lambda i: reverse("development:invitation", args=[i.pk]),
    )  # fmt: skip


@login_required
def invitation_new(request):
    selectors.require_pool_admin(request.user)
    form = InvitationForm(request.POST or None, orgs=managed_orgs(request.user))

    def act(data):
        invitation = services.invitation_create(actor=request.user, **data)
        return redirect("development:invitation", invitation.pk)

    return form_page(
        request, form, act, template="development/pool_form.html",
        context={"title": _("Invite an expert"), "back": "development:invitations",
                 "back_label": _("Invited experts")},
    )  # fmt: skip


def _invitation_page(request, invitation, form=None, status=200):
    context = {
        "invitation": invitation,
        "sessions": invitation.sessions.all(),
        "form": form or InvitedSessionForm(),
        "may_edit": access.may_manage_pool_record(request.user, invitation.org),
    }
    return render(request, "development/invitation.html", context, status=status)


@login_required
def invitation_detail(request, invitation_id):
    invitation = selectors.invitation_for_user(request.user, invitation_id)
    if request.method != "POST":
        return _invitation_page(request, invitation)
    form = InvitedSessionForm(request.POST)

    def act(data):
        services.invited_session_add(
            actor=request.user, invitation=invitation,
            starts_at=data["starts_at"] and aware(data["starts_at"]),
            ends_at=data["ends_at"] and aware(data["ends_at"]),
            place=data["place"], attendees=data["attendees"] or 0,
        )  # fmt: skip
        messages.success(request, _("The session has been recorded."))
        return redirect("development:invitation", invitation.pk)

    return form_page(
        request, form, act, template="development/invitation.html",
        context={"invitation": invitation, "sessions": invitation.sessions.all(), "may_edit": True},
    )  # fmt: skip


# --- 聘一批 ------------------------------------------------------------------------------------


@login_required
def hiring_list(request):
    selectors.require_pool_admin(request.user)
    rows = selectors.hirings_for_user(request.user)
    context = {
        "intro": _(
            "Local practitioners hired with an appointment letter: leading cadres, rural "
            "entrepreneurs, senior technicians, outstanding members, village secretaries."
        ),
        "new_url": "development:hiring_new",
        "new_label": _("Hire a practitioner"),
        "empty": _("No practitioners hired yet. Hire one to issue the appointment letter."),
        "extra_url": "development:campaigns",
        "extra_label": _("Campaigns such as 我来讲党课"),
        "testid": "hiring",
    }
    return list_page(
        request, rows, HIRING_COLUMNS, title=gettext_lazy("Hired practitioners"),
        name="hired", context=context,
        row_url=lambda h: reverse("development:hiring", args=[h.pk]),
    )  # fmt: skip


@login_required
def hiring_new(request):
    selectors.require_pool_admin(request.user)
    scope = access.scope_for(request.user)
    lecturers = Lecturer.objects.filter(
        county_id=scope.county_id, status=LecturerStatus.ACTIVE, hiring__isnull=True
    ).filter(access.managed_lecturers_q(request.user))
    form = HiringForm(
        request.POST or None, orgs=managed_orgs(request.user),
        lecturers=lecturers.order_by("name_pinyin", "id")[:500],
    )  # fmt: skip

    def act(data):
        hiring = services.hiring_create(actor=request.user, **data)
        if hiring.initial_password:
            return _hiring_page(request, hiring, hiring.initial_password)
        messages.success(request, _("Hired; appointment letter %(no)s.") % {"no": hiring.letter_no})  # fmt: skip
        return redirect("development:hiring", hiring.pk)

    return form_page(
        request, form, act, template="development/pool_form.html",
        context={"title": _("Hire a practitioner"), "back": "development:hirings",
                 "back_label": _("Hired practitioners")},
    )  # fmt: skip


def _hiring_page(request, hiring, initial_password=""):
    context = {
        "hiring": hiring,
        "initial_password": initial_password,
        "is_admin": access.pool_records_q(request.user) is not None,
    }
    return render(request, "development/hired.html", context)


@login_required
def hiring_detail(request, hiring_id):
    """The hiring's facts with its appointment letter (admins over it, and the lecturer)."""
    return _hiring_page(request, selectors.hiring_for_user(request.user, hiring_id))


@login_required
def hiring_letter(request, hiring_id):
    """The appointment letter as a printable A4 page."""
    hiring = selectors.hiring_for_user(request.user, hiring_id)
    return render(request, HIRING_LETTER_TEMPLATE, hiring_letter_context(hiring))


@login_required
def hiring_letter_download(request, hiring_id):
    hiring = selectors.hiring_for_user(request.user, hiring_id)
    response = HttpResponse(hiring_letter_pdf(hiring), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="appointment-letter-{hiring.pk}.pdf"'
    return response


@login_required
def campaign_list(request):
    selectors.require_pool_admin(request.user)
    rows = selectors.campaigns_for_user(request.user)
    context = {
        "intro": _(
            "Campaigns such as 我来讲党课 and 身边榜样讲党课 group the pool's sessions "
            "and count them."
        ),
        "new_url": "development:campaign_new",
        "new_label": _("Start a campaign"),
        "empty": _("No campaigns yet. Start one, then count the sessions held under it."),
        "testid": "campaign",
    }
    return list_page(
        request, rows, CAMPAIGN_COLUMNS, title=gettext_lazy("Campaigns"), name="campaigns",
        context=context, row_url=lambda c: reverse("development:campaign", args=[c.pk]),
    )  # fmt: skip


@login_required
def campaign_new(request):
    selectors.require_pool_admin(request.user)
    form = CampaignForm(request.POST or None, orgs=managed_orgs(request.user))

    def act(data):
        campaign = services.campaign_create(actor=request.user, **data)
        return redirect("development:campaign", campaign.pk)

    return form_page(
        request, form, act, template="development/pool_form.html",
        context={"title": _("Start a campaign"), "back": "development:campaigns",
                 "back_label": _("Campaigns")},
    )  # fmt: skip


@login_required
def campaign_detail(request, campaign_id):
    campaign = selectors.campaign_for_user(request.user, campaign_id)
    candidates = selectors.campaign_candidates(request.user, campaign)[:300]
    form = CampaignSessionForm(request.POST or None, bookings=candidates)

    def act(data):
        services.campaign_session_add(
            actor=request.user, campaign=campaign, booking_id=data["booking_id"]
        )
        messages.success(request, _("The session is counted in the campaign."))
        return redirect("development:campaign", campaign.pk)

    context = {
        "campaign": campaign,
        "sessions": selectors.campaign_sessions(campaign),
        "may_edit": access.may_manage_pool_record(request.user, campaign.org),
    }
    return form_page(request, form, act, template="development/campaign.html", context=context)


# --- 备一批 ------------------------------------------------------------------------------------


@login_required
def reserve_list(request):
    selectors.require_pool_admin(request.user)
    filter_form = ReserveFilterForm(request.GET or None)
    rows = selectors.reserve_for_user(request.user, **filters_from(filter_form))
    context = {
        "intro": _(
            "Young members found at docent contests and the monthly Youth Pioneer forum. "
            "Put one forward to a call: they then go through the same review."
        ),
        "new_url": "development:reserve_new",
        "new_label": _("Add to the reserve"),
        "empty": _(
            "Nobody in the reserve yet. Add the members a docent contest or the youth "
            "forum brought forward."
        ),
        "filter_form": filter_form,
        "testid": "reserve",
    }
    return list_page(
        request, rows, RESERVE_COLUMNS, title=gettext_lazy("Reserve"), name="reserve",
        context=context, row_url=lambda m: reverse("development:reserve_member", args=[m.pk]),
    )  # fmt: skip


def _units(user):
    return managed_orgs(user, levels=(OrgLevel.COUNTY, OrgLevel.TOWN, OrgLevel.VILLAGE))


@login_required
def reserve_new(request):
    selectors.require_pool_admin(request.user)
    form = ReserveForm(request.POST or None, orgs=_units(request.user))

    def act(data):
        services.reserve_add(actor=request.user, **data)
        messages.success(request, _("Added to the reserve."))
        return redirect("development:reserve")

    return form_page(
        request, form, act, template="development/pool_form.html",
        context={"title": _("Add to the reserve"), "back": "development:reserve",
                 "back_label": _("Reserve")},
    )  # fmt: skip


@login_required
def reserve_detail(request, member_id):
    member = selectors.reserve_member_for_user(request.user, member_id)
    calls = [c for c in calls_for_user(request.user) if c.is_open]
    form = PromoteForm(request.POST or None, calls=calls)

    def act(data):
        nomination = services.reserve_promote(actor=request.user, member=member, **data)
        messages.success(request, _("Put forward; the nomination now goes through the review."))
        return redirect("development:nomination", nomination.pk)

    context = {"member": member, "open_calls": calls}
    return form_page(request, form, act, template="development/reserve.html", context=context)

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from core.timeutil import local
from notifications.contact_change import contact_change_confirm, pending_changes
from notifications.selectors import (
    inbox_for_user,
    notification_preference_for_user,
    unread_count,
)
from notifications.services import inbox_mark_read, notification_preference_update

from ..auth import BearerToken
from ..idempotency import idempotent
from ..schemas import READ_ERRORS, WRITE_ERRORS, Id, PageParams, paginate

# The caller's own inbox and settings: a province admin, who otherwise only reads, may write them.
OWN_ACCOUNT = BearerToken(own_account=True)
router = Router(tags=["notifications"])


class MessageOut(Schema):
    id: int
    event: str
    title: str
    body: str
    url: str
    created_at: datetime
    read: bool = Field(..., alias="is_read")


class Inbox(Schema):
    items: list[MessageOut]
    count: int
    unread: int


class ReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=500, description="omit to mark everything read")


class ReadOut(Schema):
    marked: int


@router.get(
    "/inbox", response={200: Inbox, **READ_ERRORS}, summary="My in-app messages, newest first"
)
def inbox(request, params: Query[PageParams]):
    items, count = paginate(inbox_for_user(request.auth), params)
    for message in items:
        message.is_read = message.read_at is not None
        message.created_at = local(message.created_at)
    return {"items": items, "count": count, "unread": unread_count(request.auth)}


@router.post(
    "/inbox/read",
    auth=OWN_ACCOUNT,
    response={200: ReadOut, **READ_ERRORS},
    summary="Mark messages read",
)
def inbox_read(request, payload: ReadIn):
    return {"marked": inbox_mark_read(user=request.auth, message_ids=payload.ids)}


class PreferenceOut(Schema):
    by_sms: bool
    by_wechat: bool
    by_email: bool
    phone: str = Field(..., description="the caller's own mobile number, in full")
    email: str
    wechat_bound: bool = Field(..., description="a WeChat account is bound (mini-program login)")
    pending_phone: str = Field(
        "", description="a new number waiting for its code (masked); confirm at /me/contact/confirm"
    )
    pending_email: str = Field("", description="a new address waiting for its code (masked)")


class ContactConfirmIn(Schema):
    kind: Literal["phone", "email"]
    code: str = Field(..., max_length=12, description="the six digits sent to the new one")


class PreferenceIn(Schema):
    by_sms: bool
    by_wechat: bool
    by_email: bool
    phone: str | None = Field(
        None, max_length=32, description="omit to keep the account's number; empty removes it"
    )
    email: str | None = Field(
        None, max_length=254, description="omit to keep the account's address; empty removes it"
    )


def _preference_out(user) -> dict:
    preference = notification_preference_for_user(user)
    pending = pending_changes(user)
    return {
        "pending_phone": pending.get("phone", ""),
        "pending_email": pending.get("email", ""),
        "by_sms": preference.by_sms,
        "by_wechat": preference.by_wechat,
        "by_email": preference.by_email,
        "phone": user.phone,
        "email": user.email,
        "wechat_bound": bool(preference.wechat_openid),
    }


@router.get(
    "/me/notifications",
    response={200: PreferenceOut, **READ_ERRORS},
    summary="My notification channels (the in-app inbox is always on)",
)
def preference_get(request):
    return _preference_out(request.auth)


@router.put(
    "/me/notifications",
    auth=OWN_ACCOUNT,
    response={200: PreferenceOut, **WRITE_ERRORS},
    summary="Choose my notification channels; SMS needs a mobile, WeChat a bound account",
)
@decorate_view(idempotent)
def preference_put(request, payload: PreferenceIn):
    notification_preference_update(actor=request.auth, **payload.dict())
    return _preference_out(request.auth)


@router.post(
    "/me/contact/confirm",
    auth=OWN_ACCOUNT,
    response={200: PreferenceOut, **WRITE_ERRORS},
    summary="Enter the code sent to my new mobile number or e-mail address; it then replaces the old one",
)
def contact_confirm(request, payload: ContactConfirmIn):
    contact_change_confirm(actor=request.auth, kind=payload.kind, code=payload.code)
    return _preference_out(request.auth)

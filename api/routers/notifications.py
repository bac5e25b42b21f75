from datetime import datetime

from ninja import Field, Query, Router, Schema

from core.timeutil import local
from notifications.selectors import inbox_for_user, unread_count
from notifications.services import inbox_mark_read

from ..schemas import READ_ERRORS, Id, PageParams, paginate

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


@router.post("/inbox/read", response={200: ReadOut, **READ_ERRORS}, summary="Mark messages read")
def inbox_read(request, payload: ReadIn):
    return {"marked": inbox_mark_read(user=request.auth, message_ids=payload.ids)}

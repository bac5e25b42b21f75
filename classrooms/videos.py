"""Cloud classroom (云上课堂, G7b): video lessons of a course, uploaded in chunks that resume or
given as a link; checked with ffprobe for what they really are, a poster frame made with
ffmpeg; the views and minutes watched, counted by member group and town.

The upload protocol: the first request sends `offset` 0 with the whole `total_size` and the
first chunk, and gets the lesson's id; each next request sends that `upload_id`, the `offset`
the server has (the list shows `received_bytes`, so an interrupted upload resumes there) and
the next chunk. A chunk at any other offset is refused (409). When the last byte arrives the
file is probed: a file that is not a whole MP4 or WebM video is refused (422) and forgotten.
"""

import json
import os
import shutil
import subprocess
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from access.services import org_require_active
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from core.storage import private_storage
from core.text import clean_text, parse_id
from courses.models import Classroom, Course, CourseStatus
from orgs.models import MemberGroup, Organisation
from scheduling.services import booking_record_held

from .models import GroupViewing, VideoLesson, VideoStatus, VideoView

PROBE_SECONDS = 60
MAX_VIDEO_SECONDS = 4 * 3600
CONTAINERS = {"mp4": "mov,mp4,m4a,3gp,3g2,mj2", "webm": "matroska,webm"}
CONTENT_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
# How many seconds one beacon may add: the page reports every few seconds.
MAX_BEACON_SECONDS = 120


def max_video_bytes() -> int:
    return settings.VIDEO_MAX_BYTES


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise Conflict(
            _("Video files cannot be checked on this server (ffmpeg is missing); give a link."),
            code="ffmpeg_missing",
        )
    return path


def _require_editor(actor, course: Course) -> None:
    if not access.may_edit_courses_of(actor, course.lecturer):
        raise Forbidden(_("Only the course's lecturer or the county adds its video lessons."))


def _container_of(head: bytes) -> str:
    """What the first bytes say the file is: an MP4 (`ftyp` box) or a WebM (EBML header)."""
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return ""


def _not_a_video() -> InvalidInput:
    return InvalidInput.field(
        "chunk", _("This file is not a whole MP4 or WebM video (perhaps truncated or renamed).")
    )


def _mp4_is_whole(path: str) -> bool:
    """Every top-level MP4 box ends inside the file and the last one at its end: a cut-off
    upload leaves a box that claims more bytes than there are."""
    size = os.path.getsize(path)
    position = 0
    with open(path, "rb") as handle:
        while position < size:
            handle.seek(position)
            header = handle.read(16)
            if len(header) < 8:
                return False
            box = int.from_bytes(header[:4], "big")
            if box == 1:
                if len(header) < 16:
                    return False
                box = int.from_bytes(header[8:16], "big")
            elif box == 0:
                box = size - position
            if box < 8 or position + box > size:
                return False
            position += box
    return True


def probe(path: str) -> tuple[str, float]:
    """(container, duration in seconds) of a video file, by ffprobe; InvalidInput otherwise."""
    try:
        result = subprocess.run(
            [_tool("ffprobe"), "-v", "error", "-show_entries",
             "format=format_name,duration:stream=codec_type", "-of", "json", path],
            capture_output=True, timeout=PROBE_SECONDS, check=False,
        )  # fmt: skip
        facts = json.loads(result.stdout or b"{}")
    except (OSError, subprocess.TimeoutExpired, ValueError):
        raise _not_a_video() from None
    fmt = facts.get("format", {})
    container = next(
        (name for name, formats in CONTAINERS.items() if fmt.get("format_name") == formats), ""
    )
    try:
        duration = float(fmt.get("duration", 0))
    except (TypeError, ValueError):
        duration = 0.0
    has_video = any(s.get("codec_type") == "video" for s in facts.get("streams", []))
    if result.returncode != 0 or not container or not has_video or duration <= 0:
        raise _not_a_video()
    if container == "mp4" and not _mp4_is_whole(path):
        raise _not_a_video()
    if duration > MAX_VIDEO_SECONDS:
        raise InvalidInput.field("chunk", _("A video lesson may last at most four hours."))
    return container, duration


def make_poster(path: str, duration: float) -> bytes:
    """A JPEG frame from the first second (or the middle of a shorter video)."""
    at = f"{min(1.0, duration / 2):.2f}"
    result = subprocess.run(
        [_tool("ffmpeg"), "-v", "error", "-ss", at, "-i", path, "-frames:v", "1", "-vf",
         "scale=640:-2", "-f", "image2", "-c:v", "mjpeg", "pipe:1"],
        capture_output=True, timeout=PROBE_SECONDS, check=False,
    )  # fmt: skip
    if result.returncode != 0 or not result.stdout:
        raise _not_a_video()
    return result.stdout


def _clean_title(errors: FieldErrors, title) -> str:
    return errors.check(clean_text, title, field="title", max_length=200)


def video_link_create(*, actor, course: Course, title: str, url: str) -> VideoLesson:
    """A lesson that lives elsewhere (a video platform the county uses): its http(s) link."""
    _require_editor(actor, course)
    errors = FieldErrors()
    title = _clean_title(errors, title)
    url = errors.check(clean_text, url, field="url", max_length=500)
    if url and not url.startswith(("https://", "http://")):
        errors.add("url", _("Enter a link starting with https://."))
    errors.raise_if_any()
    with transaction.atomic():
        lesson = VideoLesson.objects.create(
            course=course, county_id=course.county_id, title=title, external_url=url,
            status=VideoStatus.READY, uploaded_by=actor,
        )  # fmt: skip
        audit(actor=actor, action="video.link", obj=lesson, county_id=course.county_id,
              after={"course": course.pk, "url": url})  # fmt: skip
    return lesson


def _partial_name(lesson_id: int) -> str:
    return f"videos/partial/{lesson_id}.part"


def video_upload_chunk(
    *, actor, course: Course, chunk, offset, total_size=None, upload_id=None, title: str = ""
) -> VideoLesson:
    """Take one chunk of a lesson's upload (see the module's docstring). Returns the lesson:
    `uploading` while bytes are missing, `ready` once the last chunk made a whole video."""
    _require_editor(actor, course)
    data = chunk.read() if chunk is not None else b""
    if not data:
        raise InvalidInput.field("chunk", _("The chunk is empty: the file has no bytes."))
    offset = parse_id(offset) if offset not in (0, "0") else 0
    if offset is None:
        raise InvalidInput.field("offset", _("Enter the byte offset of the chunk."))
    if upload_id in (None, ""):
        return _start(actor, course, data, offset, total_size, title)
    lesson = VideoLesson.objects.filter(
        pk=parse_id(upload_id), course=course, status=VideoStatus.UPLOADING
    ).first()
    if lesson is None:
        raise NotFound()
    with transaction.atomic():
        # Lock, re-check, write: two chunks of one upload are never appended at once.
        lesson = VideoLesson.objects.select_for_update().get(pk=lesson.pk)
        if lesson.status != VideoStatus.UPLOADING or offset != lesson.received_bytes:
            raise Conflict(
                _("Chunk out of order: the server has %(n)d bytes; send the chunk from there.")
                % {"n": lesson.received_bytes},
                code="chunk_out_of_order",
            )
        if offset + len(data) > lesson.size_bytes:
            raise InvalidInput.field("chunk", _("The chunk goes past the file's announced size."))
        _write_at(_partial_name(lesson.pk), offset, data)
        lesson.received_bytes = offset + len(data)
        lesson.save(update_fields=["received_bytes", "updated_at"])
    if lesson.received_bytes == lesson.size_bytes:
        return _finish(actor, lesson)
    return lesson


def _start(actor, course, data: bytes, offset: int, total_size, title) -> VideoLesson:
    errors = FieldErrors()
    title = _clean_title(errors, title)
    size = parse_id(total_size)
    limit = max_video_bytes()
    if offset != 0:
        errors.add("offset", _("A new upload starts at offset 0."))
    if size is None:
        errors.add("total_size", _("Give the file's size in bytes; an empty file is refused."))
    elif size > limit:
        errors.add(
            "total_size",
            _("A video may be at most %(limit)d MB; this one is %(size).1f MB.")
            % {"limit": limit // (1024 * 1024), "size": size / (1024 * 1024)},
        )
    elif len(data) > size:
        errors.add("chunk", _("The chunk goes past the file's announced size."))
    errors.raise_if_any()
    if not _container_of(data[:16]):
        raise _not_a_video()
    with transaction.atomic():
        lesson = VideoLesson.objects.create(
            course=course, county_id=course.county_id, title=title, size_bytes=size,
            received_bytes=len(data), uploaded_by=actor,
        )  # fmt: skip
        _write_at(_partial_name(lesson.pk), 0, data)
    if lesson.received_bytes == lesson.size_bytes:
        return _finish(actor, lesson)
    return lesson


def _write_at(name: str, offset: int, data: bytes) -> None:
    path = private_storage().path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "r+b" if os.path.exists(path) else "wb") as handle:
        handle.truncate(offset)
        handle.seek(offset)
        handle.write(data)


def _finish(actor, lesson: VideoLesson) -> VideoLesson:
    """Probe the whole file; a real video is kept with its poster, anything else forgotten."""
    storage = private_storage()
    partial = storage.path(_partial_name(lesson.pk))
    try:
        container, duration = probe(partial)
        poster = make_poster(partial, duration)
    except InvalidInput:
        VideoLesson.objects.filter(pk=lesson.pk).delete()
        os.remove(partial)
        raise
    stem = f"videos/{uuid.uuid4().hex}"
    final = storage.path(f"{stem}.{container}")
    os.replace(partial, final)
    poster_name = storage.save(f"{stem}.jpg", ContentFile(poster))
    with transaction.atomic():
        VideoLesson.objects.filter(pk=lesson.pk).update(
            file=f"{stem}.{container}", poster=poster_name, container=container,
            duration_seconds=duration, status=VideoStatus.READY,
        )  # fmt: skip
        lesson.refresh_from_db()
        audit(actor=actor, action="video.upload", obj=lesson, county_id=lesson.county_id,
              after={"course": lesson.course_id, "seconds": round(duration),
                     "bytes": lesson.size_bytes})  # fmt: skip
    return lesson


# --- reads and the beacon ---------------------------------------------------------------------


def videos_of(user, course: Course):
    """The course's lessons: the ready ones to everyone who sees the course; unfinished
    uploads too to those who may add lessons, so that they can resume them."""
    qs = VideoLesson.objects.filter(course=course)
    if not access.may_edit_courses_of(user, course.lecturer):
        qs = qs.filter(status=VideoStatus.READY)
    return qs.annotate(view_count=Count("views"), seconds_watched=Sum("views__seconds"))


def ready_lesson(lesson_id) -> VideoLesson:
    """A lesson as the public watch page shows it: ready, of a course still offered."""
    lesson = (
        VideoLesson.objects.filter(pk=parse_id(lesson_id), status=VideoStatus.READY)
        .select_related("course", "course__lecturer")
        .first()
    )
    if lesson is None or lesson.course.status != CourseStatus.ACTIVE:
        raise NotFound()
    return lesson


def view_record(*, lesson: VideoLesson, view_id=None, seconds=0, org_id=None) -> VideoView:
    """The watch page's beacon: the first call opens a view (for the branch link's member
    group and town), the next ones add the seconds watched since, up to the lesson's length."""
    seconds = parse_id(seconds) if seconds not in (0, "0") else 0
    if seconds is None or seconds > MAX_BEACON_SECONDS:
        raise InvalidInput.field("seconds", _("Report between 0 and 120 seconds at a time."))
    if view_id not in (None, ""):
        view = VideoView.objects.filter(pk=parse_id(view_id), lesson=lesson).first()
        if view is None:
            raise NotFound()
        cap = int(lesson.duration_seconds or 0) + MAX_BEACON_SECONDS
        VideoView.objects.filter(pk=view.pk, seconds__lte=cap - seconds).update(
            seconds=F("seconds") + seconds
        )
        view.refresh_from_db()
        return view
    org = Organisation.objects.filter(pk=parse_id(org_id), county_id=lesson.county_id).first()
    return VideoView.objects.create(
        lesson=lesson,
        group=org.group if org else "",
        town_id=access.org_town_id(org) if org else None,
        seconds=seconds,
    )


def view_figures(lesson: VideoLesson) -> dict:
    """Views and minutes watched by member group and by town; each list sums to the total."""
    views = VideoView.objects.filter(lesson=lesson)

    def rows(field):
        return [
            (key, n, round((s or 0) / 60, 1))
            for key, n, s in views.values_list(field)
            .annotate(n=Count("id"), s=Sum("seconds"))
            .order_by("-n", field)
            .values_list(field, "n", "s")
        ]

    total = views.aggregate(n=Count("id"), s=Sum("seconds"))
    return {
        "views": total["n"],
        "minutes": round((total["s"] or 0) / 60, 1),
        "by_group": rows("group"),
        "by_town": rows("town__name"),
    }


# --- group viewings: a branch watches a lesson together (集中观看) -----------------------------

# A viewing is logged soon after it was held: its QR code opens for the ratings only for the
# county's rating window after the end, and an old viewing would be a claim nobody can check.
GROUP_VIEWING_MAX_AGE = timedelta(days=30)
MAX_VIEWERS = 2000
# The length of a lesson given as a link, whose duration the server does not know.
LINKED_LESSON_LENGTH = timedelta(minutes=45)


def group_viewing_orgs(user, lesson: VideoLesson) -> list[Organisation]:
    """The organisations the caller may log a viewing for: those it books for, in the lesson's
    county (a lesson is its county's)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [org for org in access.orgs_bookable_by(user) if org.county_id == lesson.county_id]


def group_viewing_log(
    *, actor, lesson: VideoLesson, org_id, held_at, attendees, group: str = ""
) -> GroupViewing:
    """A branch (its secretary, or an admin above it) logs that its members watched `lesson`
    together: at `held_at`, `attendees` present, of a member group (the branch's by default).
    It becomes a completed cloud-classroom session of the course's lecturer, rated by QR."""
    try:
        org = access.org_for_user(actor, org_id)
    except NotFound:
        raise InvalidInput.field("org", _("Unknown organisation.")) from None
    if org.county_id != lesson.county_id or not access.may_book_for(actor, org):
        raise Forbidden(_("Only the branch, or an administrator above it, logs its viewings."))
    errors = FieldErrors()
    now = timezone.now()
    if not isinstance(held_at, datetime) or timezone.is_naive(held_at):
        errors.add("held_at", _("Enter the day and time the members watched the lesson."))
    elif held_at > now:
        errors.add("held_at", _("A viewing is logged once it has taken place, not before."))
    elif held_at < now - GROUP_VIEWING_MAX_AGE:
        errors.add("held_at", _("Log a viewing within 30 days of holding it."))
    count = parse_id(attendees)
    if count is None or not 1 <= count <= MAX_VIEWERS:
        errors.add(
            "attendees",
            _("Enter how many members watched, from 1 to %(max)d.") % {"max": MAX_VIEWERS},
        )
    group = group or org.group
    if group not in MemberGroup.values:
        errors.add("group", _("Choose the member group that watched."))
    errors.raise_if_any()
    org_require_active(org)
    length = (
        timedelta(seconds=max(60, round(lesson.duration_seconds)))
        if lesson.duration_seconds
        else LINKED_LESSON_LENGTH
    )
    with transaction.atomic():
        booking = booking_record_held(
            actor=actor, org=org, course=lesson.course, start_at=held_at,
            end_at=held_at + length, attendees=count, classroom=Classroom.CLOUD,
            venue=org.name, note=_("Group viewing of the video lesson “%(title)s”")
            % {"title": lesson.title}, data={"video_lesson": lesson.pk, "attendees": count},
        )  # fmt: skip
        viewing = GroupViewing.objects.create(
            lesson=lesson, booking=booking, county_id=lesson.county_id, org=org, group=group,
            attendees=count, logged_by=actor,
        )  # fmt: skip
        audit(actor=actor, action="video.group_viewing", obj=viewing, county_id=lesson.county_id,
              after={"lesson": lesson.pk, "org": org.pk, "attendees": count, "group": group,
                     "booking": booking.pk})  # fmt: skip
    return viewing


def group_viewings_of(user, lesson: VideoLesson):
    """The viewings of the lesson the caller's organisations logged (the county sees all)."""
    qs = GroupViewing.objects.filter(lesson=lesson).select_related("org", "booking")
    return access.scoped(qs, access.org_records_q(user, county_field="county_id"))

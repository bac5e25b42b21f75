"""Cloud classroom (G7b): video lessons uploaded in chunks that resume, checked by ffprobe,
with a poster; links; the video served in ranges for seeking; the views counted by member
group and town; and the bad files and bad chunks refused with nothing kept."""

import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from classrooms import videos
from classrooms.models import VideoLesson, VideoView

pytestmark = pytest.mark.ffmpeg
CHUNK = 2 * 1024


def make_video(tmp_path, name="lesson.mp4", seconds=3) -> bytes:
    """A small real video made by ffmpeg: MP4 (H.264) or WebM (VP9) by the name's suffix."""
    path = tmp_path / name
    codec = (
        ["-c:v", "libvpx-vp9", "-b:v", "200k"]
        if name.endswith(".webm")
        else ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=10:duration={seconds}", *codec, str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def url(world):
    return f"/api/v1/courses/{world.course.pk}/videos"


def post_form(api, world, form):
    return api.client.post(url(world), form, headers=api._headers(None))


def send(api, world, data: bytes, *, offset, upload_id=None, total=None, name="lesson.mp4"):
    form = {"offset": offset, "title": "乡村振兴第一讲"}
    if upload_id is not None:
        form["upload_id"] = upload_id
    if total is not None:
        form["total_size"] = total
    form["chunk"] = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return post_form(api, world, form)


def upload(api, world, data: bytes, name="lesson.mp4", stop_after=None):
    first = send(api, world, data[:CHUNK], offset=0, total=len(data), name=name)
    assert first.status_code in (201, 202), first.content
    upload_id, offset, sent = first.json()["id"], CHUNK, 1
    response = first
    while offset < len(data):
        if stop_after is not None and sent >= stop_after:
            break
        response = send(
            api, world, data[offset : offset + CHUNK], offset=offset, upload_id=upload_id, name=name
        )
        offset += CHUNK
        sent += 1
    return upload_id, response


def test_a_lesson_uploaded_in_chunks_resumes_and_is_checked(world, api_as, tmp_path):
    data = make_video(tmp_path)
    assert len(data) > 3 * CHUNK  # the premise: several chunks
    api = api_as(world.lecturer)
    upload_id, _partial = upload(api, world, data, stop_after=1)
    # The connection broke: the list says how far the server got; the upload resumes there.
    listed = api.get(url(world)).json()
    assert listed[0]["status"] == "uploading" and listed[0]["received_bytes"] == CHUNK
    assert api_as(world.secretary).get(url(world)).json() == []  # unfinished: not shown
    # A chunk at the wrong offset is refused, nothing appended.
    wrong = send(api, world, data[2 * CHUNK : 3 * CHUNK], offset=2 * CHUNK, upload_id=upload_id)
    assert wrong.status_code == 409 and wrong.json()["code"] == "chunk_out_of_order"
    assert VideoLesson.objects.get().received_bytes == CHUNK
    offset, response = CHUNK, None
    while offset < len(data):
        response = send(
            api, world, data[offset : offset + CHUNK], offset=offset, upload_id=upload_id
        )
        offset += CHUNK
    assert response.status_code == 201, response.content
    lesson = response.json()
    assert lesson["status"] == "ready" and lesson["container"] == "mp4"
    assert 2.5 < lesson["duration_seconds"] < 3.5
    stored = VideoLesson.objects.get()
    with stored.file.open("rb") as handle:
        assert handle.read() == data
    assert stored.poster and stored.poster.open("rb").read(2) == b"\xff\xd8"  # a JPEG
    seen = api_as(world.secretary).get(url(world)).json()
    assert [v["id"] for v in seen] == [stored.pk]


def test_a_webm_lesson(world, api_as, tmp_path):
    _id, response = upload(
        api_as(world.county_admin), world, make_video(tmp_path, "l.webm", 1), "l.webm"
    )
    assert response.status_code == 201, response.content
    assert response.json()["container"] == "webm"


@pytest.mark.parametrize("case", ["exe", "truncated", "empty"])
def test_what_is_not_a_whole_video_is_refused_and_nothing_is_kept(world, api_as, tmp_path, case):
    api = api_as(world.lecturer)
    if case == "exe":
        data = b"MZ\x90\x00" + os.urandom(5000)
        response = send(api, world, data, offset=0, total=len(data), name="lesson.mp4")
    elif case == "truncated":
        data = make_video(tmp_path)[:-4000]
        _id, response = upload(api, world, data)
    else:
        response = send(api, world, b"", offset=0, total=0)
    assert response.status_code == 422, response.content
    assert not VideoLesson.objects.exists()
    assert not any(files for _root, _dirs, files in os.walk(tmp_path / "private"))


def test_over_the_size_limit_the_limit_is_named(world, api_as, settings):
    settings.VIDEO_MAX_BYTES = 10 * 1024 * 1024
    response = send(
        api_as(world.lecturer), world, b"\x00\x00\x00\x20ftypisom", offset=0, total=11 * 1024 * 1024
    )
    assert response.status_code == 422
    assert "10 MB" in response.json()["fields"]["total_size"]  # the limit, named
    assert not VideoLesson.objects.exists()


def test_others_may_not_add_lessons(world, api_as):
    for user in (world.secretary, world.li.user, world.town_admin):
        response = post_form(api_as(user), world, {"title": "x", "url": "https://example.org/v"})
        assert response.status_code == 403
    outsider = post_form(api_as(world.outsider), world, {"title": "x", "url": "https://e.org/v"})
    assert outsider.status_code == 404
    bad = post_form(api_as(world.lecturer), world, {"title": "x", "url": "javascript:alert(1)"})
    assert bad.status_code == 422 and "url" in bad.json()["fields"]
    link = post_form(
        api_as(world.lecturer), world, {"title": "外链课", "url": "https://v.example.org/1"}
    )
    assert link.status_code == 201 and link.json()["external_url"] == "https://v.example.org/1"
    assert VideoLesson.objects.count() == 1


def test_the_video_is_served_in_ranges_and_views_are_counted(world, api_as, client, tmp_path):
    data = make_video(tmp_path, seconds=1)
    api = api_as(world.lecturer)
    _id, response = upload(api, world, data)
    lesson_id = response.json()["id"]
    whole = client.get(f"/lessons/{lesson_id}/video")
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    part = client.get(f"/lessons/{lesson_id}/video", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:200]
    tail = client.get(f"/lessons/{lesson_id}/video", HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == data[-50:]
    beyond = client.get(f"/lessons/{lesson_id}/video", HTTP_RANGE=f"bytes={len(data)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"
    page = client.get(f"/lessons/{lesson_id}/?org={world.branch.pk}")
    assert page.status_code == 200 and 'data-testid="lesson-video"' in page.content.decode()
    opened = client.post(f"/lessons/{lesson_id}/beacon", {"org": world.branch.pk, "seconds": 0})
    view = opened.json()["view"]
    client.post(f"/lessons/{lesson_id}/beacon", {"view": view, "seconds": 30})
    assert (
        client.post(f"/lessons/{lesson_id}/beacon", {"view": view, "seconds": 999}).status_code
        == 422
    )
    client.post(f"/lessons/{lesson_id}/beacon", {"seconds": 0})  # no branch link
    recorded = VideoView.objects.get(pk=view)
    assert (recorded.group, recorded.town_id, recorded.seconds) == ("rural", world.town.pk, 30)
    figures = videos.view_figures(VideoLesson.objects.get())
    assert figures["views"] == 2 and figures["minutes"] == 0.5
    assert sum(n for _g, n, _m in figures["by_group"]) == 2
    assert ("rural", 1, 0.5) in figures["by_group"]
    listed = api.get(url(world)).json()[0]
    assert (listed["views"], listed["minutes_watched"]) == (2, 0.5)
    assert client.get("/lessons/999999/video").status_code == 404

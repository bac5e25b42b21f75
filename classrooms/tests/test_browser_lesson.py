"""A member watches a cloud lesson on a 375 px phone from a branch's link: the video (WebM,
made by ffmpeg here) plays, seeks (the page asks the server for a range), and the view is
counted for the branch's member group and town."""

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium

pytestmark = [pytest.mark.browser, pytest.mark.ffmpeg]


def test_a_lesson_plays_seeks_and_is_counted_on_a_phone(
    live_server, transactional_db, allow_orm_beside_playwright, tmp_path
):
    from classrooms import videos
    from classrooms.models import VideoView
    from core.tests.factories import build_world

    world = build_world()
    path = tmp_path / "lesson.webm"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=6",
         "-c:v", "libvpx-vp9", "-b:v", "200k", str(path)],
        check=True,
    )  # fmt: skip
    data = path.read_bytes()
    lesson = videos.video_upload_chunk(
        actor=world.lecturer, course=world.course, title="乡村振兴第一讲", offset=0,
        total_size=len(data), chunk=SimpleUploadedFile("lesson.webm", data),
    )  # fmt: skip
    assert lesson.status == "ready"
    offline = Offline(live_server.url)
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        context = offline.phone(browser)
        csp = CspWatch(context)
        page = offline.watch(context.new_page())
        page.goto(f"{live_server.url}/lessons/{lesson.pk}/?org={world.branch.pk}")
        assert_fits_phone(page)
        video = page.locator("[data-testid=lesson-video]")
        video.evaluate("v => { v.muted = true; return v.play(); }")
        page.wait_for_function(
            "() => document.querySelector('video').currentTime > 1.5", timeout=15000
        )
        video.evaluate("v => { v.currentTime = 4; }")
        page.wait_for_function(
            "() => { const v = document.querySelector('video');"
            " return !v.seeking && v.currentTime >= 4; }",
            timeout=15000,
        )
        page.wait_for_function("() => document.querySelector('video').dataset.view", timeout=10000)
        video.evaluate("v => v.pause()")
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "lesson-375.png"), full_page=True)
        csp.assert_clean()
    offline.assert_clean()
    view = VideoView.objects.get(lesson=lesson)
    assert (view.group, view.town_id) == ("rural", world.town.pk)
    assert view.seconds >= 1

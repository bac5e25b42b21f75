"""One lecturer's management pages (/manage/lecturers/<id>/): who reaches them, the edit form
(bad input, photos, two admins at once), honours, and lifecycle moves that leave the
lecturer's future bookings for the county to decide."""

import io
import os
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from conftest import run_in_threads
from core.models import AuditLog
from core.tests.factories import make_course, make_lecturer, make_member, session
from lecturers.models import Lecturer, LecturerHonour, LecturerStatusChange
from notifications.models import InboxMessage
from orgs.models import Role
from scheduling.models import Booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def chen(world):
    """A town-level lecturer of 东镇, whom the world's town admin manages."""
    return make_lecturer(world.county, "陈七", org=world.branch, level="town", specialties="党史")


def pages(lecturer, honour=None) -> list[str]:
    base = f"/manage/lecturers/{lecturer.pk}/"
    paths = [base, base + "edit/", base + "honours/", base + "status/"]
    if honour is not None:
        paths.append(base + f"honours/{honour.pk}/withdraw/")
    return paths


def edit_data(lecturer, **change) -> dict:
    """The edit form as it comes filled in, with `change` applied."""
    data = {
        "version": lecturer.version, "name": lecturer.name, "gender": lecturer.gender,
        "birth_year": lecturer.birth_year or "", "org": lecturer.org_id or "",
        "unit": lecturer.unit, "post": lecturer.post, "source": lecturer.source,
        "level": lecturer.level, "specialties": lecturer.specialties,
        "teaching_style": lecturer.teaching_style, "bio": lecturer.bio,
        "lat": "" if lecturer.lat is None else lecturer.lat,
        "lng": "" if lecturer.lng is None else lecturer.lng,
        "appointed_from": lecturer.appointed_from or "",
        "appointed_until": lecturer.appointed_until or "",
    }  # fmt: skip
    data.update(change)
    return data


def image_bytes(fmt="PNG", size=(40, 30), *, exif: bool = False, noise: bool = False) -> bytes:
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0132] = "2024:05:01 10:00:00"  # DateTime
        image.save(buffer, format=fmt, exif=data)
    else:
        image.save(buffer, format=fmt)
    return buffer.getvalue()


def field_error(page: str, name: str) -> bool:
    return re.search(rf'class="field[^"]* has-error" id="field-{name}"', page) is not None


# --- who reaches the pages ------------------------------------------------------------------


def test_outsiders_are_refused_on_every_page_and_post(world, client, chen):
    honour = LecturerHonour.objects.create(lecturer=chen, title="commended", year=2024, note="好")
    other_town_admin = make_member("west_admin", world.other_town, Role.TOWN_ADMIN)
    entries = AuditLog.objects.count()
    refused = [
        (world.secretary, chen), (world.lecturer, chen), (chen.user, chen),
        (other_town_admin, chen), (world.outsider, chen),
        # a town admin: not a county-level lecturer, not another town's town-level lecturer
        (world.town_admin, world.zhang), (world.town_admin, world.li),
    ]  # fmt: skip
    for user, lecturer in refused:
        client.force_login(user)
        for path in pages(lecturer, honour if lecturer == chen else None):
            for method in ("get", "post"):
                data = {"status": "removed", "reason": "x", "title": "commended", "year": 2025}
                response = getattr(client, method)(path, data if method == "post" else None)
                assert response.status_code in (403, 404), (user, method, path)
    client.logout()
    for path in pages(chen, honour):
        assert client.get(path).status_code == 302
        assert client.post(path, {"status": "removed", "reason": "x"}).status_code == 302
    # another county's lecturer is not found for this county's admin
    client.force_login(world.county_admin)
    for path in pages(world.lecturer_b):
        assert client.get(path).status_code == 404
    assert AuditLog.objects.count() == entries
    assert Lecturer.objects.get(pk=chen.pk).status == "active"
    assert LecturerHonour.objects.filter(pk=honour.pk).exists()


def test_the_county_admin_sees_the_whole_lecturer_and_the_actions(world, client):
    zhang = world.zhang
    make_course(zhang, "新提的课", status="proposed")
    held = session(world, started_minutes_ago=60 * 24 * 2, status="completed")
    LecturerHonour.objects.create(lecturer=zhang, title="famous_lecturer", year=2024, note="考核好")
    Lecturer.objects.filter(pk=zhang.pk).update(
        appointed_from=date(2024, 1, 1), appointed_until=date(2026, 12, 31)
    )
    client.force_login(world.county_admin)
    page = client.get(f"/manage/lecturers/{zhang.pk}/").content.decode()
    assert zhang.phone in page  # county admins see the whole number
    assert "2024-01-01" in page and "2026-12-31" in page
    assert "2024 名师" in page
    assert "乡村振兴战略与农村产业发展" in page and "新提的课" in page and "待审批" in page
    held_this_year = timezone.localtime(held.start_at).year == timezone.localdate().year
    assert (f"/bookings/{held.pk}/" in page) == held_this_year
    for name in ("lecturer_edit", "lecturer_status", "lecturer_honours"):
        assert f'href="/manage/lecturers/{zhang.pk}/{name.split("_")[1]}/"' in page
    assert 'href="/manage/lecturers/"' in page


def test_a_town_admin_manages_the_town_s_lecturer_but_not_the_county_s_terms(world, client, chen):
    client.force_login(world.town_admin)
    page = client.get(f"/manage/lecturers/{chen.pk}/").content.decode()
    assert chen.name in page and chen.phone not in page and chen.phone[-4:] in page  # masked
    form = client.get(f"/manage/lecturers/{chen.pk}/edit/").content.decode()
    assert 'name="specialties"' in form and 'name="level"' not in form
    assert 'name="appointed_from"' not in form
    # an organisation of another town is not among the choices, nor taken
    assert f'value="{world.other_branch.pk}"' not in form
    moved = client.post(
        f"/manage/lecturers/{chen.pk}/edit/", edit_data(chen, org=world.other_branch.pk)
    )
    assert moved.status_code == 422 and field_error(moved.content.decode(), "org")
    saved = client.post(
        f"/manage/lecturers/{chen.pk}/edit/", edit_data(chen, specialties="党史、党建")
    )
    assert saved.status_code == 302
    assert Lecturer.objects.get(pk=chen.pk).specialties == "党史、党建"
    # honours are the county's: the page shows them, granting is refused
    honours = client.get(f"/manage/lecturers/{chen.pk}/honours/")
    assert honours.status_code == 200 and 'data-testid="grant-form"' not in honours.content.decode()
    grant = {"title": "commended", "year": 2024, "note": "好"}
    assert client.post(f"/manage/lecturers/{chen.pk}/honours/", grant).status_code == 403
    assert not LecturerHonour.objects.filter(lecturer=chen).exists()
    # the town admin moves the town's lecturer
    move = client.post(f"/manage/lecturers/{chen.pk}/status/", {"status": "cold_store", "reason": "考核差"})  # fmt: skip
    assert move.status_code == 302 and Lecturer.objects.get(pk=chen.pk).status == "cold_store"


# --- the edit form ---------------------------------------------------------------------------


def test_the_county_admin_edits_the_resume_level_and_appointment(world, client):
    zhang = world.zhang
    client.force_login(world.county_admin)
    response = client.post(
        f"/manage/lecturers/{zhang.pk}/edit/",
        edit_data(zhang, specialties="乡村振兴、党史", level="town", source="expert",
                  appointed_from="2025-01-01", appointed_until="2027-12-31", org=world.branch.pk),
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/manage/lecturers/{zhang.pk}/"
    fresh = Lecturer.objects.get(pk=zhang.pk)
    assert (fresh.specialties, fresh.level, fresh.source) == ("乡村振兴、党史", "town", "expert")
    assert (fresh.appointed_from, fresh.appointed_until) == (date(2025, 1, 1), date(2027, 12, 31))
    assert fresh.version == zhang.version + 1
    entry = AuditLog.objects.get(action="lecturer.update", object_id=str(zhang.pk))
    # only what changed is written and audited
    assert set(entry.after) == {"specialties", "level", "source", "appointed_from", "appointed_until"}  # fmt: skip
    assert entry.before["level"] == "county" and entry.actor == world.county_admin
    same = client.post(f"/manage/lecturers/{zhang.pk}/edit/", edit_data(fresh))
    assert same.status_code == 302 and Lecturer.objects.get(pk=zhang.pk).version == fresh.version


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"appointed_from": "2025-13-40"}, "appointed_from", "有效的日期"),
        ({"appointed_until": "明年"}, "appointed_until", "有效的日期"),
        (
            {"appointed_from": "2026-01-01", "appointed_until": "2025-01-01"},
            "appointed_until",
            "早于",
        ),
        ({"level": "province"}, "level", "有效的选项"),
        ({"source": "friend"}, "source", "有效的选项"),
        ({"name": ""}, "name", "必填"),
        ({"birth_year": "1850"}, "birth_year", "1920"),
        ({"birth_year": "nineteen"}, "birth_year", "整数"),
        ({"lat": "91", "lng": "118"}, "lat", ""),
        ({"org": "999999"}, "org", "有效的选项"),
    ],
)
def test_bad_input_marks_the_field_and_writes_nothing(world, client, change, field, message):
    zhang = world.zhang
    client.force_login(world.county_admin)
    response = client.post(f"/manage/lecturers/{zhang.pk}/edit/", edit_data(zhang, **change))
    page = response.content.decode()
    assert response.status_code == 422 and field_error(page, field), page
    assert message in page
    assert Lecturer.objects.get(pk=zhang.pk).version == zhang.version
    assert not AuditLog.objects.filter(action="lecturer.update").exists()


def test_a_photo_is_re_encoded_as_a_small_jpeg_without_its_metadata(
    world, client, django_capture_on_commit_callbacks
):
    zhang = world.zhang
    client.force_login(world.county_admin)
    photo = SimpleUploadedFile("me.png", image_bytes("PNG", (3000, 2000), exif=True), "image/png")
    response = client.post(f"/manage/lecturers/{zhang.pk}/edit/", {**edit_data(zhang), "photo": photo})  # fmt: skip
    assert response.status_code == 302
    fresh = Lecturer.objects.get(pk=zhang.pk)
    assert fresh.photo.name.startswith("lecturers/") and fresh.photo.name.endswith(".jpg")
    with Image.open(fresh.photo.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 1024 and stored.size[0] > stored.size[1]  # fmt: skip
        assert not stored.getexif()
    entry = AuditLog.objects.get(action="lecturer.update")
    assert entry.before == {"photo": ""} and entry.after == {"photo": fresh.photo.name}
    # a second photo replaces the first, whose file goes once the change is saved
    first = fresh.photo.path
    again = SimpleUploadedFile("b.jpg", image_bytes("JPEG"), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        replaced = client.post(f"/manage/lecturers/{zhang.pk}/edit/", {**edit_data(fresh), "photo": again})  # fmt: skip
    assert replaced.status_code == 302
    assert Lecturer.objects.get(pk=zhang.pk).photo.path != first and not os.path.exists(first)
    assert client.get(f"/manage/lecturers/{zhang.pk}/").content.decode().count("<img") >= 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", b"MZ\x90\x00 this is a program", "不是照片"),
        (
            "photo.jpg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
            "不是照片",
        ),
        ("photo.jpg", b"<!doctype html><html><script>alert(1)</script></html>", "不是照片"),
        ("photo.jpg", image_bytes("JPEG")[:200], "不是照片"),  # truncated
        ("photo.tiff", image_bytes("TIFF"), "不是照片"),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused(world, client, name, content, message):
    zhang = world.zhang
    client.force_login(world.county_admin)
    upload = SimpleUploadedFile(name, content, "image/jpeg")
    response = client.post(
        f"/manage/lecturers/{zhang.pk}/edit/",
        {**edit_data(zhang, specialties="不应保存"), "photo": upload},
    )
    page = response.content.decode()
    assert response.status_code == 422 and field_error(page, "photo") and message in page
    fresh = Lecturer.objects.get(pk=zhang.pk)
    assert not fresh.photo and fresh.specialties == zhang.specialties  # nothing half-written


def test_a_20_mb_photo_is_refused_with_the_limit_named(world, client, settings):
    zhang = world.zhang
    content = image_bytes("PNG", (2600, 2600), noise=True)
    assert len(content) > 19 * 1024 * 1024
    client.force_login(world.county_admin)
    upload = SimpleUploadedFile("big.png", content, "image/png")
    response = client.post(f"/manage/lecturers/{zhang.pk}/edit/", {**edit_data(zhang), "photo": upload})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 422 and field_error(page, "photo")
    assert "5 MB" in page
    assert not Lecturer.objects.get(pk=zhang.pk).photo
    assert not (settings.MEDIA_ROOT / "lecturers").exists()  # no file written


def test_two_admins_editing_at_once_the_second_is_told_and_loses_nothing(world, client):
    """Both load the form; the first saves; the second's save is refused with what the
    first changed, the first's change stays, and the second's entries are still in the form."""
    zhang = world.zhang
    second_admin = make_member("county_admin2", world.county, Role.COUNTY_ADMIN)
    path = f"/manage/lecturers/{zhang.pk}/edit/"
    client.force_login(world.county_admin)
    first_form = client.get(path).content.decode()
    client.force_login(second_admin)
    second_form = client.get(path).content.decode()
    version = re.search(r'name="version" value="(\d+)"', first_form).group(1)
    assert version == re.search(r'name="version" value="(\d+)"', second_form).group(1)

    client.force_login(world.county_admin)
    first = client.post(path, edit_data(zhang, version=version, name="张三丰甲"))
    assert first.status_code == 302
    client.force_login(second_admin)
    second = client.post(path, edit_data(zhang, version=version, bio="第二位管理员写的简介"))
    page = second.content.decode()
    assert second.status_code == 409 and 'data-testid="edit-conflict"' in page
    notice = page[page.index('data-testid="edit-conflict"') : page.index("</dl>")]
    assert "<dt>姓名</dt><dd>张三丰甲</dd>" in notice  # what the other change saved, shown
    assert "第二位管理员写的简介" in page  # the second admin's entry, kept in the form
    fresh = Lecturer.objects.get(pk=zhang.pk)
    assert fresh.name == "张三丰甲" and fresh.bio == "" and fresh.version == int(version) + 1
    # the form now carries the saved version: saving again is a deliberate choice that works
    new_version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert int(new_version) == fresh.version
    again = client.post(path, edit_data(fresh, version=new_version, bio="第二位管理员写的简介"))
    assert again.status_code == 302
    fresh = Lecturer.objects.get(pk=zhang.pk)
    assert fresh.name == "张三丰甲" and fresh.bio == "第二位管理员写的简介"


def test_an_edit_begun_before_a_status_move_is_told_and_can_be_saved_again(world, client):
    zhang = world.zhang
    path = f"/manage/lecturers/{zhang.pk}/edit/"
    client.force_login(world.county_admin)
    client.post(f"/manage/lecturers/{zhang.pk}/status/", {"status": "cold_store", "reason": "考核"})
    stale = client.post(path, edit_data(zhang, bio="冷库前开始写的简介"))
    page = stale.content.decode()
    assert stale.status_code == 409 and 'data-testid="edit-conflict"' in page
    notice = page[page.index('data-testid="edit-conflict"') : page.index("</dl>")]
    assert re.findall(r"<dt>(.*?)</dt>", notice) == ["个人简介"]  # only the own entry differs
    assert "冷库前开始写的简介" in page
    assert Lecturer.objects.get(pk=zhang.pk).bio == ""
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    again = client.post(path, edit_data(zhang, version=version, bio="冷库前开始写的简介"))
    assert again.status_code == 302
    fresh = Lecturer.objects.get(pk=zhang.pk)
    assert fresh.bio == "冷库前开始写的简介" and fresh.status == "cold_store"


# --- honours -----------------------------------------------------------------------------------


def test_an_honour_is_granted_once_a_year_shown_and_withdrawn_with_a_reason(world, client):
    zhang = world.zhang
    path = f"/manage/lecturers/{zhang.pk}/honours/"
    client.force_login(world.county_admin)
    assert client.get(path).status_code == 200
    granted = client.post(path, {"title": "famous_lecturer", "year": 2024, "note": "年度考核为好"})
    assert granted.status_code == 302
    honour = LecturerHonour.objects.get(lecturer=zhang)
    assert (honour.title, honour.year, honour.note) == ("famous_lecturer", 2024, "年度考核为好")
    entry = AuditLog.objects.get(action="lecturer.honour.grant")
    assert entry.after["title"] == "famous_lecturer" and entry.object_id == str(zhang.pk)
    # the badge on the résumé and on the catalogue's card
    client.force_login(world.secretary)
    assert "名师" in client.get(f"/lecturers/{zhang.pk}/").content.decode()
    assert "名师" in client.get("/lecturers/", {"q": "张三丰"}).content.decode()

    client.force_login(world.county_admin)
    twice = client.post(path, {"title": "famous_lecturer", "year": 2024, "note": "再来一次"})
    assert twice.status_code == 422 and "2024" in twice.content.decode()
    assert field_error(twice.content.decode(), "title")
    assert LecturerHonour.objects.filter(lecturer=zhang).count() == 1
    other_year = client.post(path, {"title": "famous_lecturer", "year": 2023, "note": "上一年"})
    assert other_year.status_code == 302

    withdraw = f"/manage/lecturers/{zhang.pk}/honours/{honour.pk}/withdraw/"
    assert client.get(withdraw).status_code == 200
    empty = client.post(withdraw, {"reason": "  "})
    assert empty.status_code == 422 and field_error(empty.content.decode(), "reason")
    assert LecturerHonour.objects.filter(pk=honour.pk).exists()
    done = client.post(withdraw, {"reason": "评定有误"})
    assert done.status_code == 302 and not LecturerHonour.objects.filter(pk=honour.pk).exists()
    entry = AuditLog.objects.get(action="lecturer.honour.withdraw")
    assert entry.before["title"] == "famous_lecturer" and entry.after == {"reason": "评定有误"}
    assert client.post(withdraw, {"reason": "再撤"}).status_code == 404
    # another lecturer's honour is not found through this lecturer's address
    theirs = LecturerHonour.objects.create(lecturer=world.li, title="commended", year=2024)
    assert client.get(f"/manage/lecturers/{zhang.pk}/honours/{theirs.pk}/withdraw/").status_code == 404  # fmt: skip


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "famous_lecturer", "year": 1999, "note": "x"}, "year"),
        ({"title": "famous_lecturer", "year": timezone.localdate().year + 1, "note": "x"}, "year"),
        ({"title": "famous_lecturer", "year": "去年", "note": "x"}, "year"),
        ({"title": "nobel_prize", "year": 2024, "note": "x"}, "title"),
        ({"title": "famous_lecturer", "year": 2024, "note": ""}, "note"),
    ],
)
def test_a_bad_honour_is_refused_on_its_field(world, client, data, field):
    client.force_login(world.county_admin)
    response = client.post(f"/manage/lecturers/{world.zhang.pk}/honours/", data)
    assert response.status_code == 422 and field_error(response.content.decode(), field)
    assert not LecturerHonour.objects.exists() and not AuditLog.objects.exists()


# --- lifecycle moves ---------------------------------------------------------------------------


def _booking(world, days: int, status: str):
    """A booking of 张三丰 starting `days` from now (negative: past)."""
    return session(world, started_minutes_ago=-days * 24 * 60, status=status)


def test_a_move_out_of_the_catalogue_lists_the_future_bookings_and_leaves_them(world, client):
    zhang = world.zhang
    confirmed = _booking(world, 5, "confirmed")
    requested = _booking(world, 9, "requested")
    _booking(world, -3, "completed")
    _booking(world, 12, "cancelled")
    path = f"/manage/lecturers/{zhang.pk}/status/"
    client.force_login(world.county_admin)
    before = client.get(path).content.decode()
    assert 'value="cold_store"' in before and 'value="removed"' in before
    assert 'value="candidate"' not in before
    listed = re.findall(r'href="/bookings/(\d+)/"', before)
    assert listed == [str(confirmed.pk), str(requested.pk)]

    empty = client.post(path, {"status": "cold_store", "reason": ""})
    assert empty.status_code == 422 and field_error(empty.content.decode(), "reason")
    assert Lecturer.objects.get(pk=zhang.pk).status == "active"

    moved = client.post(path, {"status": "cold_store", "reason": "年度考核为差"})
    assert moved.status_code == 302 and moved["Location"] == path
    assert Lecturer.objects.get(pk=zhang.pk).status == "cold_store"
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses[confirmed.pk] == "confirmed" and statuses[requested.pk] == "requested"
    after = client.get(path).content.decode()
    assert 'data-testid="open-bookings"' in after and "年度考核为差" in after
    assert re.findall(r'href="/bookings/(\d+)/"', after) == [str(confirmed.pk), str(requested.pk)]
    manage = client.get(f"/manage/lecturers/{zhang.pk}/").content.decode()
    assert 'data-testid="bookings-to-decide"' in manage
    # the lecturer is told, with the reason
    message = InboxMessage.objects.get(recipient=world.lecturer, event="lecturer_status_changed")
    assert "年度考核为差" in message.body
    change = LecturerStatusChange.objects.get(lecturer=zhang)
    assert (change.from_status, change.to_status, change.actor) == ("active", "cold_store", world.county_admin)  # fmt: skip


def test_a_move_the_machine_refuses_is_explained_in_chinese(world, client):
    removed = make_lecturer(world.county, "钱九", status="removed")
    path = f"/manage/lecturers/{removed.pk}/status/"
    client.force_login(world.county_admin)
    page = client.get(path).content.decode()
    assert 'data-testid="no-moves"' in page and 'value="active"' not in page
    refused = client.post(path, {"status": "active", "reason": "想回来"})
    assert refused.status_code == 409
    assert "处于“出库”状态的讲师不能转为“在库”" in refused.content.decode()
    assert Lecturer.objects.get(pk=removed.pk).status == "removed"
    assert not LecturerStatusChange.objects.filter(lecturer=removed).exists()
    unknown = client.post(f"/manage/lecturers/{world.zhang.pk}/status/", {"status": "retired", "reason": "x"})  # fmt: skip
    assert unknown.status_code == 422 and field_error(unknown.content.decode(), "status")
    # a candidate can only be activated
    candidate = client.get(f"/manage/lecturers/{world.candidate.pk}/status/").content.decode()
    assert 'value="active"' in candidate and 'value="cold_store"' not in candidate
    assert client.post(f"/manage/lecturers/{world.candidate.pk}/status/", {"status": "removed", "reason": "x"}).status_code == 409  # fmt: skip
    back = client.post(f"/manage/lecturers/{world.candidate.pk}/status/", {"status": "active", "reason": "评审通过"})  # fmt: skip
    assert (
        back.status_code == 302 and Lecturer.objects.get(pk=world.candidate.pk).status == "active"
    )


def test_sessions_this_year_count_held_and_confirmed_only(world, client):
    year_start = timezone.localdate().replace(month=1, day=1)
    days_since = (timezone.localdate() - year_start).days
    held = _booking(world, -1, "completed") if days_since >= 1 else None
    coming = _booking(world, 2, "confirmed")
    _booking(world, 3, "requested")
    _booking(world, 4, "cancelled")
    last_year = _booking(world, -(days_since + 3), "completed")
    client.force_login(world.county_admin)
    page = client.get(f"/manage/lecturers/{world.zhang.pk}/").content.decode()
    sessions = page[page.index('id="sessions"') : page.index('id="status-history"')]
    links = re.findall(r'href="/bookings/(\d+)/"', sessions)
    this_year = timezone.localdate().year
    in_year = [b for b in (held, coming) if b and timezone.localtime(b.start_at).year == this_year]
    assert links == [str(b.pk) for b in in_year]
    assert str(last_year.pk) not in links


@pytest.mark.django_db(transaction=True)
def test_admins_saving_photos_at_once_one_wins_and_no_file_is_left_over(world, settings):
    """Real threads through the pages: each admin saves a photo from the same version; one is
    saved, the others get the conflict, and only the winner's file is on disk."""
    admins = [make_member(f"photo_admin{i}", world.county, Role.COUNTY_ADMIN) for i in range(4)]
    data = edit_data(world.zhang)
    content = image_bytes("PNG", (300, 200))

    def save(i):
        client = Client()
        client.force_login(admins[i])
        upload = SimpleUploadedFile(f"{i}.png", content, "image/png")
        response = client.post(f"/manage/lecturers/{world.zhang.pk}/edit/", {**data, "photo": upload})  # fmt: skip
        return response.status_code

    results = run_in_threads(save, 4)
    assert sorted(results) == [302, 409, 409, 409], results
    zhang = Lecturer.objects.get(pk=world.zhang.pk)
    assert zhang.version == world.zhang.version + 1
    stored = sorted(p.name for p in (settings.MEDIA_ROOT / "lecturers").iterdir())
    assert stored == [zhang.photo.name.split("/")[-1]]
    assert AuditLog.objects.filter(action="lecturer.update").count() == 1


def test_the_county_adds_a_course_that_is_offered_at_once(world, login, client, chen):
    from courses.models import Course, CourseRevision

    url = f"/manage/lecturers/{chen.pk}/courses/new/"
    course = {"title": "红色家书里的初心", "category": "revolutionary_tradition",
              "outline": "一、家书 二、初心", "duration_minutes": 90, "audiences": ["rural"]}  # fmt: skip
    for who in (world.town_admin, world.lecturer, world.secretary, world.outsider):
        login(who)
        assert client.get(url).status_code in (403, 404), who
        assert client.post(url, course).status_code in (403, 404), who
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    login(world.county_admin)
    page = client.get(f"/manage/lecturers/{chen.pk}/")
    assert 'data-testid="add-course"' in page.content.decode()
    bad = client.post(url, {**course, "title": "", "duration_minutes": "九十"})
    assert bad.status_code == 422
    assert {"title", "duration_minutes"} <= set(bad.context["form"].errors)
    assert not Course.objects.filter(lecturer=chen).exists()
    response = client.post(url, course)
    assert response.status_code == 302 and response.url == f"/manage/lecturers/{chen.pk}/"
    added = Course.objects.get(lecturer=chen)
    assert (added.status, added.audiences) == ("active", ["rural"])
    assert CourseRevision.objects.filter(course=added, kind="created").count() == 1
    assert AuditLog.objects.filter(action="course.create", object_id=str(added.pk)).exists()
    login(world.secretary)
    assert added.title in client.get("/courses/").content.decode()

"""Bench classroom (G7c): the lecturer's field report with photos (resized, metadata and
location stripped), the county's case list with its filters and Excel export, and who may not
see them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from PIL import ExifTags, Image

from classrooms import cases
from classrooms.cases import PHOTO_LONG_SIDE
from classrooms.models import FieldPhoto, FieldReport
from core.errors import Conflict, Forbidden, InvalidInput
from core.tests.factories import session
from scheduling.models import Booking


def bench(world, place_type="field", **kw):
    booking = session(world, **kw)
    Booking.objects.filter(pk=booking.pk).update(
        classroom="bench", place_type=place_type, is_home_delivery=place_type == "home"
    )
    booking.refresh_from_db()
    return booking


def photo_with_location(name="现场.jpg", size=(3000, 2000)) -> SimpleUploadedFile:
    """A phone photo as phones take them: large, with the camera and the GPS position in EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (36.0, 22.0, 48.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (119.0, 45.0, 10.0),
    }
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the premise
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def file_report(world, booking, **kw):
    data = {"attendees": 12, "summary": "在田间地头讲乡村振兴政策", "photos": []} | kw
    return cases.field_report_create(actor=world.lecturer, booking=booking, **data)


def test_the_stored_photo_is_resized_and_carries_no_exif_or_location(world):
    report = file_report(world, bench(world), photos=[photo_with_location()])
    stored = report.photos.get()
    with stored.image.open("rb") as handle:
        data = handle.read()
    image = Image.open(io.BytesIO(data))
    assert max(image.size) == PHOTO_LONG_SIDE
    assert not image.getexif()
    assert b"Exif" not in data and b"PhoneMaker" not in data
    assert "exif" not in image.info


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("setup.jpg", b"MZ\x90\x00" + b"\x00" * 200, "不是照片"),
        ("empty.jpg", b"", "空"),
        ("notes.pdf", b"%PDF-1.4", "不是照片"),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_written(world, name, data, message):
    with pytest.raises(InvalidInput) as refused:
        file_report(world, bench(world), photos=[SimpleUploadedFile(name, data)])
    assert message in str(refused.value.fields["photos"])
    assert not FieldReport.objects.exists() and not FieldPhoto.objects.exists()


def test_only_the_lecturer_files_once_after_a_bench_session(world):
    booking = bench(world)
    with pytest.raises(Forbidden):
        cases.field_report_create(actor=world.secretary, booking=booking, attendees=3, summary="x")
    with pytest.raises(Conflict):
        file_report(world, bench(world, started_minutes_ago=-600))  # not held yet
    classroom = session(world, started_minutes_ago=300)
    with pytest.raises(Conflict):
        file_report(world, classroom)  # not a bench-classroom session
    with pytest.raises(InvalidInput) as refused:
        file_report(world, booking, attendees=0, summary=" ")
    assert set(refused.value.fields) == {"attendees", "summary"}
    file_report(world, booking)
    with pytest.raises(Conflict):
        file_report(world, booking)
    assert FieldReport.objects.count() == 1


def test_the_lecturer_files_the_report_from_the_booking_page(world, login):
    booking = bench(world)
    lecturer = login(world.lecturer)
    assert (
        'data-testid="field-report-link"'
        in lecturer.get(f"/bookings/{booking.pk}/").content.decode()
    )
    url = f"/bookings/{booking.pk}/field-report/"
    refused = lecturer.post(
        url, {"attendees": "", "summary": "讲了", "photos": [photo_with_location()]}
    )
    assert refused.status_code == 422 and not FieldReport.objects.exists()
    done = lecturer.post(
        url, {"attendees": "9", "summary": "讲了", "photos": [photo_with_location()]}
    )
    assert done.status_code == 302
    assert FieldReport.objects.get().photos.count() == 1
    page = login(world.secretary).get(f"/bookings/{booking.pk}/").content.decode()
    assert 'data-testid="field-report"' in page and "讲了" in page
    assert login(world.secretary).get(url).status_code == 403
    assert login(world.other_secretary).get(url).status_code == 404


def test_the_case_list_filters_exports_and_keeps_to_the_callers_scope(world, login):
    field = file_report(world, bench(world, "field"), photos=[photo_with_location()])
    home = bench(world, "home", started_minutes_ago=300)
    Booking.objects.filter(pk=home.pk).update(
        home_member_name="王秀英", home_member_reason="illness"
    )
    file_report(world, home, summary="为卧床老党员送学上门")
    admin = login(world.county_admin)
    page = admin.get("/classrooms/cases/")
    assert page.status_code == 200 and page.content.decode().count('data-testid="case"') == 2
    only_home = admin.get("/classrooms/cases/?place_type=home").content.decode()
    assert only_home.count('data-testid="case"') == 1 and "卧床" in only_home
    other_town = admin.get(f"/classrooms/cases/?town={world.other_town.pk}").content.decode()
    assert 'data-testid="case"' not in other_town
    assert (
        admin.get(f"/classrooms/cases/?town={world.town.pk}")
        .content.decode()
        .count('data-testid="case"')
        == 2
    )
    export = admin.get("/classrooms/cases/?format=xlsx&place_type=field")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][6] == 12 and rows[1][9] == 1
    # The member served at home stays on the booking, out of the case list and its export.
    assert "王秀英" not in admin.get("/classrooms/cases/").content.decode()
    everything = admin.get("/classrooms/cases/?format=xlsx").content
    cells = [
        c
        for r in load_workbook(io.BytesIO(everything)).active.iter_rows(values_only=True)
        for c in r
    ]
    assert "王秀英" not in cells
    photo_url = f"/classrooms/cases/photos/{field.photos.get().pk}/"
    shown = admin.get(photo_url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    for user in (world.outsider, world.other_secretary):
        assert 'data-testid="case"' not in login(user).get("/classrooms/cases/").content.decode()
        assert login(user).get(photo_url).status_code == 404
    assert login(world.secretary).get(photo_url).status_code == 200  # the branch of the session
    admin.logout()
    assert admin.get("/classrooms/cases/").status_code == 302
    assert admin.get(photo_url).status_code == 302

"""Formula injection (issue 10, item 5): text that people typed reaches the county's roll-up
workbook as text, never as a live formula, and numbers stay numbers."""

import io

import openpyxl
import pytest

from .test_evaluation import session

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x","y")'


def test_a_course_titled_as_a_formula_stays_text_in_the_rollup_workbook(world, client):
    booking = session(world, started_minutes_ago=60)
    world.course.title = HYPERLINK
    world.course.save(update_fields=["title"])
    world.branch.name = "@SUM(1+1)"
    world.branch.save(update_fields=["name"])
    client.force_login(world.county_admin)

    response = client.get(f"/evaluation/rollup/?lecturer={world.zhang.pk}&format=xlsx")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    title = cells[HYPERLINK]
    assert title.data_type == "s" and title.quotePrefix
    org = cells["@SUM(1+1)"]
    assert org.data_type == "s" and org.quotePrefix
    assert not any(cell.data_type == "f" for cell in cells.values())
    row = sheet[title.row]
    assert row[2].value == "@SUM(1+1)"
    assert row[3].value == 0 and row[3].data_type == "n"  # attendance: still a number
    assert booking.course_id == world.course.pk

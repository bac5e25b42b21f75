"""core.xlsx: every string is written as text; numbers, dates and blanks as they are."""

import io
from datetime import date

import openpyxl
import pytest
from openpyxl import Workbook

from core.xlsx import append_row, set_cell, workbook_bytes

TRIGGERS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


def _read_back(workbook):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(workbook))).active


@pytest.mark.parametrize("text", TRIGGERS)
def test_a_formula_like_string_is_written_as_quoted_text(text):
    workbook = Workbook()
    append_row(workbook.active, [text])
    cell = _read_back(workbook)["A1"]
    # XML itself turns a carriage return into a line feed when the file is read.
    assert cell.value == text.replace("\r", "\n")
    assert cell.data_type == "s" and cell.quotePrefix


def test_numbers_dates_and_plain_text_keep_their_types():
    workbook = Workbook()
    append_row(workbook.active, [-5, 2.5, date(2026, 1, 2), "讲台", None, "#N/A"])
    row = _read_back(workbook)[1]
    assert (row[0].value, row[0].data_type) == (-5, "n")
    assert (row[1].value, row[1].data_type) == (2.5, "n")
    assert row[2].is_date
    assert (row[3].value, row[3].data_type, row[3].quotePrefix) == ("讲台", "s", False)
    assert row[4].value is None
    assert (row[5].value, row[5].data_type) == ("#N/A", "s")  # not an error value


def test_a_cell_written_directly_is_made_safe_on_save_and_control_characters_dropped():
    workbook = Workbook()
    workbook.active["A1"] = "=1+1"  # openpyxl alone would make this a formula
    set_cell(workbook.active, 2, 1, "a\x01b")
    sheet = _read_back(workbook)
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("=1+1", "s")
    assert sheet["A2"].value == "ab"

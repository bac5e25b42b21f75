"""The lecturer's roll-up as an Excel workbook (G8c): a header block the lecturer's unit can
file (county, lecturer, unit, period), one row per session and a totals row."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core.text import mask_phone
from core.timeutil import local
from core.xlsx import Column, append_row, set_cell, xlsx_response


def _number(value, digits: int = 1):
    return round(value, digits) if value is not None else None


def period_label(period) -> str:
    return _("%(from)s to %(to)s") % {
        "from": f"{period.first:%Y-%m}",
        "to": f"{period.last:%Y-%m}",
    }


def table_header() -> list[str]:
    return [
        _("Date"),
        _("Course"),
        _("Organisation"),
        _("Attendance (check-ins)"),
        _("Ratings"),
        _("Content"),
        _("Method"),
        _("Effect"),
        _("Overall"),
        _("Star level"),
    ]


def _row(item: dict) -> list:
    return [
        f"{local(item['start_at']):%Y-%m-%d %H:%M}",
        item["course"],
        item["org"],
        item["attendance"],
        item["n"],
        _number(item["content"]),
        _number(item["method"]),
        _number(item["effect"]),
        _number(item["overall"]),
        item["star"],
    ]


def rollup_workbook(report: dict) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Quality roll-up")[:31]
    bold = Font(bold=True)
    set_cell(sheet, 1, 1, _("Course-and-lecturer quality roll-up (培训课程及讲师质量测评汇总)"))
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in (
        (_("County"), report["county"].name),
        (_("Lecturer"), report["lecturer"].name),
        (_("Unit"), report["unit"]),
        (_("Period"), period_label(report["period"])),
    ):
        row = append_row(sheet, [label, value])
        sheet.cell(row=row, column=1).font = bold
    sheet.append([])
    header_row = append_row(sheet, table_header())
    line = Side(style="thin", color="999999")
    for cell in sheet[header_row]:
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        cell.border = Border(bottom=line)
    for item in report["rows"]:
        append_row(sheet, _row(item))
    totals = report["totals"]
    totals_row = append_row(
        sheet,
        [
            _("Total"),
            _("%(n)d sessions") % {"n": totals["sessions"]},
            "",
            totals["attendance"],
            totals["n"],
            _number(totals["content"]),
            _number(totals["method"]),
            _number(totals["effect"]),
            _number(totals["overall"]),
            totals["star"],
        ],
    )
    for cell in sheet[totals_row]:
        cell.font = bold
        cell.border = Border(top=line)
    for column, width in enumerate((18, 30, 22, 10, 8, 8, 8, 8, 8, 8), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    return workbook


def rollup_filename(report: dict) -> str:
    period = report["period"]
    return _("%(lecturer)s quality roll-up %(from)s to %(to)s.xlsx") % {
        "lecturer": report["lecturer"].name,
        "from": f"{period.first:%Y-%m}",
        "to": f"{period.last:%Y-%m}",
    }


def rollup_xlsx_response(report: dict) -> HttpResponse:
    period = report["period"]
    fallback = f"quality-rollup-{report['lecturer'].pk}-{period.first:%Y%m}-{period.last:%Y%m}.xlsx"
    return xlsx_response(
        rollup_workbook(report), filename=rollup_filename(report), fallback=fallback
    )


# --- the rankings as a list export (`/rankings/?format=xlsx`, core.xlsx) -----------------------

RANKING_COLUMNS = [
    Column(gettext_lazy("Rank"), lambda item: item["rank"], 6),
    Column(gettext_lazy("Name"), lambda item: item["name"], 24),
    Column(gettext_lazy("Score"), lambda item: item["score"], 8),
    Column(gettext_lazy("Star level"), lambda item: item["star"], 8),
    Column(gettext_lazy("Sessions held"), lambda item: item["sessions"], 8),
    Column(gettext_lazy("Ratings"), lambda item: item["ratings"], 8),
]


# --- the roll-up index, lecturers with sessions in the period (`/evaluation/rollup/?format=xlsx`)

ROLLUP_INDEX_COLUMNS = [
    Column(gettext_lazy("Lecturer"), lambda row: row["name"], 12),
    Column(gettext_lazy("Unit"), lambda row: row["unit"], 24),
    Column(gettext_lazy("Star level"), lambda row: row["star"], 8),
    Column(gettext_lazy("Sessions held"), lambda row: row["sessions"], 8),
    Column(gettext_lazy("Attendances"), lambda row: row["attendance"], 8),
]


# --- the flagged ratings awaiting review (`/evaluation/flags/?format=xlsx`), phones masked ------

FLAGGED_COLUMNS = [
    Column(gettext_lazy("Rated at"), lambda r: f"{local(r.rated_at):%Y-%m-%d %H:%M}", 17),
    Column(gettext_lazy("Why held"), lambda r: r.flag_reason, 24),
    Column(gettext_lazy("Trainee"), lambda r: r.name, 10),
    Column(gettext_lazy("Phone"), lambda r: mask_phone(r.phone), 14),
    Column(gettext_lazy("Course"), lambda r: r.booking.course.title, 24),
    Column(gettext_lazy("Lecturer"), lambda r: r.booking.lecturer.name, 10),
    Column(gettext_lazy("Organisation"), lambda r: r.booking.org.name, 20),
    Column(gettext_lazy("Content"), lambda r: r.content, 8),
    Column(gettext_lazy("Method"), lambda r: r.method, 8),
    Column(gettext_lazy("Effect"), lambda r: r.effect, 8),
    Column(gettext_lazy("Comment"), lambda r: r.comment, 30),
]

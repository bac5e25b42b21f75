"""The dashboard's tables as a workbook, and the yearly work report as a PDF."""

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core.http import as_download
from core.timeutil import local
from core.xlsx import append_row, xlsx_response

from .selectors import Area, Period

PDF_CONTENT_TYPE = "application/pdf"
PDF_STYLESHEET = "css/report-pdf.css"


def dashboard_workbook(area: Area, period: Period, charts: list[dict]) -> Workbook:
    """One sheet per chart: its table as the page shows it, under a title and the period."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for chart in charts:
        sheet = workbook.create_sheet(title=str(chart["title"])[:31])
        append_row(sheet, [f"{area.org.name} · {chart['title']}"])
        sheet["A1"].font = Font(bold=True, size=13)
        append_row(
            sheet, [_("From %(first)s to %(last)s") % {"first": period.first, "last": period.last}]
        )
        header = append_row(sheet, chart["columns"])
        for cell in sheet[header]:
            cell.font = bold
        for row in chart["rows"]:
            append_row(sheet, row)
        if chart["note"]:
            append_row(sheet, [chart["note"]])
        sheet.column_dimensions["A"].width = 22
    return workbook


def dashboard_xlsx_response(area: Area, period: Period, charts: list[dict]) -> HttpResponse:
    return xlsx_response(
        dashboard_workbook(area, period, charts),
        filename=_("%(area)s figures %(first)s to %(last)s.xlsx")
        % {"area": area.org.name, "first": period.first, "last": period.last},
        fallback=f"figures-{area.org.pk}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx",
    )


def _refuse_fetch(url, *args, **kwargs):
    """The report is made from our own HTML and one stylesheet: it fetches nothing."""
    raise ValueError(f"the PDF report fetches nothing: {url}")


def year_report_pdf_response(report: dict) -> HttpResponse:
    """The yearly report as an A4 PDF (WeasyPrint; the Chinese in Noto Sans CJK, found
    through fontconfig). WeasyPrint needs pango, so it is imported here, on first use."""
    from weasyprint import CSS, HTML

    html = render_to_string("reports/year_report_pdf.html", {"report": report})
    stylesheet = CSS(filename=finders.find(PDF_STYLESHEET))
    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(stylesheets=[stylesheet])
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    area = report["area"]
    return as_download(
        response,
        filename=_("%(area)s work report %(year)d.pdf")
        % {"area": area.org.name, "year": report["year"]},
        fallback=f"work-report-{area.org.pk}-{report['year']}.pdf",
    )


def province_workbook(figures) -> Workbook:
    """The counties side by side (ranked, with the province's totals) and the best-rated
    lecturers, each on a sheet under a title and the period."""
    from .province import FIGURES

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    period = figures.period
    when = _("From %(first)s to %(last)s; computed %(at)s") % {
        "first": period.first,
        "last": period.last,
        "at": f"{local(figures.as_of):%Y-%m-%d %H:%M}",
    }

    counties = workbook.create_sheet(title=str(_("Counties")))
    append_row(counties, [f"{figures.province.name} · {_('Counties')}"])
    counties["A1"].font = Font(bold=True, size=13)
    append_row(counties, [when])
    header = append_row(
        counties, [_("Rank"), _("County"), *(str(label) for _key, label in FIGURES)]
    )
    for cell in counties[header]:
        cell.font = bold
    for row in figures.counties:
        append_row(
            counties,
            [row["rank"], row["name"], *(row[key] for key, _label in FIGURES)],
        )
    totals = append_row(
        counties, ["", _("Province"), *(figures.totals[key] for key, _label in FIGURES)]
    )
    for cell in counties[totals]:
        cell.font = bold
    counties.column_dimensions["B"].width = 22

    lecturers = workbook.create_sheet(title=str(_("Best-rated lecturers")))
    append_row(lecturers, [f"{figures.province.name} · {_('Best-rated lecturers')}"])
    lecturers["A1"].font = Font(bold=True, size=13)
    append_row(lecturers, [when])
    header = append_row(
        lecturers, [_("Rank"), _("Name"), _("County"), _("Score"), _("Average"), _("Ratings")]
    )
    for cell in lecturers[header]:
        cell.font = bold
    for position, item in enumerate(figures.top_lecturers, start=1):
        append_row(
            lecturers,
            [
                position,
                item["name"],
                item["county"],
                item["score"],
                item["average"],
                item["ratings"],
            ],
        )
    return workbook


def province_xlsx_response(figures) -> HttpResponse:
    period = figures.period
    return xlsx_response(
        province_workbook(figures),
        filename=_("%(area)s figures %(first)s to %(last)s.xlsx")
        % {"area": figures.province.name, "first": period.first, "last": period.last},
        fallback=f"province-{figures.province.pk}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx",
    )

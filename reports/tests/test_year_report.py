"""The yearly work report: the headline figures beside the year before, printable and as a PDF
whose text holds them; a town admin's report is their town's."""

import re
import subprocess

import pytest
from django.utils import timezone

from reports.selectors import Period, report_period

from .history import build_history, expected_figures

pytestmark = pytest.mark.django_db


def _headline(html: str, label: str) -> tuple[str, str, str]:
    row = re.search(
        rf'<th scope="row" class="left">{re.escape(label)}</th><td data-testid="headline-this">'
        r"([^<]*)</td><td>([^<]*)</td>\s*<td class=\"nowrap\">([^<]*)</td>",
        html,
    )
    return row.groups()


@pytest.mark.parametrize("who", ["county_admin", "town_admin"])
def test_the_report_compares_the_year_with_the_one_before(world, login, who):
    past = build_history(world)
    year = past.last.year
    period = report_period(year)
    before = Period(period.first.replace(year=year - 1), period.last.replace(year=year - 1))
    town = world.town if who == "town_admin" else None
    this = expected_figures(world.county, town, period.first, period.last)
    last = expected_figures(world.county, town, before.first, before.last)
    response = login(getattr(world, who)).get(f"/dashboard/report/{year}/")
    assert response.status_code == 200
    html = response.content.decode()
    for label, key in (("授课场次", "sessions"), ("参训人次", "attendances")):
        shown = _headline(html, label)
        change = this[key] - last[key]
        assert shown[:2] == (str(this[key]), str(last[key])), label
        assert shown[2].startswith(f"+{change}" if change > 0 else str(change)), label
    bookings = sum(this["bookings_by_status"].values())
    assert _headline(html, "网上约课数")[0] == str(bookings)
    assert _headline(html, "评选名师")[0] == ("1" if past.first.year == year else "0")
    heading = f"{'东镇' if town else '甲县'}{year}年党员教育讲师工作报告"
    assert heading in html
    assert 'data-action="print"' in html and "format=pdf" in html


def test_only_admins_open_reports_of_years_that_have_been(world, login, client):
    year = timezone.localdate().year
    for who in ("secretary", "lecturer"):
        assert login(getattr(world, who)).get(f"/dashboard/report/{year}/").status_code == 403
    admin = login(world.county_admin)
    assert admin.get(f"/dashboard/report/{year + 1}/").status_code == 404
    assert admin.get("/dashboard/report/1999/").status_code == 404
    assert admin.get(f"/dashboard/report/{year}/", {"org_id": world.town_b.pk}).status_code == 404
    assert admin.get(f"/dashboard/report/{year}/", {"org_id": world.branch.pk}).status_code == 404
    assert admin.get(f"/dashboard/report/{year}/", {"org_id": "x"}).status_code == 404
    drilled = admin.get(f"/dashboard/report/{year}/", {"org_id": world.town.pk})
    assert drilled.status_code == 200 and f"东镇{year}年" in drilled.content.decode()
    client.logout()
    assert client.get(f"/dashboard/report/{year}/").status_code == 302


@pytest.mark.pdf
def test_the_pdf_holds_the_headline_figures(world, login, tmp_path):
    past = build_history(world)
    year = past.last.year
    period = report_period(year)
    figures = expected_figures(world.county, None, period.first, period.last)
    response = login(world.county_admin).get(f"/dashboard/report/{year}/", {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert f"甲县{year}年党员教育讲师工作报告" in text
    for label, value in (("授课场次", figures["sessions"]), ("参训人次", figures["attendances"])):
        assert re.search(rf"{label}\s+{value}\s", text), (label, text)
    # The fonts are embedded: the Chinese came out as text, not as boxes.
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    assert "Noto-Sans-CJK-SC" in fonts.stdout and "Serif" not in fonts.stdout

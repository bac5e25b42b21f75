"""The dashboard's figures as charts, each with its table: one shape for every chart, which
the page renders as a table and hands to static/js/dashboard.js (through json_script) to
draw with ECharts, and which the dashboard's Excel export writes one sheet per chart.

A chart is {"id", "title", "kind" (bar, hbar, line, pie), "columns" (the table's header),
"rows" (the table: a label and one number per series), "series" (names of the numeric
columns that are drawn), "percent" (the values are shares 0-1)}.
"""

from django.utils.translation import gettext as _

from scheduling.models import BookingStatus


def _chart(chart_id, title, kind, columns, rows, *, series=None, percent=False, note=""):
    return {
        "id": chart_id,
        "title": title,
        "kind": kind,
        "columns": columns,
        "rows": rows,
        "series": series if series is not None else columns[1:],
        "percent": percent,
        "note": note,
    }


def _counts(items) -> list[list]:
    return [[item["label"], item["n"]] for item in items]


def charts(figures: dict) -> list[dict]:
    """The dashboard's charts, in the order the page shows them."""
    status_labels = dict(BookingStatus.choices)
    demands = figures["demands"]
    coverage = figures["coverage"]
    found = [
        _chart(
            "trend",
            _("Month by month"),
            "line",
            [
                _("Month"),
                _("Sessions held"),
                _("Attendances"),
                _("Bookings made"),
                _("Demands posted"),
            ],
            [
                [m["month"], m["sessions"], m["attendances"], m["bookings"], m["demands"]]
                for m in figures["by_month"]
            ],
        ),
        _chart(
            "bookings",
            _("Bookings by status"),
            "pie",
            [_("Status"), _("Bookings")],
            [[str(status_labels[k]), n] for k, n in figures["bookings_by_status"].items()],
        ),
        _chart(
            "demands",
            _("Demands taken and expired"),
            "bar",
            [_("Outcome"), _("Demands")],
            [
                [_("Taken by a lecturer"), demands["taken"]],
                [_("Expired without a lecturer"), demands["expired"]],
                [_("Still open"), demands["open"]],
                [_("Withdrawn"), demands["cancelled"]],
            ],
            note=(
                _("Median time from posting to a lecturer taking it: %(hours)s hours.")
                % {"hours": demands["median_hours_to_grab"]}
                if demands["median_hours_to_grab"] is not None
                else _("No demand was taken in this period.")
            ),
        ),
        _chart(
            "coverage",
            _("Branches reached, per town"),
            "hbar",
            [_("Town"), _("Share reached"), _("Branches"), _("Reached")],
            [[t["name"], t["share"], t["branches"], t["covered"]] for t in coverage["by_town"]],
            series=[_("Share reached")],
            percent=True,
        ),
        _chart(
            "classrooms",
            _("Sessions per classroom"),
            "bar",
            [_("Classroom"), _("Sessions held")],
            _counts(figures["by_classroom"]),
        ),
        _chart(
            "groups",
            _("Sessions per member group"),
            "hbar",
            [_("Member group"), _("Sessions held")],
            _counts(figures["by_group"]),
        ),
        _chart(
            "ratings",
            _("Trainees' overall scores"),
            "bar",
            [_("Score"), _("Ratings")],
            [[band["label"], band["n"]] for band in figures["rating_bands"]],
        ),
        _chart(
            "sources",
            _("Active lecturers by source"),
            "hbar",
            [_("Source"), _("Lecturers")],
            _counts(figures["lecturers_by_source"]),
        ),
        _chart(
            "levels",
            _("Active lecturers by level"),
            "pie",
            [_("Level"), _("Lecturers")],
            _counts(figures["lecturers_by_level"]),
        ),
        _chart(
            "categories",
            _("Offered courses by category"),
            "bar",
            [_("Category"), _("Courses")],
            _counts(figures["courses_by_category"]),
        ),
        _chart(
            "honours",
            _("Honours of the period's years"),
            "bar",
            [_("Honour"), _("Lecturers"), _("Courses")],
            [[h["label"], h["lecturers"], h["courses"]] for h in figures["honours"]],
        ),
        _chart(
            "appraisal",
            _("Appraisal grades of %(year)s") % {"year": figures["appraisal"]["year"]}
            if figures["appraisal"]["year"]
            else _("Appraisal grades"),
            "bar",
            [_("Grade"), _("Lecturers")],
            _counts(figures["appraisal"]["by_grade"]),
            note="" if figures["appraisal"]["year"] else _("No appraisal has been published yet."),
        ),
        _chart(
            "selection",
            _("Nominations by channel"),
            "bar",
            [_("Channel"), _("Nominations"), _("Approved")],
            [[c["label"], c["n"], c["approved"]] for c in figures["selection"]["by_channel"]],
        ),
    ]
    return found

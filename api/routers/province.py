"""The province's figures over the API (province admins): `GET /province/stats`."""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from core.timeutil import local
from reports.forms import PeriodForm
from reports.province import province_figures

from ..renderers import cached_json
from ..schemas import READ_ERRORS
from .reports import PeriodOut

router = Router(tags=["statistics"])


class ProvinceStatsParams(Schema):
    # Read as text and checked by the dashboard's own form (422 naming `from` or `to`).
    date_from: str = Field(
        "",
        alias="from",
        max_length=10,
        description="YYYY-MM-DD (included); default 1 January of `to`'s year",
    )
    date_to: str = Field(
        "", alias="to", max_length=10, description="YYYY-MM-DD (included); default today"
    )
    rank: Literal[
        "sessions", "attendances", "active_lecturers", "bookings", "average_score", "coverage"
    ] = Field("sessions", description="the figure the counties are ranked by")


class FiguresOut(Schema):
    sessions: int = Field(description="confirmed or completed bookings that started in the period")
    attendances: int = Field(description="check-ins (人次) of those sessions, not held for review")
    active_lecturers: int = Field(description="lecturers active now")
    bookings: int = Field(description="bookings made in the period")
    demands_posted: int
    demands_taken: int
    demands_expired: int
    average_score: float | None = Field(description="trainees' average score (0-100)")
    branches: int = Field(description="village-level organisations (branches)")
    branches_covered: int = Field(description="branches that held a session in the period")
    coverage: float | None = Field(description="branches_covered / branches")


class CountyFiguresOut(FiguresOut):
    county_id: int
    name: str
    rank: int | None = Field(description="by `rank`; equal values share one; none without a value")


class TotalsOut(FiguresOut):
    counties: int


class ProvinceOut(Schema):
    id: int
    name: str


class TopLecturerOut(Schema):
    id: int
    name: str
    county: str
    score: float = Field(description="Bayesian-averaged, as the rankings order")
    average: float
    ratings: int


class ProvinceStatsOut(Schema):
    province: ProvinceOut
    period: PeriodOut
    rank_by: str
    as_of: datetime = Field(
        description="when the figures were computed: at most 15 minutes before the request"
    )
    counties: list[CountyFiguresOut] = Field(description="every county of the province, ranked")
    totals: TotalsOut
    top_lecturers: list[TopLecturerOut] = Field(
        description="the best-rated lecturers across the province's counties"
    )


@router.get(
    "/province/stats",
    response={200: ProvinceStatsOut, **READ_ERRORS},
    by_alias=True,
    summary="Each county's figures for a period, ranked, with totals (province admin)",
    description=(
        "The headline figures of every county of the caller's province for the period "
        "(each means what the county's own `GET /stats` means by it), the counties ranked by "
        "`rank`, the province's totals and its best-rated lecturers. 403 for anyone but a "
        "province admin; 422 naming `from` or `to` for a bad date, an end before the start "
        "or a period longer than five years."
    ),
)
def province_stats_get(request, params: Query[ProvinceStatsParams]):
    period = PeriodForm({"from": params.date_from, "to": params.date_to}).period_or_error()
    figures = province_figures(request.auth, period, rank_by=params.rank)
    # The answer is the snapshot's, ranked: kept for the snapshot and the ranking.
    key = ("province stats", figures.province.pk, figures.as_of.isoformat(), figures.rank_by,
           period.first.isoformat(), period.last.isoformat())  # fmt: skip
    return cached_json(
        request,
        key,
        ProvinceStatsOut,
        lambda: {
            "province": {"id": figures.province.pk, "name": figures.province.name},
            "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
            "rank_by": figures.rank_by,
            "as_of": local(figures.as_of),
            "counties": figures.counties,
            "totals": figures.totals,
            "top_lecturers": figures.top_lecturers,
        },
        by_alias=True,
        per_generation=False,
    )

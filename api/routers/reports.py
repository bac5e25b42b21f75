"""The dashboard's figures over the API (county and town admins): `GET /stats`."""

from ninja import Field, Query, Router, Schema

from reports.forms import PeriodForm
from reports.selectors import area_for_user, stats

from ..schemas import READ_ERRORS, Id

router = Router(tags=["statistics"])


class StatsParams(Schema):
    # Read as text and checked by the dashboard's own form, so that both refuse the same dates
    # with the same words (422 naming `from` or `to`).
    date_from: str = Field(
        "",
        alias="from",
        max_length=10,
        description="YYYY-MM-DD (included); default 1 January of `to`'s year",
    )
    date_to: str = Field(
        "", alias="to", max_length=10, description="YYYY-MM-DD (included); default today"
    )
    org_id: Id | None = Field(
        None,
        description="the county or one of its towns; default: the caller's county (county admin) or town (town admin)",
    )


class DemandsOut(Schema):
    posted: int
    taken: int
    expired: int
    open: int
    cancelled: int
    median_hours_to_grab: float | None = Field(
        description="posting → a lecturer taking it, over the period's taken demands"
    )


class TownCoverageOut(Schema):
    org_id: int
    name: str
    is_town: bool = Field(description="false for the row of the county's own units")
    branches: int
    covered: int
    share: float


class CoverageOut(Schema):
    branches: int = Field(description="village-level organisations (branches) in the area")
    covered: int = Field(description="branches that held at least one session in the period")
    share: float | None
    by_town: list[TownCoverageOut]


class MonthOut(Schema):
    month: str = Field(description="YYYY-MM; the first and last month may be cut by the period")
    sessions: int
    attendances: int
    bookings: int
    demands: int


class CountOut(Schema):
    key: str
    label: str
    n: int


class HonourOut(Schema):
    key: str
    label: str
    lecturers: int
    courses: int


class RankedOut(Schema):
    id: int
    name: str
    score: float = Field(description="Bayesian-averaged, as the rankings order")
    average: float
    ratings: int


class RankedListsOut(Schema):
    top: list[RankedOut]
    bottom: list[RankedOut]


class IdleOut(Schema):
    id: int
    name: str
    org: str


class AppraisalOut(Schema):
    year: int | None = Field(
        description="the latest year up to the period's end whose appraisal the county published"
    )
    lecturers: int = Field(description="lecturers in that appraisal (a town's: of the town)")
    graded: int
    by_grade: list[CountOut] = Field(description="key '' counts those not graded")


class ChannelOut(Schema):
    key: str
    label: str
    n: int = Field(description="nominations received in the period by this channel")
    approved: int = Field(description="of them, approved and appointed")


class SelectionOut(Schema):
    nominations: int = Field(description="nominations received in the period")
    approved: int
    by_channel: list[ChannelOut]


class PeriodOut(Schema):
    from_: str = Field(alias="from")
    to: str


class StatsOut(Schema):
    period: PeriodOut
    sessions: int = Field(description="confirmed or completed bookings that started in the period")
    attendances: int = Field(description="check-ins (人次) of those sessions, not held for review")
    bookings: int = Field(description="bookings made in the period")
    bookings_by_status: dict[str, int] = Field(
        description="bookings made in the period by current status"
    )
    demands: DemandsOut
    active_lecturers: int
    new_courses: int = Field(description="courses created in the period")
    new_course_lecturers: int
    coverage: CoverageOut
    by_month: list[MonthOut]
    by_classroom: list[CountOut]
    by_group: list[CountOut]
    lecturers_by_source: list[CountOut]
    lecturers_by_level: list[CountOut]
    honours: list[HonourOut]
    courses_offered: int
    courses_by_category: list[CountOut]
    ratings: int
    average_score: float | None
    rating_bands: list[CountOut]
    lecturers_ranked: RankedListsOut
    courses_ranked: RankedListsOut
    idle_year: int
    idle_lecturers: int = Field(description="active lecturers without a session held in idle_year")
    idle_list: list[IdleOut]
    appraisal: AppraisalOut
    selection: SelectionOut


@router.get(
    "/stats",
    response={200: StatsOut, **READ_ERRORS},
    by_alias=True,
    summary="The dashboard's figures for a period (county or town admin)",
    description=(
        "Figures of the caller's county, or of one of its towns (`org_id`); a town admin's are "
        "their town's. 403 for other roles; 404 for an organisation outside the caller's scope "
        "or one that is neither the county nor a town; 422 naming `from` or `to` for a bad "
        "date, an end before the start or a period longer than five years."
    ),
)
def stats_get(request, params: Query[StatsParams]):
    area = area_for_user(request.auth, params.org_id)
    form = PeriodForm({"from": params.date_from, "to": params.date_to})
    return stats(area, form.period_or_error())

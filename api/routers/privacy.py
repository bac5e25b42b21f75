"""A person's data on request (PIPL), for county admins: export and erasure by mobile number
(backoffice.privacy)."""

from typing import Any

from ninja import Field, Query, Router, Schema

from backoffice.privacy import person_data_erase, person_data_export

from ..schemas import READ_ERRORS, WRITE_ERRORS

router = Router(tags=["privacy"])


class PersonIn(Schema):
    phone: str = Field(..., max_length=32, description="the person's mainland mobile number")


class PersonDataOut(Schema):
    phone: str
    exported_at: str
    accounts: list[dict[str, Any]]
    lecturer_profiles: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    survey_answers: list[dict[str, Any]]
    nominations: list[dict[str, Any]]
    recommendations_made: list[dict[str, Any]]


class EraseIn(Schema):
    phone: str = Field(..., max_length=32)
    reason: str = Field(..., max_length=300, description="why: kept in the audit log")


class EraseOut(Schema):
    accounts: int
    lecturer_profiles: int
    ratings: int
    survey_answers: int
    nominations: int
    recommendations_made: int


@router.get(
    "/privacy/person",
    response={200: PersonDataOut, **READ_ERRORS},
    summary="Everything the county holds about one person (county admins; audited)",
)
def person_export(request, params: Query[PersonIn]):
    return person_data_export(actor=request.auth, phone=params.phone)


@router.post(
    "/privacy/erase",
    response={200: EraseOut, **WRITE_ERRORS},
    summary="Erase one person's data on request; ratings stay, anonymised (county admins)",
)
def person_erase(request, payload: EraseIn):
    return person_data_erase(actor=request.auth, phone=payload.phone, reason=payload.reason)

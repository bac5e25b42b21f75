"""The appointment certificate's number (聘书编号), shared by the first appointment
(development's selection) and the renewal (the appraisal's 续聘), so that both draw from one
sequence per issuing organisation and year: "<issuer>讲字〔<year>〕第<seq>号"."""

from datetime import date, timedelta

from orgs.models import Organisation, OrgLevel
from orgs.rules import org_town_id

from .models import AppointmentCertificate, Lecturer, LecturerLevel


def issuer_name(issuer: Organisation) -> str:
    """The issuer's part of the number: the county's name, and the town's after it."""
    if issuer.level == OrgLevel.COUNTY:
        return issuer.name
    return f"{issuer.county.name}{issuer.name}"


def certificate_number(issuer: str, year: int, seq: int) -> str:
    return f"{issuer}讲字〔{year}〕第{seq:03d}号"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def term_from(start: date, years: int) -> date:
    """The last day of a term of `years` starting `start`."""
    return add_years(start, years) - timedelta(days=1)


def issuer_of(lecturer: Lecturer) -> Organisation:
    """Who appoints the lecturer: the county for county-level lecturers, the lecturer's town
    for town-level ones (the county when the lecturer belongs to no town)."""
    if lecturer.level == LecturerLevel.TOWN and lecturer.org_id:
        town_id = org_town_id(lecturer.org)
        if town_id:
            return Organisation.objects.get(pk=town_id)
    return Organisation.objects.get(pk=lecturer.county_id)


def certificate_issue(
    *, lecturer: Lecturer, issuer: Organisation, start: date, until: date, kind: str
) -> AppointmentCertificate:
    """Inside the caller's transaction: the next number of the issuer's year. The issuer's row
    is locked so that two issues never take the same number; the database's unique
    constraints hold it too."""
    Organisation.objects.select_for_update().filter(pk=issuer.pk).first()
    issued = AppointmentCertificate.objects.filter(issuer=issuer, year=start.year).values_list(
        "seq", flat=True
    )
    seq = max(issued, default=0) + 1
    return AppointmentCertificate.objects.create(
        county_id=lecturer.county_id,
        issuer=issuer,
        lecturer=lecturer,
        kind=kind,
        year=start.year,
        seq=seq,
        number=certificate_number(issuer_name(issuer), start.year, seq),
        appointed_from=start,
        appointed_until=until,
    )

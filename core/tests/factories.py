"""Small builders for tests: two counties with one person in every role, and helpers."""

import itertools
from types import SimpleNamespace

from accounts.models import User
from core.pinyin import pinyin_keys
from courses.models import Course
from lecturers.models import Lecturer
from orgs.models import CountySettings, MemberGroup, Membership, Organisation, OrgLevel, Role

PASSWORD = "test-pass-2026"
_seq = itertools.count(1)


def make_user(username: str, county=None, *, name: str = "", phone: str = "") -> User:
    user = User(username=username, name=name or username, phone=phone, county=county)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_org(name, level, parent=None, *, group="", lat=36.5, lng=118.5):
    org = Organisation.objects.create(
        name=name,
        level=level,
        parent=parent,
        county=parent.county if parent else None,
        group=group,
        lat=lat,
        lng=lng,
    )
    if level == OrgLevel.COUNTY:
        org.county = org
        org.save(update_fields=["county"])
    return org


def make_member(username, org, role, **kwargs) -> User:
    user = make_user(username, org.county, **kwargs)
    Membership.objects.create(user=user, org=org, role=role)
    return user


def make_lecturer(
    county, name, *, org=None, status="active", level="county", specialties="", login=True, **kw
):
    pinyin, initials = pinyin_keys(name)
    n = next(_seq)
    phone = f"1380000{n:04d}"
    user = None
    if login:
        user = make_member(f"lect{n}", org or county, Role.LECTURER, name=name, phone=phone)
    return Lecturer.objects.create(
        county=county,
        user=user,
        org=org,
        name=name,
        name_pinyin=pinyin,
        name_initials=initials,
        phone=phone,
        source=kw.pop("source", "party_school"),
        level=level,
        status=status,
        specialties=specialties,
        **kw,
    )


def make_course(lecturer, title, category="political_theory", **kw) -> Course:
    return Course.objects.create(
        county=lecturer.county, lecturer=lecturer, title=title, category=category, **kw
    )


def no_quiet_hours(county) -> None:
    """The county sends SMS at any hour. Its quiet hours (by default 21:00 to 8:00 in the
    county's time) hold SMS until the morning, so a test that expects one to go out at once,
    or counts the statements of a day's path, depends on the hour it runs at without this.
    The quiet hours have tests of their own."""
    CountySettings.objects.update_or_create(
        county=county, defaults={"quiet_hours_start": 0, "quiet_hours_end": 0}
    )


def build_world() -> SimpleNamespace:
    """County A with two towns and branches, every role; county B with an outsider admin."""
    county = make_org("甲县", OrgLevel.COUNTY)
    town = make_org("东镇", OrgLevel.TOWN, county, lat=36.6, lng=118.6)
    other_town = make_org("西镇", OrgLevel.TOWN, county, lat=36.4, lng=118.4)
    branch = make_org("东村党支部", OrgLevel.VILLAGE, town, group=MemberGroup.RURAL)
    sibling_branch = make_org("南村党支部", OrgLevel.VILLAGE, town, group=MemberGroup.RURAL)
    other_branch = make_org("西村党支部", OrgLevel.VILLAGE, other_town, group=MemberGroup.RURAL)
    unit = make_org("县财政局党支部", OrgLevel.VILLAGE, county, group=MemberGroup.GOVERNMENT)

    county_b = make_org("乙县", OrgLevel.COUNTY, lat=30.0, lng=110.0)
    town_b = make_org("北镇", OrgLevel.TOWN, county_b)
    branch_b = make_org("北村党支部", OrgLevel.VILLAGE, town_b)

    w = SimpleNamespace(
        county=county,
        town=town,
        other_town=other_town,
        branch=branch,
        sibling_branch=sibling_branch,
        other_branch=other_branch,
        unit=unit,
        county_b=county_b,
        town_b=town_b,
        branch_b=branch_b,
    )
    w.county_admin = make_member("county_admin", county, Role.COUNTY_ADMIN, phone="13900000001")
    w.town_admin = make_member("town_admin", town, Role.TOWN_ADMIN)
    w.secretary = make_member("secretary", branch, Role.SECRETARY, phone="13900000002")
    w.other_secretary = make_member("other_secretary", other_branch, Role.SECRETARY)
    w.outsider = make_member("outsider", county_b, Role.COUNTY_ADMIN)
    w.zhang = make_lecturer(county, "张三丰", org=branch, specialties="乡村振兴、产业发展")
    w.lecturer = w.zhang.user
    w.li = make_lecturer(county, "李四光", org=other_branch, level="town", specialties="党史学习")
    w.candidate = make_lecturer(county, "王五", status="candidate")
    w.lecturer_b = make_lecturer(county_b, "赵六", org=branch_b)
    w.course = make_course(
        w.zhang, "乡村振兴战略与农村产业发展", "situation_policy", outline="产业兴旺"
    )
    w.course_li = make_course(w.li, "红色家书里的初心", "revolutionary_tradition")
    w.course_b = make_course(w.lecturer_b, "乙县的课", "political_theory")
    return w


def session(world, *, started_minutes_ago=30, status="confirmed", attendees=40, minutes=120):
    """A session of 张三丰 for the world's branch that started `started_minutes_ago` (negative:
    starts later) and lasts `minutes`: by default under way, its QR code open."""
    from django.utils import timezone

    from scheduling.models import Booking

    now = timezone.now()
    start = now - timezone.timedelta(minutes=started_minutes_ago)
    return Booking.objects.create(
        county=world.county, org=world.branch, lecturer=world.zhang, course=world.course,
        start_at=start, end_at=start + timezone.timedelta(minutes=minutes),
        venue="党群服务中心", expected_attendees=attendees, classroom="classroom",
        requested_by=world.secretary, expires_at=now, status=status,
    )  # fmt: skip

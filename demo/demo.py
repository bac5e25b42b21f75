"""The demo county at the reference scale (API.md "Commands and demo data").

Deterministic: the same seed builds the same county. Bulk inserts keep it well under a
minute; all demo accounts share one password hash, computed once.
"""

import math
import os
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.pinyin import pinyin_keys
from courses.models import Audience, Category, Classroom, Course, CourseHonour, CourseRevision
from lecturers.models import HonourTitle, Lecturer, LecturerHonour, LecturerLevel, LecturerStatus
from orgs.models import MemberGroup, Membership, Organisation, OrgLevel, Role

from . import demo_catalogue as words
from .history import appraise_year, replay_past
from .past_round import hold_past_round, publish_rules

DEMO_USERNAMES = ("county_admin", "town_admin", "secretary", "lecturer")
DEFAULT_COUNTY = "青山县"
# The invented province the demo counties belong to; its admin is the first seed's.
DEFAULT_PROVINCE = "云岭省"
PROVINCE_ADMIN = "province_admin"
REFERENCE = {
    "towns": 12,
    "branches": 300,
    "lecturers": 260,
    "courses": 278,
    "famous": 6,
    "good_courses": 6,
}


def demo_password() -> str:
    return os.environ.get("JIANGTAI_DEMO_PASSWORD", settings.DEMO_PASSWORD_DEFAULT)


class DemoRefused(Exception):
    pass


@dataclass
class DemoResult:
    county: Organisation
    towns: int
    branches: int
    lecturers: int
    courses: int
    usernames: list[str]
    history: dict = field(default_factory=dict)


def _point_near(rng: random.Random, lat: float, lng: float, km: float) -> tuple[float, float]:
    """A point within `km` of (lat, lng), uniformly over the disc."""
    distance = km * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    dlat = distance * math.cos(bearing) / 111.0
    dlng = distance * math.sin(bearing) / (111.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)


def check_may_seed(county_name: str, prefix: str) -> None:
    """Refuse a database with real data, or a county / logins that are already there."""
    if (
        Organisation.objects.filter(is_demo=False).exists()
        or Lecturer.objects.filter(is_demo=False).exists()
    ):
        raise DemoRefused(
            "This database holds non-demo data; seed_demo only runs on an empty or demo database."
        )
    if Organisation.objects.filter(level=OrgLevel.COUNTY, name=county_name).exists():
        raise DemoRefused(f"A county named {county_name} already exists.")
    taken = User.objects.filter(username__in=[prefix + u for u in DEMO_USERNAMES])
    if taken.exists():
        raise DemoRefused(
            f"Logins already exist: {', '.join(taken.values_list('username', flat=True))}"
        )


class _Builder:
    def __init__(self, *, county_name: str, prefix: str, seed: int):
        self.rng = random.Random(f"{seed}:{county_name}")
        self.county_name = county_name
        self.prefix = prefix
        self.password_hash = make_password(demo_password())
        self.now = timezone.now()
        # Each county gets its own place on the map so that two demo counties do not overlap.
        self.center = (36.0 + self.rng.random() * 1.5, 117.5 + self.rng.random() * 2.0)
        # Demo mobile numbers: 199 + county-specific block + sequence.
        self.phone_block = self.rng.randrange(1000, 9999)
        self.phone_seq = 0

    def phone(self) -> str:
        self.phone_seq += 1
        return f"199{self.phone_block:04d}{self.phone_seq:04d}"

    # --- organisation tree ---------------------------------------------------------------
    def build_orgs(self):
        rng = self.rng
        county = Organisation.objects.create(
            name=self.county_name,
            level=OrgLevel.COUNTY,
            lat=round(self.center[0], 6),
            lng=round(self.center[1], 6),
            address=f"{self.county_name}人民路1号",
            is_demo=True,
        )
        Organisation.objects.filter(pk=county.pk).update(county=county)
        county.county = county
        towns = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=name,
                    level=OrgLevel.TOWN,
                    parent=county,
                    county=county,
                    address=f"{self.county_name}{name}政府驻地",
                    is_demo=True,
                    **dict(zip(("lat", "lng"), _point_near(rng, *self.center, 25), strict=True)),
                )
                for name in words.TOWNS[: REFERENCE["towns"]]
            ]
        )
        branches = []
        for name, group in words.COUNTY_UNITS:
            lat, lng = _point_near(rng, *self.center, 3)
            branches.append(self._branch(county, county, name, group, lat, lng))
        per_town = (REFERENCE["branches"] - len(branches)) // len(towns)
        extra = (REFERENCE["branches"] - len(branches)) % len(towns)
        for index, town in enumerate(towns):
            names = set()
            wanted = per_town + (1 if index < extra else 0)
            candidates = [(f"{town.name[:2]}{u}", g) for u, g in words.TOWN_UNITS]
            while len(candidates) < wanted:
                roll = rng.random()
                if roll < 0.72:
                    name = f"{rng.choice(words.VILLAGE_PREFIXES)}{rng.choice(words.VILLAGE_STEMS)}村党支部"
                    group = MemberGroup.RURAL
                elif roll < 0.88:
                    name = f"{rng.choice(words.COMMUNITY_STEMS)}社区党委"
                    group = MemberGroup.COMMUNITY
                else:
                    name = f"{town.name[:2]}{rng.choice(words.FIRM_STEMS)}党支部"
                    group = MemberGroup.NEW_SECTORS
                if name not in names:
                    names.add(name)
                    candidates.append((name, group))
            for name, group in candidates[:wanted]:
                lat, lng = _point_near(rng, town.lat, town.lng, 6)
                branches.append(self._branch(county, town, name, group, lat, lng))
        branches = Organisation.objects.bulk_create(branches)
        return county, towns, branches

    def _branch(self, county, parent, name, group, lat, lng):
        return Organisation(
            name=name,
            level=OrgLevel.VILLAGE,
            parent=parent,
            county=county,
            group=group,
            lat=lat,
            lng=lng,
            address=f"{parent.name}{name.removesuffix('党支部').removesuffix('党委').removesuffix('党总支')}",
            is_demo=True,
        )

    # --- people ----------------------------------------------------------------------------
    def unique_names(self, n: int) -> list[str]:
        names: list[str] = []
        seen = set()
        while len(names) < n:
            given = "".join(
                self.rng.choice(words.GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2)))
            )
            name = self.rng.choice(words.SURNAMES) + given
            if name not in seen:
                seen.add(name)
                names.append(name)
        return names

    def user(self, username: str, name: str, county, phone: str = "") -> User:
        return User(
            username=username, name=name, phone=phone, county=county, password=self.password_hash
        )

    def build_lecturers(self, county, towns, branches):
        rng = self.rng
        total = REFERENCE["lecturers"]
        names = self.unique_names(total + 3)
        sources = [s for s in words.SOURCES for _ in range(s[1])]
        by_town = {t.pk: [b for b in branches if b.parent_id == t.pk] for t in towns}
        county_units = [b for b in branches if b.parent_id == county.pk]
        lecturers, users, mains = [], [], []
        categories = Category.values
        for i in range(total):
            source, _w, unit, post = rng.choice(sources)
            level = (
                LecturerLevel.COUNTY
                if (source in ("party_school", "expert") or rng.random() < 0.3)
                else LecturerLevel.TOWN
            )
            if level == LecturerLevel.COUNTY:
                org = rng.choice(county_units) if rng.random() < 0.6 else county
            else:
                org = rng.choice(by_town[rng.choice(towns).pk])
            home = org if org.lat else county
            lat, lng = _point_near(rng, home.lat, home.lng, 1.5)
            main = categories[i % len(categories)]
            second = rng.choice(categories)
            specialties = list(
                dict.fromkeys(
                    [*rng.sample(words.SPECIALTIES[main], 2), rng.choice(words.SPECIALTIES[second])]
                )
            )
            status = LecturerStatus.ACTIVE
            if i >= total - 10:
                status = (
                    (LecturerStatus.CANDIDATE,) * 5
                    + (LecturerStatus.COLD_STORE,) * 3
                    + (LecturerStatus.REMOVED,) * 2
                )
                status = status[i - (total - 10)]
            name = names[i]
            pinyin, initials = pinyin_keys(name)
            phone = self.phone()
            users.append(self.user(f"{self.prefix}{phone}", name, county, phone))
            lecturers.append(
                Lecturer(
                    county=county,
                    org=org,
                    name=name,
                    name_pinyin=pinyin,
                    name_initials=initials,
                    phone=phone,
                    gender=rng.choice(("female", "male", "male")),
                    birth_year=rng.randrange(1950, 1960)
                    if source == "retired_cadre"
                    else rng.randrange(1962, 1998),
                    unit=unit or org.name.removesuffix("党支部").removesuffix("党委"),
                    post=post,
                    source=source,
                    level=level,
                    status=status,
                    specialties="、".join(specialties),
                    teaching_style=rng.choice(words.TEACHING_STYLES),
                    bio=(
                        f"{name}，{'县级' if level == LecturerLevel.COUNTY else '镇级'}党员教育讲师，"
                        f"长期从事{specialties[0]}相关工作，多次深入基层开展{specialties[-1]}宣讲，"
                        f"{rng.choice(words.TEACHING_STYLES)}。"
                    ),
                    lat=lat,
                    lng=lng,
                    likes_count=0,
                    # Appointed for three years, ending with this one: the renewal season.
                    appointed_from=date(self.now.year - 2, 1, 1),
                    appointed_until=date(self.now.year, 12, 31),
                    is_demo=True,
                )
            )
            mains.append(main)
        users = User.objects.bulk_create(users)
        for lecturer, user in zip(lecturers, users, strict=True):
            lecturer.user = user
        lecturers = Lecturer.objects.bulk_create(lecturers)
        Membership.objects.bulk_create(
            [Membership(user=lec.user, org=lec.org, role=Role.LECTURER) for lec in lecturers]
        )
        return lecturers, mains

    def build_courses(self, county, lecturers, mains):
        rng = self.rng
        active = [i for i, lec in enumerate(lecturers) if lec.status != LecturerStatus.CANDIDATE]
        # One course each; the demo lecturer (index 0) gives three; others a second, up to 278.
        per_lecturer = dict.fromkeys(range(len(lecturers)), 1)
        per_lecturer[0] = 3
        extra = REFERENCE["courses"] - sum(per_lecturer.values())
        for i in rng.sample(active[1:], extra):
            per_lecturer[i] += 1
        courses, revisions = [], []
        two_years = 730
        for i, lecturer in enumerate(lecturers):
            taken = set()
            for k in range(per_lecturer[i]):
                category = mains[i] if k == 0 else rng.choice(Category.values)
                while True:
                    title = rng.choice(words.TITLES[category]) + rng.choice(words.SUBTITLES)
                    if title not in taken:
                        taken.add(title)
                        break
                parts = words.OUTLINE_PARTS[category]
                topic = lecturer.specialty_list[0] if lecturer.specialty_list else title
                courses.append(
                    Course(
                        county=county,
                        lecturer=lecturer,
                        title=title,
                        category=category,
                        objectives=f"帮助党员理解{topic}的核心要求，联系本地实际，学以致用。",
                        outline="\n".join(
                            f"{'一二三四'[n]}、{part}：结合{topic}讲清{part}"
                            for n, part in enumerate(parts)
                        ),
                        structure="讲授60分钟，互动交流20分钟，测评10分钟",
                        duration_minutes=rng.choice((60, 90, 90, 120)),
                        audiences=rng.sample(Audience.values, rng.randrange(1, 4)),
                        classrooms=rng.sample(Classroom.values, rng.randrange(1, 3)),
                        is_demo=True,
                    )
                )
        courses = Course.objects.bulk_create(courses)
        # Spread creation dates over two years so that "new courses this year" means something.
        for course in courses:
            created = self.now - timedelta(
                days=rng.randrange(0, two_years), hours=rng.randrange(0, 24)
            )
            course.created_at = created
            revisions.append(
                CourseRevision(
                    course=course,
                    kind=CourseRevision.Kind.CREATED,
                    snapshot={"title": course.title, "category": course.category},
                )
            )
        Course.objects.bulk_update(courses, ["created_at"])
        revisions = CourseRevision.objects.bulk_create(revisions)
        for revision in revisions:
            revision.changed_at = revision.course.created_at
        CourseRevision.objects.bulk_update(revisions, ["changed_at"])
        return courses

    def build_honours(self, lecturers, courses):
        rng = self.rng
        year = self.now.year - 1
        active = [lec for lec in lecturers if lec.status == LecturerStatus.ACTIVE]
        famous = rng.sample(active, REFERENCE["famous"])
        LecturerHonour.objects.bulk_create(
            [
                LecturerHonour(lecturer=lec, title=HonourTitle.FAMOUS_LECTURER, year=year)
                for lec in famous
            ]
        )
        good = rng.sample(
            [c for c in courses if c.lecturer.status == LecturerStatus.ACTIVE],
            REFERENCE["good_courses"],
        )
        CourseHonour.objects.bulk_create(
            [CourseHonour(course=c, title=HonourTitle.GOOD_COURSE, year=year) for c in good]
        )
        LecturerHonour.objects.bulk_create(
            [
                LecturerHonour(lecturer=c.lecturer, title=HonourTitle.GOOD_COURSE, year=year)
                for c in good
            ],
            ignore_conflicts=True,
        )

    def build_province(self, county, province_name: str) -> str | None:
        """Hang the county under the demo province, made with its admin login on the first
        seed (a second county joins it). Returns the new admin's username, if one was made."""
        province = Organisation.objects.filter(
            level=OrgLevel.PROVINCE, name=province_name, parent=None
        ).first()
        made = None
        if province is None:
            username = f"{self.prefix}{PROVINCE_ADMIN}"
            if User.objects.filter(username=username).exists():
                raise DemoRefused(f"Logins already exist: {username}")
            province = Organisation.objects.create(
                name=province_name,
                level=OrgLevel.PROVINCE,
                address=f"{province_name}省府路1号",
                is_demo=True,
            )
            # The province admin's login belongs to no county (orgs.models.Membership).
            admin = self.user(username, "省委组织部干部教育处", None)
            admin.save()
            Membership.objects.create(user=admin, org=province, role=Role.PROVINCE_ADMIN)
            made = username
        Organisation.objects.filter(pk=county.pk).update(parent=province)
        county.parent = province
        return made

    def build_logins(self, county, towns, branches, lecturers):
        town = towns[0]
        branch = next(
            b for b in branches if b.parent_id == town.pk and b.group == MemberGroup.RURAL
        )
        p = self.prefix
        admin = self.user(f"{p}county_admin", "组织部管理员", county)
        town_admin = self.user(f"{p}town_admin", f"{town.name}党建办", county)
        secretary = self.user(f"{p}secretary", f"{branch.name.removesuffix('党支部')}书记", county)
        admin, town_admin, secretary = User.objects.bulk_create([admin, town_admin, secretary])
        Membership.objects.bulk_create(
            [
                Membership(user=admin, org=county, role=Role.COUNTY_ADMIN),
                Membership(user=town_admin, org=town, role=Role.TOWN_ADMIN),
                Membership(user=secretary, org=branch, role=Role.SECRETARY),
            ]
        )
        # The demo lecturer is the first generated one: active, three courses.
        demo_lecturer = lecturers[0]
        User.objects.filter(pk=demo_lecturer.user_id).update(username=f"{p}lecturer")
        return [admin.username, town_admin.username, secretary.username, f"{p}lecturer"]


def seed_demo(
    *,
    county_name: str = DEFAULT_COUNTY,
    province_name: str = DEFAULT_PROVINCE,
    prefix: str = "",
    seed: int = 2026,
    history_days: int = 0,
    appraise: bool = False,
    progress=None,
) -> DemoResult:
    """The demo county, under the demo province (`province_name`, made with its admin login
    by the first seed); with `history_days`, also that many days of its past, replayed
    through the services (demo/history.py) with the county's 考核激励办法 and last year's
    精品课 round (demo/past_round.py), and with `appraise` this year's appraisal run,
    published and acted on.

    All of it is one transaction: nothing of the county is seen before all of it is there,
    and a seed that is stopped half-way (a crash, Ctrl-C, `kill -9`) leaves nothing behind.
    `progress(fraction)`, if given, hears how far it is (0 to 1; the replayed year is most of
    it), while the transaction is still open."""
    happened = {}
    report = progress or (lambda fraction: None)
    # The shares of the time each step takes, measured on SQLite (for the progress only).
    built, replayed, appraised = (0.04, 0.82, 0.95) if history_days else (1.0, 1.0, 1.0)
    with transaction.atomic():
        report(0.0)
        check_may_seed(county_name, prefix)
        builder = _Builder(county_name=county_name, prefix=prefix, seed=seed)
        county, towns, branches = builder.build_orgs()
        lecturers, mains = builder.build_lecturers(county, towns, branches)
        courses = builder.build_courses(county, lecturers, mains)
        builder.build_honours(lecturers, courses)
        usernames = builder.build_logins(county, towns, branches, lecturers)
        province_admin = builder.build_province(county, province_name)
        report(built)
        if history_days:
            happened = replay_past(
                days=history_days,
                rng=builder.rng,
                county=county,
                admin=User.objects.get(username=usernames[0]),
                branches=branches,
                lecturers=lecturers,
                prefix=prefix,
                password_hash=builder.password_hash,
                progress=lambda f: report(built + (replayed - built) * f),
            )
            report(replayed)
        if appraise:
            happened["grades"] = appraise_year(
                county=county,
                admin=User.objects.get(username=usernames[0]),
                year=timezone.localdate().year,
                rng=builder.rng,
            )
            report(appraised)
        if history_days:
            admin = User.objects.get(username=usernames[0])
            last_year = timezone.localdate().year - 1
            publish_rules(admin=admin, year=last_year)
            round_ = hold_past_round(admin=admin, year=last_year, rng=builder.rng)
            happened["quality_courses"] = round_.entries.filter(is_winner=True).count()
    if province_admin:
        usernames.append(province_admin)
    return DemoResult(
        county=county,
        towns=len(towns),
        branches=len(branches),
        lecturers=len(lecturers),
        courses=len(courses),
        usernames=usernames,
        history=happened,
    )

"""Recommendations for a demand (L9): hard filters, then a score of five components in [0, 1]
with the county's weights, each recommendation explained.

Topic relevance is BM25 over each (lecturer, course) document: the course title counts
twice, its outline, objectives and the lecturer's specialties once. Words that name the
audience ("党员", "村民") or go with any topic ("教育") weigh less than the topic's own
words, the county's synonyms less than the words typed. A demand's category decides a
quarter of the topic component.
The index of a county is built once and kept in memory until a course or lecturer changes.

A request touches only the lecturers that can make the list. Every matching lecturer gets an
upper bound of their score from what the index knows (topic; distance when the lecturer has
own coordinates; 1 for the rest); candidates are then scored exactly, best bound first, in
growing batches on fresh rows (status, rights, bookings, slots, ratings), until no remaining
bound can beat the last place of the list. The result is the same as scoring everyone.
"""

import heapq
import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core.timeutil import local, month_bounds
from courses.models import Course, CourseStatus
from lecturers.models import Lecturer, LecturerStatus
from lecturers.selectors import lecturer_bookable_for
from orgs import rules as access_rules
from orgs.models import CountySettings, Organisation
from scheduling.models import Booking, BookingStatus, Offering, OfferingSlot

from . import windows
from .models import DemandNotice, NoticeOutcome, Synonym
from .text import WEAK_WORDS, cached_terms, terms

K1, B = 1.5, 0.75
TITLE_WEIGHT = 2  # the title counts twice
CATEGORY_BOOST = 0.25  # share of the topic component that the demand's category decides
SYNONYM_WEIGHT = 0.7
WEAK_WEIGHT = 0.3  # "党员", "村民", "教育": who listens, or words of any topic
# Bayesian average: PRIOR_WEIGHT imaginary ratings of PRIOR_SCORE. A rating is one trainee's
# evaluation, and one session brings about thirty, so a handful of perfect scores moves a
# lecturer little and three hundred good ones a lot.
PRIOR_SCORE, PRIOR_WEIGHT = 80.0, 30
DISTANCE_HALF_KM = 15.0  # the distance component is 0.5 at this distance
RECENT_DAYS = 90
COMPONENTS = ("topic", "distance", "quality", "fairness", "availability")
FIRST_BATCH = 48  # lecturers scored exactly before the bound prunes; batches then double
_MARGIN = 1e-9  # bounds and scores are compared with this much room for rounding
LARGEST_BATCH = 1024  # the ids are written into the statement five times: keep it short
# Row kinds of a scoring batch (quoted into SQL: no quotes in them).
_LECTURER, _BUSY, _SLOT = "lecturer", "busy", "slot"


@dataclass(slots=True)
class Doc:
    lecturer_id: int
    course_id: int
    title: str
    category: str
    length: int


@dataclass(slots=True)
class Place:
    """What the index knows of a lecturer: enough to prune, never to decide. `stand_in`
    answers `lecturers.selectors.lecturer_bookable_for`; `at` is (latitude and longitude in radians, cosine
    of the latitude) of the lecturer's own coordinates, None without them.

    Saving a lecturer rebuilds the index; an organisation moved under another town (possible
    only in the Django admin) reaches it at the next rebuild, and until then its lecturers are
    judged by their old town when pruning."""

    stand_in: SimpleNamespace
    at: tuple[float, float, float] | None


@dataclass
class CountyIndex:
    version: tuple
    docs: list[Doc] = field(default_factory=list)
    # term → [(document position, BM25's saturated term frequency)]
    postings: dict = field(default_factory=lambda: defaultdict(list))
    df: Counter = field(default_factory=Counter)
    avg_length: float = 1.0
    # category → lecturer → position of the lecturer's first course of that category
    by_category: dict = field(default_factory=lambda: defaultdict(dict))
    places: dict[int, Place] = field(default_factory=dict)
    doc_lecturer: list[int] = field(default_factory=list)  # per position, for the hot loop
    doc_category: list[str] = field(default_factory=list)
    # course → ((course saved at, lecturer saved at), its terms joined by spaces), for rebuilds
    terms: dict[int, tuple[tuple, str]] = field(default_factory=dict)
    # (county of the demand's organisation, its town, town lecturers county-wide?) → the
    # lecturers of `places` that `lecturer_bookable_for` lets it book: all that rule reads.
    bookable: dict[tuple, frozenset[int]] = field(default_factory=dict)

    def bookable_by(self, org, rules) -> frozenset[int]:
        """The index's guess of whom `org` may book (the scorer decides on fresh rows),
        worked out once per town and kept with the index."""
        key = (org.county_id, access_rules.org_town_id(org), rules.town_lecturers_county_wide)
        allowed = self.bookable.get(key)
        if allowed is None:
            allowed = self.bookable[key] = frozenset(
                lecturer_id
                for lecturer_id, place in self.places.items()
                if lecturer_bookable_for(place.stand_in, org, rules)
            )
        return allowed

    def idf(self, term: str) -> float:
        n, df = len(self.docs), self.df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


_indexes: dict[int, CountyIndex] = {}
_lock = threading.Lock()


# The county settings a recommendation applies, read with the index check.
RULE_FIELDS = (
    "town_lecturers_county_wide",
    "travel_buffer_minutes",
    "weight_topic",
    "weight_distance",
    "weight_quality",
    "weight_fairness",
    "weight_availability",
)


def _state_sql() -> tuple[str, list]:
    """One statement for what a request must know before it ranks: whether any course or
    lecturer of the county was added, saved or deleted (count and latest `updated_at` of each,
    read from the `(county, updated_at)` indexes alone), the county's synonym groups, and on
    every row the county's RULE_FIELDS, their defaults until an admin saves the settings (as
    `CountySettings.for_county`). Returns the statement and the fields, whose defaults are
    its first parameters."""
    # Table and column names from the models, values as parameters.
    courses, lecturers, synonyms, settings = (
        m._meta.db_table for m in (Course, Lecturer, Synonym, CountySettings)
    )
    fields = [CountySettings._meta.get_field(name) for name in RULE_FIELDS]
    rules = ", ".join(f"COALESCE(s.{f.column}, %s)" for f in fields)
    sql = f"""
        SELECT k.kind, k.n, k.changed, k.words, {rules} FROM (
            SELECT 0 AS kind, COUNT(*) AS n, MAX(updated_at) AS changed, NULL AS words
            FROM {courses} WHERE county_id = %s
            UNION ALL SELECT 1, COUNT(*), MAX(updated_at), NULL FROM {lecturers} WHERE county_id = %s
            UNION ALL SELECT 2, id, NULL, words FROM {synonyms} WHERE county_id = %s
        ) k LEFT JOIN {settings} s ON s.county_id = %s
    """  # noqa: S608
    return sql, fields


def _county_state(county_id: int) -> tuple[SimpleNamespace, tuple, list[str]]:
    """(the county's rules, its index version, its synonym groups' words), in one query."""
    sql, fields = _state_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(f.get_default() for f in fields), *[county_id] * 4])
        rows = cursor.fetchall()
    # to_python: SQLite answers 0 or 1 for a boolean.
    rules = SimpleNamespace(
        **{f.attname: f.to_python(value) for f, value in zip(fields, rows[0][4:], strict=True)}
    )
    version = tuple(sorted(row[:3] for row in rows if row[0] < 2))
    synonyms = [row[3] for row in sorted(rows, key=lambda r: (r[0], r[1])) if row[0] == 2]
    return rules, version, synonyms


def _index_version(county_id: int) -> tuple:
    """Changes when a course or lecturer of the county is added, saved or deleted (one query)."""
    return _county_state(county_id)[1]


def build_index(
    county_id: int, version: tuple | None = None, previous: CountyIndex | None = None
) -> CountyIndex:
    """The county's index. Segmenting is most of the work, so the terms of courses that did
    not change since `previous` (neither the course nor its lecturer saved) are reused."""
    index = CountyIndex(version=_index_version(county_id) if version is None else version)
    reusable = previous.terms if previous is not None else {}
    rows = (
        Course.objects.filter(
            county_id=county_id, status=CourseStatus.ACTIVE, lecturer__status=LecturerStatus.ACTIVE
        )
        .values_list(
            "pk",
            "lecturer_id",
            "title",
            "category",
            "outline",
            "objectives",
            "lecturer__specialties",
            "updated_at",
            "lecturer__updated_at",
        )
        .order_by("pk")
    )
    specialty_terms: dict[int, list[str]] = {}
    counts: list[Counter] = []
    for row in rows:
        course_id, lecturer_id, title, category, outline, objectives, specialties = row[:7]
        stamp = row[7:]
        known = reusable.get(course_id)
        if known is not None and known[0] == stamp:
            document_terms = known[1].split(" ") if known[1] else []
        else:
            if lecturer_id not in specialty_terms:
                specialty_terms[lecturer_id] = terms(specialties)
            document_terms = (
                terms(title) * TITLE_WEIGHT
                + terms(outline)
                + terms(objectives)
                + specialty_terms[lecturer_id]
            )
        index.terms[course_id] = (stamp, " ".join(document_terms))  # terms hold no spaces
        tf = Counter(document_terms)
        index.by_category[category].setdefault(lecturer_id, len(index.docs))
        index.docs.append(Doc(lecturer_id, course_id, title, category, sum(tf.values())))
        index.doc_lecturer.append(lecturer_id)
        index.doc_category.append(category)
        counts.append(tf)
    index.avg_length = (sum(d.length for d in index.docs) / len(index.docs)) if index.docs else 1.0
    for position, (doc, tf) in enumerate(zip(index.docs, counts, strict=True)):
        norm = K1 * (1 - B + B * doc.length / index.avg_length)
        for term, count in tf.items():
            index.postings[term].append((position, count * (K1 + 1) / (count + norm)))
            index.df[term] += 1
    for row in (
        Lecturer.objects.filter(county_id=county_id, status=LecturerStatus.ACTIVE)
        .values(
            "pk", "level", "lat", "lng", "org_id", "org__level", "org__parent_id", "org__county_id"
        )
        .order_by()
    ):  # fmt: skip
        if row["pk"] not in specialty_terms:
            continue  # no active course: never recommended
        org = None
        if row["org_id"] is not None:
            org = SimpleNamespace(
                pk=row["org_id"], level=row["org__level"], parent_id=row["org__parent_id"],
                county_id=row["org__county_id"],
            )  # fmt: skip
        stand_in = SimpleNamespace(
            pk=row["pk"], status=LecturerStatus.ACTIVE, county_id=county_id, level=row["level"], org=org
        )  # fmt: skip
        at = None
        if row["lat"] is not None and row["lng"] is not None:
            phi = math.radians(row["lat"])
            at = (phi, math.radians(row["lng"]), math.cos(phi))
        index.places[row["pk"]] = Place(stand_in, at)
    return index


def county_index(county_id: int, version: tuple | None = None) -> CountyIndex:
    """The county's index, rebuilt only when its courses or lecturers changed. `version`:
    the county's current version when the caller has just read it."""
    if version is None:
        version = _index_version(county_id)
    cached = _indexes.get(county_id)
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        cached = _indexes.get(county_id)
        if cached is None or cached.version != version:
            cached = _indexes[county_id] = build_index(county_id, version, previous=cached)
    return cached


def query_terms(county_id: int, topic: str, synonyms: list[str] | None = None) -> dict[str, float]:
    """Term → weight: the topic's own terms (weak words less), and the county's synonyms
    of words in the topic at a lower weight. `synonyms`: the county's groups when the caller
    has read them (in id order), otherwise one query."""
    weights: dict[str, float] = {}
    for term in cached_terms(topic):
        weights.setdefault(term, WEAK_WEIGHT if term in WEAK_WORDS else 1.0)
    lowered = topic.lower()
    if synonyms is None:
        synonyms = Synonym.objects.filter(county_id=county_id).order_by("pk")
        synonyms = list(synonyms.values_list("words", flat=True))
    for words in synonyms:
        group = [w.lower() for w in Synonym(words=words).word_list]
        if any(word in lowered for word in group):
            for word in group:
                for term in cached_terms(word) or (word,):
                    weights.setdefault(term, SYNONYM_WEIGHT)
    return weights


def bm25(index: CountyIndex, weights: dict[str, float]) -> dict[int, float]:
    """Score per document position, for the documents that contain a query term."""
    lists = []
    for term, weight in weights.items():
        postings = index.postings.get(term)
        if postings:
            lists.append((weight * index.idf(term), postings))
    if sum(len(postings) for _factor, postings in lists) * 8 < len(index.docs):
        scores: dict[int, float] = {}
        get = scores.get
        for factor, postings in lists:
            for position, saturated in postings:
                scores[position] = get(position, 0.0) + factor * saturated
        return scores
    # Common words reach most documents: a flat list is faster than a dictionary.
    flat = [0.0] * len(index.docs)
    for factor, postings in lists:
        for position, saturated in postings:
            flat[position] += factor * saturated
    return {position: raw for position, raw in enumerate(flat) if raw}


def topic_by_lecturer(
    index: CountyIndex, weights: dict[str, float], category: str = ""
) -> dict[int, tuple[float, int]]:
    """Each matching lecturer's topic component and the position of their best course (ties:
    the lower course id). Relevance is relative to the best document; with a category, the
    category decides CATEGORY_BOOST of the component and all its courses match."""
    doc_scores = bm25(index, weights)
    best_raw = max(doc_scores.values(), default=0.0)
    scale = (1 - CATEGORY_BOOST) if category else 1.0
    doc_lecturer, doc_category = index.doc_lecturer, index.doc_category
    best: dict[int, tuple[float, int]] = {}
    get = best.get
    for position, raw in doc_scores.items():
        topic = scale * raw / best_raw
        if category and doc_category[position] == category:
            topic += CATEGORY_BOOST
        lecturer_id = doc_lecturer[position]
        current = get(lecturer_id)
        # Positions follow course ids, so the lower position is the lower course id.
        if current is None or topic > current[0] or (topic == current[0] and position < current[1]):
            best[lecturer_id] = (topic, position)
    if category:
        for lecturer_id, position in index.by_category.get(category, {}).items():
            current = get(lecturer_id)
            if current is None or (current[0], -current[1]) < (CATEGORY_BOOST, -position):
                best[lecturer_id] = (CATEGORY_BOOST, position)
    return best


# --- components -------------------------------------------------------------------------------


def haversine_km(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def distance_component(km: float | None) -> float:
    return 0.5 if km is None else 1.0 / (1.0 + max(0.0, km) / DISTANCE_HALF_KM)


def quality_component(score: float | None, count: int) -> float:
    """Bayesian average: three perfect scores do not beat three hundred good ones."""
    count = max(0, count or 0)
    total = min(100.0, max(0.0, score or 0.0)) * count
    return (PRIOR_SCORE * PRIOR_WEIGHT + total) / (PRIOR_WEIGHT + count) / 100.0


def fairness_component(recent_sessions: int) -> float:
    """Fewer recent sessions score higher, so work spreads over the pool."""
    return 1.0 / (1.0 + max(0, recent_sessions) / 3.0)


def first_free_start(
    busy: list[tuple[datetime, datetime]], start: datetime, end: datetime, minutes: int
):
    """The earliest start in [start, end) with `minutes` free of every busy interval."""
    need = timedelta(minutes=minutes)
    cursor = start
    for busy_start, busy_end in sorted(busy):
        if busy_end <= cursor:
            continue
        if busy_start - cursor >= need:
            break
        cursor = max(cursor, busy_end)
    return cursor if cursor + need <= end else None


def first_free_in(busy: list[tuple[datetime, datetime]], spans, minutes: int):
    """The earliest start inside one of the sorted spans with `minutes` free of `busy`."""
    for lo, hi in spans:
        start = first_free_start(busy, lo, hi, minutes)
        if start is not None:
            return start
    return None


def combine(components: dict, weights: dict, total_weight: float) -> float:
    """The weighted score of the components, in [0, 1]."""
    return sum(weights[k] * v for k, v in components.items()) / total_weight


def county_weights(rules) -> tuple[dict, float]:
    """The county's component weights (negative ones count as 0) and their sum."""
    weights = {
        "topic": max(0.0, rules.weight_topic),
        "distance": max(0.0, rules.weight_distance),
        "quality": max(0.0, rules.weight_quality),
        "fairness": max(0.0, rules.weight_fairness),
        "availability": max(0.0, rules.weight_availability),
    }
    return weights, sum(weights.values()) or 1.0


# --- recommendations ------------------------------------------------------------------------------


@dataclass
class Recommendation:
    lecturer_id: int
    lecturer_name: str
    course_id: int
    course_title: str
    score: float
    components: dict
    distance_km: float | None
    start: datetime
    reason: str

    def as_dict(self) -> dict:
        return {
            "lecturer_id": self.lecturer_id,
            "lecturer_name": self.lecturer_name,
            "course_id": self.course_id,
            "course_title": self.course_title,
            "score": round(self.score, 4),
            "components": {k: round(v, 4) for k, v in self.components.items()},
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "start": self.start,
            "reason": self.reason,
        }


@dataclass
class Result:
    recommendations: list[Recommendation]
    unmatched_terms: list[str]


def _reason(
    course_title: str, km: float | None, score: float | None, month_sessions: int, has_slot: bool
) -> str:
    parts = [_("teaches “%(title)s”") % {"title": course_title}]
    if km is not None:
        parts.append(_("%(km)d km away") % {"km": round(km)})
    parts.append(_("rated %(score)d") % {"score": round(score)} if score else _("not rated yet"))
    parts.append(
        _("no session this month yet")
        if month_sessions == 0
        else _("%(n)d sessions this month") % {"n": month_sessions}
    )
    if has_slot:
        parts.append(_("published a free slot"))
    return _(", ").join(parts)


@dataclass(slots=True)
class _Scored:
    score: float
    lecturer_id: int
    lecturer_name: str
    rating: float | None
    doc: Doc
    components: dict
    km: float | None
    start: datetime
    has_slot: bool
    month_sessions: int

    @property
    def rank_key(self):
        # Ties break by lecturer id, so the same demand always ranks the same way.
        return (-round(self.score, 9), self.lecturer_id)


def _aware(value) -> datetime:
    """A datetime read by raw SQL: SQLite gives the stored UTC time as text or as a naive
    datetime (depending on whether it knows the column's type), PostgreSQL an aware one."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class _Scorer:
    """Exact scores of a demand's candidates from fresh rows, a batch at a time (one
    statement each)."""

    def __init__(self, demand, rules, index: CountyIndex, topics: dict):
        self.demand = demand
        self.rules = rules
        self.index = index
        self.topics = topics
        self.weights, self.total = county_weights(rules)
        self.buffer = timedelta(minutes=rules.travel_buffer_minutes)
        # The window cut to the demand's weekdays and daily hours (one span when it has none).
        self.spans = windows.demand_spans(demand)
        self.now = timezone.now()
        # This calendar month in Shanghai time, [start, end): the reason's "sessions this
        # month" (held or booked in it, none of a later month).
        self.month_start, self.month_end = month_bounds(local(self.now).date().replace(day=1))
        self.recent_since = self.now - timedelta(days=RECENT_DAYS)

    def _rows(self, lecturer_ids: list[int]):
        """One statement of three parts with the same columns, (lecturer, kind, start, end,
        …): the candidates that pass the status filter, each with its rights, ratings and
        organisation and its teaching load counted in SQL (confirmed and completed sessions
        since RECENT_DAYS and in this calendar month, dropped grabs); then the confirmed
        sessions that may block the window and the published slots in it.

        The first part types the columns for PostgreSQL. Every part filters by the candidates'
        ids itself, so no plan can repeat a part per lecturer. The organisation's columns are
        subqueries, one index lookup per candidate: a join was planned as a scan of all the
        county's organisations. The ids (integers) are written into the statement: as
        parameters, repeated in every part, their conversion cost more than running it."""
        demand, buffer = self.demand, self.buffer
        adapt = connection.ops.adapt_datetimefield_value
        ids = ", ".join(str(int(lecturer_id)) for lecturer_id in lecturer_ids)
        org = ", ".join(
            f"(SELECT o.{column} FROM {Organisation._meta.db_table} o WHERE o.id = l.org_id)"  # noqa: S608
            for column in ("level", "parent_id", "county_id", "lat", "lng")
        )
        none = ", ".join(["NULL"] * 15)
        bookings = Booking._meta.db_table
        # Table names from the models, kinds from constants, ids as integers, values as
        # parameters.
        sql = f"""
            SELECT l.id, '{_LECTURER}', CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP),
                   l.name, l.level, l.lat, l.lng, l.score, l.rating_count, l.org_id, {org},
                   COALESCE(b.recent, 0), COALESCE(b.month, 0), COALESCE(d.dropped, 0)
            FROM {Lecturer._meta.db_table} l
            LEFT JOIN (
                SELECT lecturer_id, COUNT(*) AS recent,
                       SUM(CASE WHEN start_at >= %s AND start_at < %s THEN 1 ELSE 0 END) AS month
                FROM {bookings}
                WHERE lecturer_id IN ({ids}) AND status IN (%s, %s) AND start_at >= %s
                GROUP BY lecturer_id
            ) b ON b.lecturer_id = l.id
            LEFT JOIN (
                SELECT lecturer_id, COUNT(*) AS dropped
                FROM {DemandNotice._meta.db_table}
                WHERE lecturer_id IN ({ids}) AND outcome = %s AND notified_at >= %s
                GROUP BY lecturer_id
            ) d ON d.lecturer_id = l.id
            WHERE l.id IN ({ids}) AND l.county_id = %s AND l.status = %s
            UNION ALL
            SELECT lecturer_id, '{_BUSY}', start_at, end_at, {none}
            FROM {bookings}
            WHERE lecturer_id IN ({ids}) AND status = %s AND start_at < %s AND end_at > %s
            UNION ALL
            SELECT f.lecturer_id, '{_SLOT}', s.start_at, s.end_at, {none}
            FROM {OfferingSlot._meta.db_table} s
            JOIN {Offering._meta.db_table} f ON f.id = s.offering_id
            WHERE f.lecturer_id IN ({ids}) AND s.start_at < %s AND s.end_at > %s
        """  # noqa: S608
        params = [
            adapt(self.month_start), adapt(self.month_end),
            BookingStatus.CONFIRMED, BookingStatus.COMPLETED,
            adapt(self.recent_since),
            NoticeOutcome.DROPPED, adapt(self.recent_since),
            demand.county_id, LecturerStatus.ACTIVE,
            BookingStatus.CONFIRMED, adapt(demand.window_end + buffer),
            adapt(demand.window_start - buffer),
            adapt(demand.window_end), adapt(demand.window_start),
        ]  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def score(self, lecturer_ids: list[int]) -> list[_Scored]:
        demand = self.demand
        if not lecturer_ids:
            return []
        window_start, window_end, buffer = demand.window_start, demand.window_end, self.buffer
        busy, slots = defaultdict(list), defaultdict(list)
        lecturers: dict[int, SimpleNamespace] = {}
        events = []
        county_id, org, rules = demand.county_id, demand.org, self.rules
        for row in self._rows(lecturer_ids):
            if row[1] != _LECTURER:
                events.append(row)
                continue
            org_of = None
            if row[10] is not None:
                org_of = SimpleNamespace(
                    pk=row[10], level=row[11], parent_id=row[12], county_id=row[13], lat=row[14],
                    lng=row[15],
                )  # fmt: skip
            lecturer = SimpleNamespace(
                pk=row[0], name=row[4], county_id=county_id, status=LecturerStatus.ACTIVE,
                level=row[5], lat=row[6], lng=row[7], score=row[8], rating_count=row[9],
                org=org_of, recent=row[16], month=row[17], dropped=row[18],
            )  # fmt: skip
            if lecturer_bookable_for(lecturer, org, rules):
                lecturers[lecturer.pk] = lecturer
        for lecturer_id, kind, start, end, *_none in events:
            if lecturer_id not in lecturers:
                continue
            start, end = _aware(start), _aware(end)
            if kind == _SLOT:
                slots[lecturer_id].append((max(start, window_start), min(end, window_end)))
            else:
                busy[lecturer_id].append((start - buffer, end + buffer))
        lecturers = [lecturers[lid] for lid in lecturer_ids if lid in lecturers]
        if not lecturers:
            return []
        duration = demand.duration_minutes
        scored = []
        for lecturer in lecturers:
            lecturer_id = lecturer.pk
            # Prefer a free published slot; otherwise the earliest free time in the window.
            start = None
            has_slot = False
            for slot_start, slot_end in sorted(slots.get(lecturer_id, ())):
                candidate = first_free_in(
                    busy.get(lecturer_id, []),
                    windows.clip(self.spans, slot_start, slot_end),
                    duration,
                )
                if candidate is not None:
                    start, has_slot = candidate, True
                    break
            if start is None:
                start = first_free_in(busy.get(lecturer_id, []), self.spans, duration)
            if start is None:
                continue  # busy at every allowed time of the window
            lat, lng = lecturer.lat, lecturer.lng
            if lat is None and lecturer.org is not None:
                lat, lng = lecturer.org.lat, lecturer.org.lng
            km = (
                haversine_km(lat, lng, demand.lat, demand.lng)
                if lat is not None and lng is not None
                else None
            )
            topic, position = self.topics[lecturer_id]
            components = {
                "topic": topic,
                "distance": distance_component(km),
                "quality": quality_component(lecturer.score, lecturer.rating_count),
                "fairness": fairness_component(lecturer.recent + 2 * lecturer.dropped),
                "availability": 1.0 if has_slot else 0.0,
            }
            scored.append(
                _Scored(
                    combine(components, self.weights, self.total),
                    lecturer_id,
                    lecturer.name,
                    lecturer.score,
                    self.index.docs[position],
                    components,
                    km,
                    start,
                    has_slot,
                    lecturer.month,
                )
            )
        return scored


def recommend(demand, *, limit: int = 10, exclude_lecturer_ids=()) -> Result:
    """The best lecturers for a demand, best first; only those that pass the hard filters."""
    county_id = demand.county_id
    rules, version, synonyms = _county_state(county_id)
    index = county_index(county_id, version)
    weights = query_terms(county_id, demand.topic, synonyms)
    unmatched = [t for t, w in weights.items() if w == 1.0 and not index.df.get(t)]
    topics = topic_by_lecturer(index, weights, demand.category)
    for lecturer_id in exclude_lecturer_ids:
        topics.pop(lecturer_id, None)
    if not topics or limit < 1:
        return Result([], unmatched)

    scorer = _Scorer(demand, rules, index, topics)
    w, total = scorer.weights, scorer.total
    slack = w["quality"] + w["fairness"] + w["availability"]  # each of these is at most 1
    places = index.places
    # Whom the index lets the demand's organisation book (a subset of `places`); the scorer
    # decides on fresh rows.
    may_book = index.bookable_by(demand.org, rules).__contains__

    venue_phi = math.radians(demand.lat)
    venue_lam, venue_cos = math.radians(demand.lng), math.cos(venue_phi)
    sin, asin, sqrt = math.sin, math.asin, math.sqrt
    w_topic, w_distance = w["topic"], w["distance"]

    def bound(lecturer_id: int) -> float:
        """No exact score of this lecturer can be higher (haversine_km, inlined)."""
        at = places[lecturer_id].at
        distance = 1.0
        if at is not None:
            a = (
                sin((venue_phi - at[0]) / 2) ** 2
                + at[2] * venue_cos * sin((venue_lam - at[1]) / 2) ** 2
            )
            km = 2 * 6371.0 * asin(min(1.0, sqrt(a)))
            distance = 1.0 / (1.0 + km / DISTANCE_HALF_KM)
        return (w_topic * topics[lecturer_id][0] + w_distance * distance + slack) / total

    results: list[_Scored] = []

    def take(scored: list[_Scored]) -> None:
        results.extend(scored)
        results.sort(key=lambda s: s.rank_key)
        del results[limit:]

    def bar() -> float:
        """The score a candidate must be able to reach to enter the list."""
        return results[-1].score - _MARGIN if len(results) >= limit else -math.inf

    # First the best bounds among the best topics: their exact scores set the bar.
    wanted = max(FIRST_BATCH, limit)
    best_topics = heapq.nsmallest(4 * wanted, topics, key=lambda lid: (-topics[lid][0], lid))
    seed = sorted(
        (lid for lid in best_topics if may_book(lid)), key=lambda lid: (-bound(lid), lid)
    )[:wanted]
    take(scorer.score(seed))
    # Then everyone who could still reach the bar, best bound first, in batches that double,
    # until no bound reaches it. The topic alone (distance counted as 1) rules out most.
    needed = -math.inf
    if w["topic"] > 0 and len(results) >= limit:
        needed = (bar() * total - w["distance"] - slack) / w["topic"] - _MARGIN
    done, floor = set(seed), bar()
    pending = []
    for lid, (topic, _position) in topics.items():
        if topic >= needed and may_book(lid) and lid not in done:
            upper = bound(lid)
            if upper >= floor:
                pending.append((upper, lid))
    pending.sort(key=lambda b: (-b[0], b[1]))
    size, i = FIRST_BATCH, 0
    while i < len(pending) and pending[i][0] >= bar():
        take(scorer.score([lid for upper, lid in pending[i : i + size] if upper >= bar()]))
        i += size
        size = min(2 * size, LARGEST_BATCH)

    return Result(
        [
            Recommendation(
                lecturer_id=s.lecturer_id,
                lecturer_name=s.lecturer_name,
                course_id=s.doc.course_id,
                course_title=s.doc.title,
                score=s.score,
                components=s.components,
                distance_km=s.km,
                start=s.start,
                reason=_reason(s.doc.title, s.km, s.rating, s.month_sessions, s.has_slot),
            )
            for s in results
        ],
        unmatched,
    )

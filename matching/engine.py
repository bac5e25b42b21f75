"""Recommendations for a demand (L9): hard filters, then a score of five components in [0, 1]
with the county's weights, each recommendation explained.

Topic relevance is BM25 over each (lecturer, course) document: the course title counts
twice, its outline and the lecturer's specialties once; the demand's category adds a boost.
The index of a county is built once and kept in memory until a course or lecturer changes.
"""

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course, CourseStatus
from lecturers.models import Lecturer, LecturerStatus
from orgs import access
from orgs.models import CountySettings
from scheduling.models import Booking, BookingStatus, OfferingSlot

from .models import DemandNotice, NoticeOutcome, Synonym
from .text import terms

K1, B = 1.5, 0.75
CATEGORY_BOOST = 0.25
SYNONYM_WEIGHT = 0.7
PRIOR_SCORE, PRIOR_WEIGHT = 80.0, 5  # Bayesian average: 5 imaginary ratings of 80
DISTANCE_HALF_KM = 15.0  # the distance component is 0.5 at this distance
RECENT_DAYS = 90
COMPONENTS = ("topic", "distance", "quality", "fairness", "availability")


@dataclass
class Doc:
    lecturer_id: int
    course_id: int
    title: str
    category: str
    tf: Counter
    length: int


@dataclass
class CountyIndex:
    version: tuple
    docs: list[Doc] = field(default_factory=list)
    postings: dict = field(default_factory=lambda: defaultdict(list))
    df: Counter = field(default_factory=Counter)
    avg_length: float = 1.0

    def idf(self, term: str) -> float:
        n, df = len(self.docs), self.df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


_indexes: dict[int, CountyIndex] = {}
_lock = threading.Lock()


def _index_version(county_id: int) -> tuple:
    courses = Course.objects.filter(county_id=county_id).aggregate(
        n=Count("id"), t=Max("updated_at")
    )
    lecturers = Lecturer.objects.filter(county_id=county_id).aggregate(
        n=Count("id"), t=Max("updated_at")
    )
    return (courses["n"], courses["t"], lecturers["n"], lecturers["t"])


def build_index(county_id: int, version: tuple | None = None) -> CountyIndex:
    index = CountyIndex(version=version or _index_version(county_id))
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
        )
        .order_by("pk")
    )
    for course_id, lecturer_id, title, category, outline, objectives, specialties in rows:
        tf = Counter(terms(title) * 2 + terms(outline) + terms(objectives) + terms(specialties))
        doc = Doc(lecturer_id, course_id, title, category, tf, sum(tf.values()))
        position = len(index.docs)
        index.docs.append(doc)
        for term, count in tf.items():
            index.postings[term].append((position, count))
            index.df[term] += 1
    index.avg_length = (sum(d.length for d in index.docs) / len(index.docs)) if index.docs else 1.0
    return index


def county_index(county_id: int) -> CountyIndex:
    """The county's index, rebuilt only when its courses or lecturers changed."""
    version = _index_version(county_id)
    cached = _indexes.get(county_id)
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        cached = _indexes.get(county_id)
        if cached is None or cached.version != version:
            cached = _indexes[county_id] = build_index(county_id, version)
    return cached


def query_terms(county_id: int, topic: str) -> dict[str, float]:
    """Term → weight: the topic's own terms, and their synonyms at a lower weight."""
    weights = dict.fromkeys(terms(topic), 1.0)
    for group in Synonym.objects.filter(county_id=county_id):
        words = group.word_list
        if any(word in topic for word in words) or any(
            t in weights for w in words for t in terms(w)
        ):
            for word in words:
                for term in terms(word) or [word.lower()]:
                    weights.setdefault(term, SYNONYM_WEIGHT)
    return weights


def bm25(index: CountyIndex, weights: dict[str, float]) -> dict[int, float]:
    """Score per document position, for the documents that contain a query term."""
    scores: dict[int, float] = defaultdict(float)
    for term, weight in weights.items():
        idf = index.idf(term)
        for position, tf in index.postings.get(term, ()):
            length = index.docs[position].length
            scores[position] += (
                weight * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / index.avg_length))
            )
    return scores


# --- components -------------------------------------------------------------------------------


def haversine_km(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def distance_component(km: float | None) -> float:
    return 0.5 if km is None else 1.0 / (1.0 + km / DISTANCE_HALF_KM)


def quality_component(score: float | None, count: int) -> float:
    """Bayesian average: three perfect scores do not beat three hundred good ones."""
    count = max(0, count or 0)
    total = (score or 0.0) * count
    return (PRIOR_SCORE * PRIOR_WEIGHT + total) / (PRIOR_WEIGHT + count) / 100.0


def fairness_component(recent_sessions: int) -> float:
    """Fewer recent sessions score higher, so work spreads over the pool."""
    return 1.0 / (1.0 + recent_sessions / 3.0)


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


def recommend(demand, *, limit: int = 10, exclude_lecturer_ids=()) -> Result:
    """The best lecturers for a demand, best first; only those that pass the hard filters."""
    county_id = demand.county_id
    rules = CountySettings.for_county(county_id)
    index = county_index(county_id)
    weights = query_terms(county_id, demand.topic)
    unmatched = [t for t, w in weights.items() if w == 1.0 and not index.df.get(t)]
    doc_scores = bm25(index, weights)
    if demand.category:
        for position, doc in enumerate(index.docs):
            if doc.category == demand.category:
                doc_scores[position] = doc_scores.get(position, 0.0)
    best_raw = max(doc_scores.values(), default=0.0)

    # Each lecturer's best course.
    per_lecturer: dict[int, tuple[float, Doc]] = {}
    for position, raw in doc_scores.items():
        doc = index.docs[position]
        topic = (raw / best_raw if best_raw else 0.0) + (
            CATEGORY_BOOST if doc.category == demand.category else 0.0
        )
        topic = min(1.0, topic)
        if topic <= 0:
            continue
        current = per_lecturer.get(doc.lecturer_id)
        if current is None or (topic, -doc.course_id) > (current[0], -current[1].course_id):
            per_lecturer[doc.lecturer_id] = (topic, doc)
    for lecturer_id in exclude_lecturer_ids:
        per_lecturer.pop(lecturer_id, None)
    if not per_lecturer:
        return Result([], unmatched)

    # Hard filters on fresh rows: active, bookable by this organisation, free in the window.
    org = demand.org
    lecturers = {
        lec.pk: lec
        for lec in Lecturer.objects.filter(
            pk__in=per_lecturer, county_id=county_id, status=LecturerStatus.ACTIVE
        )
        .select_related("org")
        .only(
            "pk",
            "name",
            "county_id",
            "status",
            "level",
            "org",
            "lat",
            "lng",
            "score",
            "rating_count",
        )
    }
    lecturers = {
        pk: lec for pk, lec in lecturers.items() if access.lecturer_bookable_for(lec, org, rules)
    }
    buffer = timedelta(minutes=rules.travel_buffer_minutes)
    busy = defaultdict(list)
    for lecturer_id, start, end in Booking.objects.filter(
        lecturer_id__in=lecturers,
        status=BookingStatus.CONFIRMED,
        start_at__lt=demand.window_end + buffer,
        end_at__gt=demand.window_start - buffer,
    ).values_list("lecturer_id", "start_at", "end_at"):
        busy[lecturer_id].append((start - buffer, end + buffer))
    slots = defaultdict(list)
    for lecturer_id, start, end in OfferingSlot.objects.filter(
        offering__lecturer_id__in=lecturers,
        start_at__lt=demand.window_end,
        end_at__gt=demand.window_start,
    ).values_list("offering__lecturer_id", "start_at", "end_at"):
        slots[lecturer_id].append((max(start, demand.window_start), min(end, demand.window_end)))
    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    teaching = Q(status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED])
    load = {
        row["lecturer_id"]: row
        for row in Booking.objects.filter(
            teaching, lecturer_id__in=lecturers, start_at__gte=now - timedelta(days=RECENT_DAYS)
        )
        .values("lecturer_id")
        .annotate(recent=Count("id"), month=Count("id", filter=Q(start_at__gte=month_start)))
    }
    drops = Counter(
        DemandNotice.objects.filter(
            lecturer_id__in=lecturers,
            outcome=NoticeOutcome.DROPPED,
            notified_at__gte=now - timedelta(days=RECENT_DAYS),
        ).values_list("lecturer_id", flat=True)
    )

    weight_of = {
        "topic": rules.weight_topic,
        "distance": rules.weight_distance,
        "quality": rules.weight_quality,
        "fairness": rules.weight_fairness,
        "availability": rules.weight_availability,
    }
    total_weight = sum(max(0.0, w) for w in weight_of.values()) or 1.0
    recommendations = []
    for lecturer_id, lecturer in lecturers.items():
        topic, doc = per_lecturer[lecturer_id]
        duration = demand.duration_minutes
        # Prefer a free published slot; otherwise the earliest free time in the window.
        start = None
        has_slot = False
        for slot_start, slot_end in sorted(slots.get(lecturer_id, ())):
            candidate = first_free_start(busy.get(lecturer_id, []), slot_start, slot_end, duration)
            if candidate is not None:
                start, has_slot = candidate, True
                break
        if start is None:
            start = first_free_start(
                busy.get(lecturer_id, []), demand.window_start, demand.window_end, duration
            )
        if start is None:
            continue  # busy for the whole window
        lat, lng = lecturer.lat, lecturer.lng
        if lat is None and lecturer.org is not None:
            lat, lng = lecturer.org.lat, lecturer.org.lng
        km = (
            haversine_km(lat, lng, demand.lat, demand.lng)
            if lat is not None and lng is not None
            else None
        )
        stats = load.get(lecturer_id, {"recent": 0, "month": 0})
        components = {
            "topic": topic,
            "distance": distance_component(km),
            "quality": quality_component(lecturer.score, lecturer.rating_count),
            "fairness": fairness_component(stats["recent"] + 2 * drops.get(lecturer_id, 0)),
            "availability": 1.0 if has_slot else 0.0,
        }
        score = sum(max(0.0, weight_of[k]) * v for k, v in components.items()) / total_weight
        recommendations.append(
            Recommendation(
                lecturer_id=lecturer_id,
                lecturer_name=lecturer.name,
                course_id=doc.course_id,
                course_title=doc.title,
                score=score,
                components=components,
                distance_km=km,
                start=start,
                reason=_reason(doc.title, km, lecturer.score, stats["month"], has_slot),
            )
        )
    # Ties break by lecturer id, so the same demand always ranks the same way.
    recommendations.sort(key=lambda r: (-round(r.score, 9), r.lecturer_id))
    return Result(recommendations[:limit], unmatched)

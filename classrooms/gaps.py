"""The course-gap view: the topics members want, set against the courses the county has, by
the matching engine's own text model (its segmentation, weak words, the county's synonyms and
its index of active courses), ranked by unmet demand.

A course answers a topic by how much of the topic's words it covers, each word weighted as the
engine weighs it (its query weight times its rarity, the BM25 idf): 1.0 when the course's text
has every word of the topic, 0 when it has none. The engine's BM25 decides between courses
that cover a topic equally. A topic is answered when a course covers at least
`ANSWERED_AT` of it."""

from dataclasses import dataclass

from django.db.models import Count

from matching import engine

from .models import Survey, SurveyTopic

ANSWERED_AT = 0.5


@dataclass(frozen=True)
class TopicMatch:
    course_id: int | None
    course_title: str
    similarity: float


@dataclass(frozen=True)
class Gap:
    topic_id: int
    topic: str
    category: str
    wanted: int
    best_course_id: int | None  # None: no course answers the topic
    best_course_title: str
    similarity: float

    @property
    def is_answered(self) -> bool:
        return self.best_course_id is not None

    @property
    def unmet(self) -> float:
        """Members whose wish no course answers; a course that answers a topic in part
        leaves that part of the demand unmet."""
        return self.wanted * (1.0 - self.similarity) if self.is_answered else float(self.wanted)


def course_matches(county_id: int, topic: str, *, limit: int = 3) -> list[TopicMatch]:
    """The county's active courses that share words with the topic, best first."""
    index = engine.county_index(county_id)
    weights = engine.query_terms(county_id, topic)
    term_weight = {term: weight * index.idf(term) for term, weight in weights.items()}
    total = sum(term_weight.values())
    if not total:
        return []
    covered: dict[int, float] = {}
    for term, weight in term_weight.items():
        for position, _saturated in index.postings.get(term, ()):
            covered[position] = covered.get(position, 0.0) + weight
    relevance = engine.bm25(index, weights)
    best = sorted(
        covered,
        key=lambda p: (-covered[p], -relevance.get(p, 0.0), index.docs[p].course_id),
    )[:limit]
    return [
        TopicMatch(
            index.docs[p].course_id, index.docs[p].title, round(min(1.0, covered[p] / total), 4)
        )
        for p in best
    ]


def survey_gaps(survey: Survey) -> list[Gap]:
    """Every topic of the survey with how many members want it and the course that answers
    it best: topics no course answers first, then by unmet demand, then by demand."""
    rows = (
        SurveyTopic.objects.filter(survey=survey)
        .annotate(wanted=Count("answers"))
        .values_list("pk", "title", "category", "wanted")
    )
    gaps = []
    for topic_id, title, category, wanted in rows:
        matches = course_matches(survey.county_id, title, limit=1)
        match = matches[0] if matches else TopicMatch(None, "", 0.0)
        answered = match.similarity >= ANSWERED_AT
        gaps.append(
            Gap(
                topic_id=topic_id,
                topic=title,
                category=category,
                wanted=wanted,
                best_course_id=match.course_id if answered else None,
                best_course_title=match.course_title if answered else "",
                similarity=match.similarity,
            )
        )
    gaps.sort(key=lambda g: (g.is_answered, -g.unmet, -g.wanted, g.topic))
    return gaps

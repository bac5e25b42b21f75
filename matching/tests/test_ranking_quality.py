"""Quality of the ranking (issue 5, item 4): nDCG@5 and recall@10 of the engine over a labelled
set of demands in a hand-written fixture county. The thresholds sit a little below what the
engine achieves, so that a regression in tokenising, weighting or filtering breaks them.

Run `pytest matching/tests/test_ranking_quality.py -s` to see the per-demand table.
"""

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from matching import engine
from matching.models import Demand

from .fixture_county import LECTURERS, TOWNS, build_fixture_county
from .labelled_demands import DEMANDS

# The engine achieves nDCG@5 = 0.858, recall@10 = 0.747, worst demand 0.658 (53 demands).
# The set is deterministic (no bookings, fixed places and ratings, ties by id), so the bars sit
# just below: each of these regressions breaks at least one of them — no stopwords, weak words
# ("党员", "教育") weighed like topic words, synonyms ignored, titles not indexed, the category
# ignored, distance ignored.
NDCG_AT_5_MIN = 0.85
RECALL_AT_10_MIN = 0.74
WORST_DEMAND_NDCG_MIN = 0.60  # no single demand may collapse


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg_at(ranked: list[str], labels: dict[str, int], k: int) -> float:
    ideal = dcg(sorted(labels.values(), reverse=True)[:k])
    return dcg([labels.get(key, 0) for key in ranked[:k]]) / ideal if ideal else 0.0


def recall_at(ranked: list[str], labels: dict[str, int], k: int) -> float:
    """The share of the right lecturers (grade ≥ 1) in the first k, out of at most k."""
    relevant = {key for key, grade in labels.items() if grade >= 1}
    return len(relevant & set(ranked[:k])) / min(k, len(relevant))


def make_demand(fixture, labelled) -> Demand:
    """An unsaved demand: a wide window a week ahead, no bookings, so hard filters pass."""
    _name, lat, lng = TOWNS[labelled.town]
    start = timezone.now().replace(microsecond=0) + timedelta(days=7)
    return Demand(
        county=fixture.county, org=fixture.branches[labelled.town], topic=labelled.topic,
        category=labelled.category, window_start=start, window_end=start + timedelta(days=14),
        duration_minutes=90, venue="村委会", lat=lat + 0.003, lng=lng + 0.003,
        expected_attendees=40, classroom="classroom",
    )  # fmt: skip


def evaluate(fixture) -> list[dict]:
    rows = []
    for labelled in DEMANDS:
        result = engine.recommend(make_demand(fixture, labelled), limit=10)
        ranked = [fixture.key_of[r.lecturer_id] for r in result.recommendations]
        rows.append(
            {
                "topic": labelled.topic,
                "ranked": ranked,
                "ndcg5": ndcg_at(ranked, labelled.labels, 5),
                "recall10": recall_at(ranked, labelled.labels, 10),
                "unmatched": result.unmatched_terms,
            }
        )
    return rows


def report(rows: list[dict]) -> tuple[float, float]:
    ndcg = sum(r["ndcg5"] for r in rows) / len(rows)
    recall = sum(r["recall10"] for r in rows) / len(rows)
    print(f"\n{'nDCG@5':>7} {'R@10':>5}  topic → top 5")
    for r in sorted(rows, key=lambda r: r["ndcg5"]):
        print(
            f"{r['ndcg5']:7.3f} {r['recall10']:5.2f}  {r['topic']} → {', '.join(r['ranked'][:5])}"
        )
    print(f"\n{len(rows)} demands: mean nDCG@5 = {ndcg:.3f}, mean recall@10 = {recall:.3f}")
    return ndcg, recall


def test_labelled_set_is_sound():
    keys = {spec.key: spec for spec in LECTURERS}
    assert len(DEMANDS) >= 30
    assert len(LECTURERS) >= 100
    for labelled in DEMANDS:
        assert labelled.labels, labelled.topic
        assert 2 in labelled.labels.values(), labelled.topic
        for key, grade in labelled.labels.items():
            assert key in keys, key
            assert grade in (1, 2)
            # Only lecturers the engine may recommend can be right answers.
            assert keys[key].status == "active", key


@pytest.mark.django_db
def test_ranking_quality():
    fixture = build_fixture_county()
    rows = evaluate(fixture)
    ndcg, recall = report(rows)
    inactive = {spec.key for spec in LECTURERS if spec.status != "active"}
    assert not inactive & {key for r in rows for key in r["ranked"]}
    assert ndcg >= NDCG_AT_5_MIN
    assert recall >= RECALL_AT_10_MIN
    assert min(r["ndcg5"] for r in rows) >= WORST_DEMAND_NDCG_MIN

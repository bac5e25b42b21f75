"""A round of the fixture world: two entries (张三丰 of 东村党支部, 李四光 of 西村党支部), and a
panel of three: the county admin, the secretary of 东村 (張's own unit) and 李四光 himself."""

from types import SimpleNamespace

from appraisal.competition import services


def make_round(world, *, judging=True, title="2025年精品课评选") -> SimpleNamespace:
    admin = world.county_admin
    round_ = services.competition_create(actor=admin, title=title, year=2025, winners=1)
    r = SimpleNamespace(round=round_, criteria=list(round_.criteria.all()))
    r.zhang = services.entry_add(actor=admin, competition_id=round_.pk, course_id=world.course.pk)
    r.li = services.entry_add(actor=admin, competition_id=round_.pk, course_id=world.course_li.pk)
    for user in (admin, world.secretary, world.li.user):
        services.judge_add(actor=admin, competition_id=round_.pk, user_id=user.pk)
    services.competition_move(actor=admin, competition_id=round_.pk, to="open")
    if judging:
        services.competition_move(actor=admin, competition_id=round_.pk, to="judging")
    round_.refresh_from_db()
    return r


def score_all(user, r, entry, points: dict):
    """points: {criterion name: points}."""
    return services.scores_submit(
        actor=user, competition_id=r.round.pk, entry_id=entry.pk, points=points
    )

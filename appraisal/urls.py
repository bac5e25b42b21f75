from django.urls import path, re_path

from . import views
from .competition import views as competition
from .outcomes import views as outcomes
from .regulations import views as regulations
from .renewal import views as renewal

app_name = "appraisal"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.rules, name="rules"),
    path("mine/", views.mine, name="mine"),
    path("renewal/", renewal.renewal, name="renewal"),
    path("competitions/", competition.competitions, name="competitions"),
    path("competitions/<int:competition_id>/", competition.competition, name="competition"),
    re_path(
        r"^competitions/(?P<competition_id>[0-9]+)/(?P<action>criterion|entry|panel|open|judging|publish|remove_criterion|remove_judge)/$",
        competition.competition_act,
        name="competition_act",
    ),
    path("competitions/<int:competition_id>/judge/", competition.judge_sheet, name="judge_sheet"),
    path(
        "competitions/<int:competition_id>/results/",
        competition.results,
        name="competition_results",
    ),
    path("regulations/", regulations.regulations, name="regulations"),
    path("regulations/new/", regulations.regulation_new, name="regulation_new"),
    path("regulations/<int:regulation_id>/", regulations.regulation, name="regulation"),
    path(
        "regulations/<int:regulation_id>/file/",
        regulations.regulation_file,
        name="regulation_file",
    ),
    path("talks/", outcomes.talks, name="talks"),
    path("talks/new/", outcomes.talk_new, name="talk_new"),
    path("talks/<int:talk_id>/", outcomes.talk, name="talk"),
    path("talks/<int:talk_id>/time/", outcomes.talk_time, name="talk_time"),
    path("talks/<int:talk_id>/record/", outcomes.talk_record, name="talk_record"),
    path("plans/", outcomes.plans, name="plans"),
    path("plans/open/", outcomes.plan_open, name="plan_open"),
    path("plans/<int:plan_id>/", outcomes.plan, name="plan"),
    re_path(
        r"^plans/(?P<plan_id>[0-9]+)/(?P<action>plan|step|note|decision)/$",
        outcomes.plan_act,
        name="plan_act",
    ),
    path("plans/<int:plan_id>/steps/<int:step_id>/done/", outcomes.step_done, name="step_done"),
    path("<int:year>/", views.year, name="year"),
    path("<int:year>/status/", views.year_status, name="year_status"),
    path("<int:year>/run/", views.year_run, name="year_run"),
    path("<int:year>/publish/", views.year_publish, name="year_publish"),
    path("<int:year>/outcomes/", outcomes.outcomes_apply, name="outcomes_apply"),
    path("<int:year>/commendations/", outcomes.commendations, name="commendations"),
    path("<int:year>/print/", views.year_print, name="year_print"),
    path("<int:year>/<int:lecturer_id>/", views.result, name="result"),
    path("<int:year>/<int:lecturer_id>/grade/", views.result_override, name="result_override"),
]

"""The appraisal's data: the year's run and results (annual), and what they lead to
(outcomes)."""

from .annual import (
    GRADE_ORDER,
    METRICS,
    WEIGHT_SUM_TOLERANCE,
    AppraisalResult,
    AppraisalRules,
    AppraisalRun,
    Grade,
    RunStatus,
)
from .outcomes import (
    Commendation,
    CommendationStatus,
    HelpNote,
    HelpPlan,
    HelpStep,
    PlanStatus,
    ReminderTalk,
    TalkStatus,
)

__all__ = [
    "GRADE_ORDER",
    "METRICS",
    "WEIGHT_SUM_TOLERANCE",
    "AppraisalResult",
    "AppraisalRules",
    "AppraisalRun",
    "Commendation",
    "CommendationStatus",
    "Grade",
    "HelpNote",
    "HelpPlan",
    "HelpStep",
    "PlanStatus",
    "ReminderTalk",
    "RunStatus",
    "TalkStatus",
]

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
from .competition import (
    ROUND_ORDER,
    Competition,
    Criterion,
    Entry,
    Judge,
    RoundStatus,
    Score,
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
from .regulations import Regulation, RegulationKind

__all__ = [
    "GRADE_ORDER",
    "METRICS",
    "ROUND_ORDER",
    "WEIGHT_SUM_TOLERANCE",
    "AppraisalResult",
    "AppraisalRules",
    "AppraisalRun",
    "Commendation",
    "CommendationStatus",
    "Competition",
    "Criterion",
    "Entry",
    "Grade",
    "HelpNote",
    "HelpPlan",
    "HelpStep",
    "Judge",
    "PlanStatus",
    "Regulation",
    "RegulationKind",
    "ReminderTalk",
    "RoundStatus",
    "RunStatus",
    "Score",
    "TalkStatus",
]

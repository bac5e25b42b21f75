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
    "ROUND_ORDER",
    "Competition",
    "Criterion",
    "Entry",
    "Judge",
    "Regulation",
    "RegulationKind",
    "RoundStatus",
    "Score",
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

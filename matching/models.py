"""The matching app's models, defined by area: the recommendation lists
(:mod:`matching.lists.models`), the brokered pairs (:mod:`matching.pairs.models`) and the
weights learnt from staff decisions (:mod:`matching.learning.models`)."""

from __future__ import annotations

from matching.learning.models import FitVerdict, WeightFit
from matching.lists.models import (
    ChunkPhase,
    DocumentKind,
    DocumentTerms,
    IndexState,
    JobStatus,
    Recommendation,
    RematchChunk,
    RematchJob,
    _new_generation,
)
from matching.pairs.models import (
    ContractType,
    FollowUp,
    FollowUpChannel,
    FollowUpReminder,
    Match,
    MatchCase,
    MatchDecision,
    MatchResponse,
    MatchSide,
    MatchStatus,
    MatchTransition,
    PairKind,
    RejectReason,
)

__all__ = [
    "ChunkPhase",
    "ContractType",
    "DocumentKind",
    "DocumentTerms",
    "FitVerdict",
    "FollowUp",
    "FollowUpChannel",
    "FollowUpReminder",
    "IndexState",
    "JobStatus",
    "Match",
    "MatchCase",
    "MatchDecision",
    "MatchResponse",
    "MatchSide",
    "MatchStatus",
    "MatchTransition",
    "PairKind",
    "Recommendation",
    "RejectReason",
    "RematchChunk",
    "RematchJob",
    "WeightFit",
    "_new_generation",
]

"""The matching app's models, defined by area: the recommendation lists
(:mod:`matching.lists.models`) and the brokered pairs (:mod:`matching.pairs.models`)."""

from __future__ import annotations

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
    "_new_generation",
]

from __future__ import annotations

from portal.models.reference import CooperationMode, IPType, MaturityLevel, Region, TechField
from portal.models.registers import Attachment, Expert, Need, PostingStatus, Result
from portal.models.system import WorkerHeartbeat

__all__ = [
    "Attachment",
    "CooperationMode",
    "Expert",
    "IPType",
    "MaturityLevel",
    "Need",
    "PostingStatus",
    "Region",
    "Result",
    "TechField",
    "WorkerHeartbeat",
]

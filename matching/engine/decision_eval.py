"""How well the engine's ranking agrees with staff decisions (approve vs reject).

For each need, every (approved, rejected) pair of its decided suggestions is compared: the
approved one should score higher. Pairwise AUC = (wins + ties / 2) / pairs. Needs with only
approvals or only rejections carry no comparison and are skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class NeedAuc:
    need_id: int
    approved: int
    rejected: int
    pairs: int
    wins: float

    @property
    def auc(self) -> float:
        return self.wins / self.pairs if self.pairs else float("nan")


@dataclass
class AucReport:
    per_need: list[NeedAuc] = field(default_factory=list)
    decisions: int = 0

    @property
    def pairs(self) -> int:
        return sum(n.pairs for n in self.per_need)

    @property
    def micro_auc(self) -> float:
        """All comparable pairs pooled."""
        pairs = self.pairs
        return sum(n.wins for n in self.per_need) / pairs if pairs else float("nan")

    @property
    def macro_auc(self) -> float:
        """Mean of the per-need AUCs (each need counts once)."""
        if not self.per_need:
            return float("nan")
        return sum(n.auc for n in self.per_need) / len(self.per_need)


def pairwise_auc(rows: Iterable[tuple[int, float, bool]]) -> AucReport:
    """``rows``: (need id, engine score, approved?) for each decided suggestion."""
    groups: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    report = AucReport()
    for need_id, score, approved in rows:
        report.decisions += 1
        groups[need_id][0 if approved else 1].append(float(score))
    for need_id in sorted(groups):
        yes, no = groups[need_id]
        if not yes or not no:
            continue
        wins = 0.0
        for a in yes:
            for r in no:
                wins += 1.0 if a > r else 0.5 if a == r else 0.0
        report.per_need.append(NeedAuc(need_id, len(yes), len(no), len(yes) * len(no), wins))
    return report

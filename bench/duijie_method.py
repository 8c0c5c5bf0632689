"""eval.py method module: the Duijie production engine (matching.engine), for the CSL bench.

``rank(queries, corpus, k)`` builds the index from the corpus texts and ranks every query
with :func:`matching.engine.recommend_batch`, exactly what ``manage.py match_bench`` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matching.engine.bench_cli import rank_documents  # noqa: E402


def rank(queries: list[dict], corpus: list[dict], k: int = 10) -> list[list[str]]:
    ranked, _ = rank_documents(queries, corpus, k=k)
    return ranked

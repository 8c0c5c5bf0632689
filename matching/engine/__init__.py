"""The text-matching engine, pure Python (numpy, scipy, jieba): no Django, no other app.

The pipeline reads in module order: :mod:`~matching.engine.text` (normalise, tokenise, term
statistics) → :mod:`~matching.engine.index` (sparse BM25 index + LSA topics, incremental)
→ :mod:`~matching.engine.scoring` (text + structured factors) →
:mod:`~matching.engine.recommend` (top-k with explanations). ``tests/matching/
test_engine_purity.py`` fails if anything here imports Django or another app.
"""

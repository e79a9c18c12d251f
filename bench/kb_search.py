"""Knowledge-base search: retrieval quality on the starter KB and speed at 10,000 articles.

    .venv/bin/python bench/kb_search.py quality            # eval table + cross-validated tuning
    .venv/bin/python bench/kb_search.py perf --docs 10000  # build time, latency, memory
    .venv/bin/python bench/kb_search.py all --write docs/benchmarks/kb_search.md

Everything runs on ONE core: BLAS/OpenMP threads are set to 1 before numpy loads and
the process is pinned to a single CPU.

Synthetic corpus (perf): each synthetic article takes a starter article (both of its
translations), substitutes coin / network / product names consistently in title,
summary, questions and body (e.g. USDT→SOL, TRC20→Solana, "deposit page"→"Funding
page"), appends a section borrowed from another starter article of the same language,
shuffles and re-samples its example questions and adds a variant number to the title,
so every text is different from the starter one and from the other variants (no
embedding is reused by a cache). Keys are ``<starter key>--v<n>``; both languages of
a variant share the key, as real translations do.
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLOCKDESK_EMBED_THREADS",
):
    os.environ[_var] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")

import argparse  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402
from pathlib import Path  # noqa: E402

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from blockdesk.kb.documents import SearchDocument  # noqa: E402
from blockdesk.kb.search.content import load_documents  # noqa: E402
from blockdesk.kb.search.evaluation import EvalQuery, evaluate, load_queries  # noqa: E402
from blockdesk.kb.search.index import Index, IndexConfig, build_index  # noqa: E402
from blockdesk.kb.search.ranking import RankingParams, repaired_text  # noqa: E402
from blockdesk.kb.search.service import DEFAULT_PARAMS, embedder, search_index  # noqa: E402
from blockdesk.kb.search.synonyms import current_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EVAL_CSV = ROOT / "src/blockdesk/kb/content/eval/search_queries.csv"
# Typos and chain / token abbreviations (issue 16): a tuning part and a frozen test part.
HARD_CSVS = {
    "hard dev": ROOT / "src/blockdesk/kb/content/eval/search_queries_hard_dev.csv",
    "hard test (frozen)": ROOT / "src/blockdesk/kb/content/eval/search_queries_hard_test.csv",
}
COMMAND = "cd /work/main && .venv/bin/python bench/kb_search.py"


def pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def machine() -> str:
    cpu = "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        cpu = next(
            (ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")),
            cpu,
        )
    except OSError:
        pass
    return (
        f"nproc {os.cpu_count()}, CPU {cpu}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {platform.system()} {platform.release()}"
    )


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- quality ------------------------------------------------------------------------


@dataclass
class Ranked:
    params: RankingParams
    label: str
    rr: np.ndarray  # reciprocal rank per query (0 = not in first 10)
    r1: np.ndarray
    r5: np.ndarray


def _ranks(
    index: Index, queries: list[EvalQuery], params: RankingParams, qv: np.ndarray, label: str
) -> Ranked:
    report = evaluate(index, queries, k=5, params=params, query_vectors=qv)
    ranks = report.ranks
    rr = np.array([1.0 / r if r and r <= 10 else 0.0 for r in ranks])
    r1 = np.array([1.0 if r == 1 else 0.0 for r in ranks])
    r5 = np.array([1.0 if r and r <= 5 else 0.0 for r in ranks])
    return Ranked(params, label, rr, r1, r5)


def _grid() -> list[tuple[str, RankingParams]]:
    out = []
    for syn in (0.0, 0.3, 0.6, 0.9):
        for tw in (0.0, 0.5):
            for norm in ("raw", "spread"):
                for alpha in (0.3, 0.4, 0.5, 0.6, 0.7):
                    p = replace(
                        DEFAULT_PARAMS,
                        fusion="linear",
                        alpha=alpha,
                        semantic_norm=norm,
                        synonym_weight=syn,
                        translation_weight=tw,
                    )
                    out.append((f"linear a={alpha} {norm} syn={syn} tw={tw}", p))
            for k in (10.0, 30.0, 60.0):
                p = replace(
                    DEFAULT_PARAMS, fusion="rrf", rrf_k=k, synonym_weight=syn, translation_weight=tw
                )
                out.append((f"rrf k={k:g} syn={syn} tw={tw}", p))
    return out


def _metrics(r: Ranked, idx: np.ndarray | slice = slice(None)) -> tuple[float, float, float]:
    return float(r.r1[idx].mean()), float(r.r5[idx].mean()), float(r.rr[idx].mean())


def quality(emb_name: str) -> str:
    docs = load_documents()
    queries = load_queries(EVAL_CSV)
    emb = embedder(emb_name)
    t0 = time.perf_counter()
    index = build_index(docs, embedder=emb, config=IndexConfig(embedder=emb.name))
    build_s = time.perf_counter() - t0
    table = current_table()
    qv = emb.encode([repaired_text(q.query, index, DEFAULT_PARAMS, table) for q in queries])
    langs = np.array([q.language for q in queries])

    modes = {
        "lexical": replace(DEFAULT_PARAMS, fusion="lexical"),
        "semantic": replace(DEFAULT_PARAMS, fusion="semantic"),
        "hybrid (default)": DEFAULT_PARAMS,
    }
    cols = {name: _ranks(index, queries, p, qv, name) for name, p in modes.items()}
    ablations = {
        "hybrid, no synonyms": replace(DEFAULT_PARAMS, synonym_weight=0.0),
        "hybrid, no typo correction": replace(DEFAULT_PARAMS, typo_weight=0.0),
        "hybrid, no translation evidence": replace(DEFAULT_PARAMS, translation_weight=0.0),
        "lexical, no synonyms": replace(DEFAULT_PARAMS, fusion="lexical", synonym_weight=0.0),
        "RRF k=60": replace(DEFAULT_PARAMS, fusion="rrf", rrf_k=60.0),
    }
    abl = {name: _ranks(index, queries, p, qv, name) for name, p in ablations.items()}

    lines = [
        f"Embedder `{emb.name}`, {len(docs)} documents, {len(queries)} queries; "
        f"index built in {build_s:.1f} s.",
        "",
    ]
    lines.append("| subset | metric | " + " | ".join(cols) + " |")
    lines.append("|---|---|" + "---:|" * len(cols))
    for subset, mask in (
        ("all", slice(None)),
        ("en", langs == "en"),
        ("zh-hans", langs == "zh-hans"),
    ):
        n = len(queries) if subset == "all" else int(np.sum(mask))
        for mi, metric in enumerate(("recall@1", "recall@5", "MRR@10")):
            vals = [f"{_metrics(r, mask)[mi]:.3f}" for r in cols.values()]
            lines.append(f"| {subset} (n={n}) | {metric} | " + " | ".join(vals) + " |")
    lines += [
        "",
        "Ablations (all queries):",
        "",
        "| variant | recall@1 | recall@5 | MRR@10 |",
        "|---|---:|---:|---:|",
    ]
    for name, r in abl.items():
        r1, r5, mrr = _metrics(r)
        lines.append(f"| {name} | {r1:.3f} | {r5:.3f} | {mrr:.3f} |")

    # Cross-validated tuning: every grid point is evaluated once per query, then each
    # fold picks its best point on the other folds (by MRR@10) and is scored with it.
    grid = [_ranks(index, queries, p, qv, label) for label, p in _grid()]
    rng = np.random.default_rng(7)
    order = rng.permutation(len(queries))
    folds = np.array_split(order, 5)
    held: list[np.ndarray] = [np.zeros(0)] * 3
    chosen = []
    rr_all, r1_all, r5_all = np.zeros(len(queries)), np.zeros(len(queries)), np.zeros(len(queries))
    for fold in folds:
        train = np.setdiff1d(order, fold)
        best = max(grid, key=lambda r: (r.rr[train].mean(), r.r1[train].mean()))
        chosen.append(best.label)
        rr_all[fold], r1_all[fold], r5_all[fold] = best.rr[fold], best.r1[fold], best.r5[fold]
    del held
    in_sample = max(grid, key=lambda r: (r.rr.mean(), r.r1.mean()))
    default_label = "default"
    lines += [
        "",
        f"Fusion tuning: grid of {len(grid)} settings (linear blend α ∈ 0.3–0.7 with raw or "
        "spread-normalised cosine, or RRF k ∈ {10, 30, 60}; synonym weight ∈ {0, 0.3, 0.6, "
        "0.9}; translation evidence ∈ {0, 0.5}).",
        "",
        "| selection | recall@1 | recall@5 | MRR@10 |",
        "|---|---:|---:|---:|",
        f"| shipped {default_label}s (chosen once, see ranking.RankingParams) | "
        + " | ".join(f"{v:.3f}" for v in _metrics(cols["hybrid (default)"]))
        + " |",
        f"| 5-fold CV: tuned on 4/5, scored on the held-out 1/5 | {r1_all.mean():.3f} | "
        f"{r5_all.mean():.3f} | {rr_all.mean():.3f} |",
        f"| best grid point in-sample (optimistic): `{in_sample.label}` | "
        + " | ".join(f"{v:.3f}" for v in _metrics(in_sample))
        + " |",
        "",
        "Settings picked per fold: " + "; ".join(f"`{c}`" for c in chosen) + ".",
    ]
    lines += ["", *hard_sets(index)]
    return "\n".join(lines)


def hard_sets(index: Index) -> list[str]:
    """The typo / abbreviation sets, with the new matching switched off one part at a
    time (query vectors are recomputed per setting: the encoder reads the repaired
    query, which depends on them)."""
    sets = {"main": load_queries(EVAL_CSV)} | {n: load_queries(p) for n, p in HARD_CSVS.items()}
    variants = {
        "hybrid (default)": DEFAULT_PARAMS,
        "lexical": replace(DEFAULT_PARAMS, fusion="lexical"),
        "semantic": replace(DEFAULT_PARAMS, fusion="semantic"),
        "hybrid, no prefix completion": replace(DEFAULT_PARAMS, prefix_weight=0.0),
        "hybrid, no typo correction": replace(DEFAULT_PARAMS, typo_weight=0.0),
        "hybrid, entities weigh like topic words": replace(DEFAULT_PARAMS, entity_weight=1.0),
        "hybrid, no synonyms (no aliases)": replace(DEFAULT_PARAMS, synonym_weight=0.0),
    }
    lines = [
        "### Typos, abbreviations and chain / token names",
        "",
        "recall@1 / recall@5 / MRR@10 per query set (main = the 282 queries above).",
        "",
        "| variant | " + " | ".join(f"{n} (n={len(q)})" for n, q in sets.items()) + " |",
        "|---|" + "---:|" * len(sets),
    ]
    for label, params in variants.items():
        cells = []
        for queries in sets.values():
            m = evaluate(index, queries, k=5, params=params).overall
            cells.append(f"{m.recall_at_1:.3f} / {m.recall_at_k:.3f} / {m.mrr:.3f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


# -- synthetic corpus ----------------------------------------------------------------

SUBSTITUTIONS = [
    # (pattern, replacements) applied consistently within one variant
    (r"USDT", ["USDC", "DAI", "SOL", "TON", "DOGE", "LTC", "ADA", "DOT", "AVAX", "MATIC"]),
    (r"TRC20", ["Solana", "TON", "Arbitrum", "Optimism", "Base", "Avalanche C-Chain"]),
    (r"ERC20", ["Polygon", "zkSync", "Linea", "Scroll", "Ethereum"]),
    (r"BEP20", ["opBNB", "Fantom", "Celo", "Gnosis", "Cronos"]),
    (r"ETH\b", ["BNB", "MATIC", "AVAX", "FTM", "CELO"]),
    (r"XRP", ["XLM", "EOS", "ATOM", "HBAR", "ALGO"]),
    (r"[Dd]eposit page", ["Funding page", "Assets page", "Wallet page", "Top-up page"]),
    (r"充币页面", ["资产页面", "钱包页面", "充值页面", "资金页面"]),
    (r"24 hours", ["12 hours", "48 hours", "72 hours", "3 business days"]),
    (r"24 小时", ["12 小时", "48 小时", "72 小时", "3 个工作日"]),
]
EN_SUFFIX = ["(for {x})", "— {x} edition", "on {x}", "with {x}", "[{x}]"]
ZH_SUFFIX = ["（{x}）", "—— {x} 版", "：{x}", "（适用于 {x}）"]
PRODUCTS = [
    "Spot",
    "Margin",
    "Futures",
    "Earn",
    "Pay",
    "Card",
    "Pro",
    "Lite",
    "Web3 Wallet",
    "Mobile App",
    "Desktop",
    "Institutional",
    "VIP",
    "Sub-account",
    "Broker",
]


def synthesize(base: list[SearchDocument], n_docs: int, seed: int = 1) -> list[SearchDocument]:
    rng = random.Random(seed)
    by_key: dict[str, dict[str, SearchDocument]] = {}
    for d in base:
        by_key.setdefault(d.key, {})[d.language] = d
    keys = sorted(by_key)
    by_lang = {lang: [d for d in base if d.language == lang] for lang in ("en", "zh-hans")}
    out: list[SearchDocument] = []
    n = 0
    while len(out) < n_docs:
        key = keys[n % len(keys)]
        subs = [(pat, rng.choice(reps)) for pat, reps in SUBSTITUTIONS]
        product = f"{rng.choice(PRODUCTS)} {n // len(keys) + 1}"
        for lang, doc in sorted(by_key[key].items()):
            if len(out) >= n_docs:
                break

            def sub(text: str, subs: list[tuple[str, str]] = subs) -> str:
                for pat, rep in subs:
                    text = re.sub(pat, rep, text)
                return text

            other = rng.choice(by_lang[lang])
            sections = other.body.split("\n## ")
            borrowed = sections[rng.randrange(1, len(sections))] if len(sections) > 1 else ""
            suffix = rng.choice(EN_SUFFIX if lang == "en" else ZH_SUFFIX).format(x=product)
            questions = [sub(q) for q in doc.example_questions]
            rng.shuffle(questions)
            keep = questions[: max(3, len(questions) - rng.randrange(0, 3))]
            out.append(
                replace(
                    doc,
                    article_id=100_000 + n,
                    key=f"{key}--v{n}",
                    title=f"{sub(doc.title)} {suffix}",
                    summary=sub(doc.summary),
                    body=sub(doc.body) + ("\n\n## " + sub(borrowed) if borrowed else ""),
                    example_questions=tuple(
                        f"{q} ({product})" if i == 0 else q for i, q in enumerate(keep)
                    ),
                    url=f"{doc.url}v{n}/",
                )
            )
        n += 1
    return out


def perf_queries(n: int, seed: int = 2) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    base = [(q.query, q.language) for q in load_queries(EVAL_CSV)]
    out = list(base)
    while len(out) < n:
        q, lang = rng.choice(base)
        for pat, reps in SUBSTITUTIONS[:6]:
            q = re.sub(pat, rng.choice(reps), q, flags=re.I)
        out.append((f"{q} {rng.choice(PRODUCTS).lower()}", lang))
    rng.shuffle(out)
    return out[:n]


def perf(n_docs: int, n_queries: int, emb_name: str, embed_mode: str) -> str:
    rss0 = rss_mb()
    docs = synthesize(load_documents(), n_docs)
    emb = embedder(emb_name)
    raw = emb.inner if hasattr(emb, "inner") else emb  # no cache: measure real encodes
    rss1 = rss_mb()
    timings: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(done: int, total: int, phase: str) -> None:
        if done == total:
            now = time.perf_counter()
            timings[phase] = now - last[0]
            last[0] = now

    t0, c0 = time.perf_counter(), time.process_time()
    index = build_index(
        docs,
        embedder=raw,
        config=IndexConfig(embedder=emb.name, embed_mode=embed_mode),
        progress=progress,
    )
    build_s = time.perf_counter() - t0
    build_cpu = time.process_time() - c0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.npz"
        t0 = time.perf_counter()
        index.save(path)
        save_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 2**20
        del index
        t0 = time.perf_counter()
        index = Index.load(path)
        load_s = time.perf_counter() - t0
    rss2 = rss_mb()
    arrays_mb = (
        index.vectors.nbytes
        + index.weights.data.nbytes
        + index.weights.indices.nbytes
        + index.weights.indptr.nbytes
    ) / 2**20

    queries = perf_queries(n_queries)
    for q, lang in queries[:20]:  # warm-up: model weights, caches, the typo table
        search_index(index, query=q, language=lang, limit=10)
    # CPU time of this thread (the work runs on one thread): on a shared machine the
    # wall clock also counts time spent waiting for the core; both are reported.
    clock = time.thread_time
    total, encode, rest, wall = [], [], [], []
    for q, lang in queries:
        emb.clear()
        w0, t0 = time.perf_counter(), clock()
        vec = raw.encode([q])[0]
        t1 = clock()
        search_index(index, query=q, language=lang, limit=10, query_vector=vec)
        t2, w2 = clock(), time.perf_counter()
        encode.append((t1 - t0) * 1000)
        rest.append((t2 - t1) * 1000)
        total.append((t2 - t0) * 1000)
        wall.append((w2 - w0) * 1000)
    # The service path (CachingEmbedder) on repeated queries: popular searches repeat.
    cached = []
    for q, lang in queries:
        t0 = clock()
        search_index(index, query=q, language=lang, limit=10)
        cached.append((clock() - t0) * 1000)

    def pct(xs: list[float], p: float) -> float:
        return float(np.percentile(np.array(xs), p))

    zh = sum(1 for _, lang in queries if lang == "zh-hans")
    lines = [
        f"{len(index)} documents ({sum(d.language == 'en' for d in index.documents)} en, "
        f"{sum(d.language == 'zh-hans' for d in index.documents)} zh-hans), "
        f"{len(index.vocab)} terms, {index.vectors.shape[0]} vectors × {index.vectors.shape[1]} "
        f"(embed mode `{embed_mode}`, embedder `{emb.name}`).",
        "",
        "Build phases are wall-clock times on the shared machine:",
        "",
        "| step | time |",
        "|---|---:|",
        f"| analysis + BM25F matrix | {timings.get('analyse', float('nan')):.1f} s |",
        f"| embeddings ({index.vectors.shape[0]} texts, one core) | "
        f"{timings.get('embed', float('nan')):.1f} s |",
        f"| whole build | {build_s:.1f} s wall, {build_cpu:.1f} s CPU |",
        f"| save (.npz, {size_mb:.0f} MB) | {save_s:.2f} s |",
        f"| load | {load_s:.2f} s |",
        "",
        f"Latency over {len(queries)} queries ({zh} zh-hans, {len(queries) - zh} en), limit 10, "
        "one core, query-embedding cache cleared before each query; CPU time of the "
        f"searching thread (load average during the run: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores, so wall-clock figures include waiting for the core):",
        "",
        "| part | mean | p50 | p95 | p99 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, xs in (
        ("query encode (USE)", encode),
        ("index search + ranking + snippets", rest),
        ("total", total),
        ("total, repeated query (embedding cached)", cached),
        ("total, wall clock", wall),
    ):
        lines.append(
            f"| {name} | {statistics.mean(xs):.2f} ms | {pct(xs, 50):.2f} ms | "
            f"{pct(xs, 95):.2f} ms | {pct(xs, 99):.2f} ms |"
        )
    lines += [
        "",
        f"Memory: index arrays {arrays_mb:.0f} MB (vectors {index.vectors.nbytes / 2**20:.0f} MB); "
        f"process RSS {rss0:.0f} MB at start (Django + models imported), {rss1:.0f} MB with the "
        f"synthetic corpus in memory, {rss2:.0f} MB after build and reload "
        f"(peak {peak_rss_mb():.0f} MB).",
    ]
    return "\n".join(lines)


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["quality", "perf", "all"])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--embedder", default="use-m3")
    parser.add_argument("--embed-mode", default="fields")
    parser.add_argument("--write", type=Path, help="write a Markdown report here")
    args = parser.parse_args()
    pin_one_core()
    parts = [f"Machine: {machine()}; one core (affinity pinned, BLAS threads 1)."]
    if args.what in ("quality", "all"):
        parts.append(
            "## Retrieval quality (starter KB, all evaluation queries)\n\n" + quality(args.embedder)
        )
        print(parts[-1], flush=True)
    if args.what in ("perf", "all"):
        parts.append(
            f"## Speed and memory ({args.docs} synthetic articles)\n\n"
            + perf(args.docs, args.queries, args.embedder, args.embed_mode)
        )
        print(parts[-1], flush=True)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

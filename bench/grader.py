"""Grader benchmark: accuracy per dimension, latency and peak memory on a labelled JSONL file.

    python bench/grader.py [FILE.jsonl] [--rubric crss-core] [--grader offline|llm] [--cv]

Positive = gold level >= 2, negative = gold 0 (gold 1 left out); predicted positive = level >= 2.
Spearman is over all levels; Cohen's kappa compares levels capped at 2 (the 0-2 gold scale).
--cv adds a five-fold cross-validated estimate on the training corpus (folds grouped by peer turn;
a few minutes). The better replies of the coaching are checked too: flagged by the grader itself,
naming anything outside the conversation, carrying a crisis script outside a crisis, and picking
up the peer's own words.
"""

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.content.catalog import get_catalog  # noqa: E402
from app.content.loader import content_hash, load_model  # noqa: E402
from app.content.rubrics import Rubric  # noqa: E402
from app.grading.base import Grade  # noqa: E402
from app.grading.cues import words  # noqa: E402
from app.grading.evaluation import out_of_fold_levels  # noqa: E402
from app.grading.examples import load_labelled  # noqa: E402
from app.grading.features import ReplyCase  # noqa: E402
from app.grading.judge import build_judge  # noqa: E402
from app.grading.moment import CoachingMoment  # noqa: E402
from app.grading.offline import OfflineGrader, load_offline_grader  # noqa: E402
from app.llm import connection_pool  # noqa: E402
from app.transcript import ContextTurn  # noqa: E402

DEFAULT_FILE = ROOT / "bench" / "data" / "crss_examples.jsonl"
BATCH = 16
BEST_OF = 5  # per reply, the fastest of several runs: an estimate of latency without competing load


def precision_recall_f1(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    keep = gold != 1
    g, p = gold[keep] >= 2, pred[keep] >= 2
    tp = float((g & p).sum())
    precision = tp / p.sum() if p.sum() else 1.0
    recall = tp / g.sum() if g.sum() else 1.0
    f1 = 2 * tp / (g.sum() + p.sum()) if (g.sum() + p.sum()) else 1.0
    return float(precision), float(recall), float(f1)


def ranks(values: np.ndarray) -> np.ndarray:
    order = values.argsort(kind="stable")
    result = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        result[order[start : end + 1]] = (start + end) / 2
        start = end + 1
    return result


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = ranks(a.astype(float)), ranks(b.astype(float))
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    labels = sorted(set(a.tolist()) | set(b.tolist()))
    observed = float((a == b).mean())
    expected = sum(float((a == x).mean()) * float((b == x).mean()) for x in labels)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def print_accuracy(keys: list[str], items: list[dict[str, Any]], grades: Sequence[Grade]) -> None:
    """Per dimension: precision, recall and F1 of the flag (gold 2+ vs 0), Spearman, Cohen's kappa."""
    levels = {
        key: (np.array([item["labels"][key] for item in items]), np.array([g.scores[key] for g in grades]))
        for key in keys
    }
    print_levels(levels)


def print_levels(levels: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    print(f"{'dimension':<12} {'n+':>4} {'n-':>4} {'prec':>6} {'recall':>6} {'F1':>6} {'spearman':>8} {'kappa':>6}")
    f1s = []
    for key, (gold, pred) in levels.items():
        p, r, f1 = precision_recall_f1(gold, pred)
        f1s.append(f1)
        rho, kappa = spearman(gold, pred), cohen_kappa(np.minimum(gold, 2), np.minimum(pred, 2))
        counts = f"{(gold >= 2).sum():>4} {(gold == 0).sum():>4}"
        print(f"{key:<12} {counts} {p:>6.3f} {r:>6.3f} {f1:>6.3f} {rho:>8.3f} {kappa:>6.3f}")
    print(f"{'mean F1':<12} {statistics.mean(f1s):>33.3f}")


def better_reply_checks(
    grader: OfflineGrader, context: Sequence[ContextTurn], moment: CoachingMoment, better: str
) -> Counter[str]:
    """The checks a better reply must pass (see BetterReplies.problems), each 1 where it fails, and "own
    words", 1 where it picks up the peer's own words."""
    peer = {w for w in words(moment.peer_line) if len(w) > 3}
    counts = Counter(grader.better.problems(better, moment, context))
    counts["own words"] = int(bool(peer & {w for w in words(better) if len(w) > 3}))
    return counts


def print_better_replies(grader: OfflineGrader, cases: list[ReplyCase], grades: Sequence[Grade]) -> None:
    """How the coaching's better replies fare on the checks they must pass."""
    pairs = [
        (case, point.better_reply)
        for case, grade in zip(cases, grades, strict=True)
        for point in grade.coaching.points[:1]
    ]
    if not pairs:
        return
    counts: Counter[str] = Counter()
    for case, better in pairs:
        counts += better_reply_checks(grader, case.context, CoachingMoment.from_context(case.context), better)
    n = len(pairs)
    print(
        f"better replies ({n}): flagged by the grader {counts['flagged']}, naming something outside the "
        f"conversation {counts['outside']}, crisis script outside a crisis {counts['crisis script']}, "
        f"picking up the peer's own words {counts['own words'] / n:.0%}"
    )


def read_items(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def as_case(item: dict[str, Any]) -> ReplyCase:
    return ReplyCase(context=[ContextTurn.model_validate(t) for t in item["context"]], reply=item["reply"])


def percentile_ms(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def time_grader(grader: OfflineGrader, cases: list[ReplyCase]) -> dict[str, float]:
    grader.grade_many(cases[:BATCH])  # warm up
    single, cpu = [], []
    for case in cases:
        grader.clear_caches()  # time every reply cold: no text seen before
        started, cpu_started = time.perf_counter(), time.process_time()
        grader.grade_now(context=case.context, reply=case.reply)
        single.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    best = [min(_timed(grader, case) for _ in range(BEST_OF)) for case in cases]
    batched = []
    for start in range(0, len(cases), BATCH):
        chunk = cases[start : start + BATCH]
        grader.clear_caches()
        started = time.perf_counter()
        grader.grade_many(chunk)
        batched += [(time.perf_counter() - started) / len(chunk)] * len(chunk)
    return {
        "single_p50": percentile_ms(single, 50),
        "single_p95": percentile_ms(single, 95),
        "batched_p50": percentile_ms(batched, 50),
        "batched_p95": percentile_ms(batched, 95),
        "cpu_p50": percentile_ms(cpu, 50),
        "cpu_p95": percentile_ms(cpu, 95),
        "best_p50": percentile_ms(best, 50),
        "best_p95": percentile_ms(best, 95),
    }


def _timed(grader: OfflineGrader, case: ReplyCase) -> float:
    grader.clear_caches()
    started = time.perf_counter()
    grader.grade_now(context=case.context, reply=case.reply)
    return time.perf_counter() - started


def overlap_with_training(content_dir: Path, rubric: Rubric, items: list[dict[str, Any]]) -> int:
    training, _ = load_labelled(content_dir, rubric)
    seen = {c.case.reply.strip().lower() for c in training}
    return sum(1 for item in items if item["reply"].strip().lower() in seen)


def offline_grader(content_dir: Path, rubric_id: str) -> tuple[Rubric, OfflineGrader]:
    """A content folder's rubric and its offline grader, as the app loads them."""
    rubric_file = content_dir / "rubrics" / f"{rubric_id}.yaml"
    rubric = load_model(rubric_file, Rubric)
    return rubric, load_offline_grader(content_dir=content_dir, rubric=rubric, version=content_hash(rubric_file))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--rubric", default="crss-core")
    parser.add_argument("--grader", choices=["offline", "llm"], default="offline")
    parser.add_argument("--content-dir", type=Path, default=ROOT)
    parser.add_argument("--cv", action="store_true", help="add a cross-validated estimate on the training corpus")
    args = parser.parse_args()
    if args.grader == "llm":
        return llm_main(args)

    started = time.perf_counter()
    rubric, grader = offline_grader(args.content_dir, args.rubric)
    load_s = time.perf_counter() - started
    items = read_items(args.file)
    cases = [as_case(item) for item in items]
    grades = grader.grade_many(cases)
    timing = time_grader(grader, cases)

    print(f"file {args.file} ({len(items)} replies), rubric {rubric.id}, grader {grader.name}")
    print_accuracy(rubric.keys, items, grades)
    print_better_replies(grader, cases, grades)
    print(
        f"latency ms/reply: one at a time p50 {timing['single_p50']:.1f} p95 {timing['single_p95']:.1f}; "
        f"batched ({BATCH}) p50 {timing['batched_p50']:.1f} p95 {timing['batched_p95']:.1f}"
    )
    print(
        f"best of {BEST_OF} runs per reply (less competing load): "
        f"p50 {timing['best_p50']:.1f} p95 {timing['best_p95']:.1f} ms"
    )
    print(
        f"cpu time ms/reply (all threads): p50 {timing['cpu_p50']:.1f} p95 {timing['cpu_p95']:.1f}; "
        f"load average during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"grader load {load_s * 1000:.0f} ms; peak resident memory {peak_mb:.0f} MB")
    overlap = overlap_with_training(args.content_dir, rubric, items)
    if overlap:
        print(f"warning: {overlap} of these replies also appear in the training examples")
    if args.cv:
        print(f"\ncross-validated on the training corpus of {rubric.id} (5 folds grouped by peer turn):")
        print_levels(out_of_fold_levels(args.content_dir, rubric.id))


# --- --grader llm: the LLM judge at PEER_LLM_BASE_URL / PEER_JUDGE_MODEL, against the same labels ------------


def llm_main(args: argparse.Namespace) -> None:
    """Agreement of the configured judge model with the labels, its latency and how often it fell back."""
    settings = Settings(content_dir=args.content_dir)
    entry = get_catalog(args.content_dir).rubrics[args.rubric]
    items = read_items(args.file)
    grades, seconds = asyncio.run(judge_all(settings, entry.item, entry.version, [as_case(i) for i in items]))
    fallbacks = sum(1 for g in grades if not g.grader.startswith("llm:"))
    print(f"file {args.file} ({len(items)} replies), rubric {args.rubric}, judge {settings.judge_model}")
    print_accuracy(entry.item.keys, items, grades)
    print(f"latency s/reply p50 {np.percentile(seconds, 50):.2f} p95 {np.percentile(seconds, 95):.2f}")
    print(f"fell back to the offline grade: {fallbacks} of {len(grades)} (these count as the offline grader's)")


async def judge_all(
    settings: Settings, rubric: Rubric, version: str, cases: list[ReplyCase]
) -> tuple[list[Grade], list[float]]:
    fallback = load_offline_grader(content_dir=settings.content_dir, rubric=rubric, version=version)
    judge = build_judge(settings, rubric=rubric, fallback=fallback)

    async def one(case: ReplyCase) -> tuple[Grade, float]:
        started = time.perf_counter()
        grade = await judge.grade(context=case.context, reply=case.reply)
        return grade, time.perf_counter() - started

    results: list[tuple[Grade, float]] = []
    async with connection_pool():
        for start in range(0, len(cases), 4):
            results += await asyncio.gather(*(one(case) for case in cases[start : start + 4]))
    return [grade for grade, _ in results], [s for _, s in results]


if __name__ == "__main__":
    main()

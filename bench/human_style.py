"""How the grader generalises to text people write: the human-style proxy in bench/data/human_style/.

    python bench/human_style.py [--rubric crss-core] [--misses N]

(a) forum replies: Spearman of the grader's empathy (predicted level, and expected level) against the
    labelled empathy level 0-2;
(b) transcribed counsellor speech: AUROC of directing against autonomy-supporting, scored on the
    expected pressure, authority and the larger of the two (and on the predicted levels);
(c) reflection pairs: the share of pairs whose better reply has the higher expected empathy (ties half).

The expected level is the sum over k of the model's P(level >= k) for the whole reply: a continuous
score, which is what a ranking measure should use. Never trained on: see the folder's README.
--misses N prints each file's N worst misses (text and scores).
"""

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.grading.features import ReplyCase, encode_cases  # noqa: E402
from app.grading.offline import OfflineGrader  # noqa: E402
from app.grading.scoring import ModelScorer  # noqa: E402
from bench.grader import as_case, offline_grader, overlap_with_training, ranks, read_items, spearman  # noqa: E402

DATA = ROOT / "bench" / "data" / "human_style"


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return float("nan")
    rank_sum = float((ranks(scores.astype(float))[positive] + 1).sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def ordered_share(high: np.ndarray, low: np.ndarray) -> float:
    """Share of pairs with high above low, ties counting half."""
    return float(((high > low) + 0.5 * (high == low)).mean())


def expected_levels(grader: OfflineGrader, cases: Sequence[ReplyCase]) -> dict[str, np.ndarray]:
    """Per dimension, the whole reply's expected level: the sum of the model's P(level >= k)."""
    if not isinstance(grader.scorer, ModelScorer):
        raise SystemExit("no trained model for this rubric: train it first (python -m app train)")
    scorer = grader.scorer
    features = [scorer.space.features(e) for e in encode_cases(cases, grader.encoder)]
    return {key: probs.sum(axis=1) for key, (_, probs) in scorer.model.predict(features).items()}


def graded_levels(grader: OfflineGrader, cases: Sequence[ReplyCase]) -> dict[str, np.ndarray]:
    """Per dimension, the level the grader gives each reply, as a trainee would see it."""
    graded = [grader.score_replies(c.context, [c.reply])[0] for c in cases]
    return {key: np.array([levels[key] for levels in graded]) for key in grader.rubric.keys}


def forum_empathy(grader: OfflineGrader, misses: int) -> None:
    items = read_items(DATA / "forum_empathy.jsonl")
    cases = [as_case(i) for i in items]
    gold = np.array([i["empathy_level"] for i in items])
    expected = expected_levels(grader, cases)["empathy"]
    level = graded_levels(grader, cases)["empathy"]
    print(f"(a) forum replies ({len(items)}): empathy Spearman, predicted level {spearman(gold, level):.3f}, "
          f"expected level {spearman(gold, expected):.3f}")
    by_level = ", ".join(f"gold {g}: {expected[gold == g].mean():.2f}" for g in sorted(set(gold.tolist())))
    print(f"    mean expected empathy by gold level: {by_level}")
    miss = np.abs(ranks(expected) / len(items) - ranks(gold.astype(float)) / len(items))
    show(misses, items, miss, lambda i, k: f"gold {i['empathy_level']} expected {expected[k]:.2f} level {level[k]}")


def counsellor_codes(grader: OfflineGrader, misses: int) -> None:
    items = read_items(DATA / "counsellor_codes.jsonl")
    cases = [as_case(i) for i in items]
    directing = np.array([i["code"] == "directing" for i in items])
    expected = expected_levels(grader, cases)
    scores = {
        "pressure": expected["pressure"],
        "authority": expected["authority"],
        "max(pressure, authority)": np.maximum(expected["pressure"], expected["authority"]),
    }
    graded = graded_levels(grader, cases)
    levels = np.maximum(graded["pressure"], graded["authority"])
    print(f"(b) counsellor speech ({len(items)}: {directing.sum()} directing, {(~directing).sum()} autonomy): "
          + ", ".join(f"AUROC {name} {auroc(s, directing):.3f}" for name, s in scores.items())
          + f"; predicted max level {auroc(levels.astype(float), directing):.3f}")
    both = scores["max(pressure, authority)"]
    miss = np.array([_misordered(both, directing, k) for k in range(len(items))])
    show(misses, items, miss, lambda i, k: f"{i['code']} pressure {expected['pressure'][k]:.2f} "
         f"authority {expected['authority'][k]:.2f} level {levels[k]}")


def _misordered(scores: np.ndarray, positive: np.ndarray, k: int) -> float:
    """Share of the other class this item is ranked wrongly against (ties half)."""
    others = scores[positive != positive[k]]
    wrong = others >= scores[k] if positive[k] else others <= scores[k]
    return float(wrong.mean() - 0.5 * (others == scores[k]).mean())


def reflection_pairs(grader: OfflineGrader, misses: int) -> None:
    items = read_items(DATA / "reflection_pairs.jsonl")
    high = expected_levels(grader, [as_case(i | {"reply": i["high"]}) for i in items])["empathy"]
    low = expected_levels(grader, [as_case(i | {"reply": i["low"]}) for i in items])["empathy"]
    print(f"(c) reflection pairs ({len(items)}): better reply above on expected empathy {ordered_share(high, low):.3f}")
    kinds = sorted({i["low_kind"] for i in items})
    kind = np.array([i["low_kind"] for i in items])
    print("    by kind of worse reply: " + ", ".join(
        f"{k} {ordered_share(high[kind == k], low[kind == k]):.2f} ({(kind == k).sum()})" for k in kinds))
    show(misses, items, low - high, lambda i, k: f"{i['low_kind']}: high {high[k]:.2f} low {low[k]:.2f}\n"
         f"      high: {i['high']}\n      low:  {i['low']}")


def show(
    count: int, items: list[dict[str, Any]], miss: np.ndarray, describe: Callable[[dict[str, Any], int], str]
) -> None:
    """The `count` items with the largest miss, worst first."""
    for k in np.argsort(-miss, kind="stable")[:count]:
        item = items[k]
        print(f"  {item['id']} {describe(item, k)}")
        print(f"      peer: {item['context'][-1]['text'][:160]}")
        if "reply" in item:
            print(f"      reply: {item['reply']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rubric", default="crss-core")
    parser.add_argument("--misses", type=int, default=0, help="print each file's N worst misses")
    args = parser.parse_args()
    rubric, grader = offline_grader(ROOT, args.rubric)
    print(f"human-style proxy {DATA.relative_to(ROOT)}, rubric {rubric.id}, grader {grader.name}")
    forum_empathy(grader, args.misses)
    counsellor_codes(grader, args.misses)
    reflection_pairs(grader, args.misses)
    overlap = overlap_with_training(ROOT, rubric, every_reply())
    if overlap:
        print(f"warning: {overlap} of these replies also appear in the training examples")


def every_reply() -> list[dict[str, Any]]:
    """Each reply of the three files as an item with a `reply`."""
    replies = [i for name in ("forum_empathy", "counsellor_codes") for i in read_items(DATA / f"{name}.jsonl")]
    pairs = read_items(DATA / "reflection_pairs.jsonl")
    return replies + [{"reply": i[side]} for i in pairs for side in ("high", "low")]


if __name__ == "__main__":
    main()

"""Learning curve of a rubric's few-shot grader: held-out accuracy against the number of examples.

    python bench/learning_curve.py [--rubric mi-consistency] [--sizes 25 50 100 200] [--repeats 4]

Each repeat holds out a quarter of the peer turns (every reply to them) as a test set, draws n
replies from the rest, trains the few-shot grader on them (with and without transfer from
crss-core) and grades the held-out replies. n = 0 is the grader with no examples at all: indicator
phrases and nearest exemplars. Figures are means over repeats: exact-level accuracy and flag
agreement (level 2+ or not, balanced; 0.50 is chance), averaged over the rubric's dimensions, then
per dimension for the largest n.
"""

import argparse
import statistics
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.content.loader import load_model  # noqa: E402
from app.content.rubrics import Rubric  # noqa: E402
from app.grading.accuracy import DimensionAccuracy, measure  # noqa: E402
from app.grading.embeddings import get_encoder  # noqa: E402
from app.grading.examples import load_labelled  # noqa: E402
from app.grading.few_shot import FewShotData, FewShotParams, build_data, fit_grader, predict_levels  # noqa: E402
from app.grading.scoring import IndicatorScorer  # noqa: E402
from app.grading.transfer import Priors  # noqa: E402

TEST_SHARE = 0.25


def split(data: FewShotData, seed: int) -> tuple[list[int], list[int]]:
    """Measured rows in the training pool and held out, by peer turn."""
    rng = np.random.default_rng(seed)
    measured = data.measured_rows()
    groups = sorted({data.groups[i] for i in measured})
    held = set(rng.choice(groups, size=max(1, round(len(groups) * TEST_SHARE)), replace=False).tolist())
    return [i for i in measured if data.groups[i] not in held], [i for i in measured if data.groups[i] in held]


def scores(data: FewShotData, test: list[int], levels: dict[str, np.ndarray]) -> list[DimensionAccuracy]:
    gold = {key: np.array([data.cases[i].labels[key] for i in test]) for key in data.rubric.keys}
    return [measure(key, gold[key], np.asarray(levels[key])) for key in data.rubric.keys]


def indicator_levels(data: FewShotData, test: list[int], scorer: IndicatorScorer) -> dict[str, np.ndarray]:
    units = scorer.score([data.encoded[i] for i in test])
    return {key: np.array([u.levels[key] for u in units]) for key in data.rubric.keys}


def trained_levels(data: FewShotData, pool: list[int], test: list[int], n: int, seed: int,
                   params: FewShotParams) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    sample = rng.choice(pool, size=min(n, len(pool)), replace=False).tolist()
    held = {data.groups[i] for i in test}
    exemplars = [i for i in range(len(data.cases)) if i not in set(data.measured_rows()) and data.groups[i] not in held]
    return predict_levels(fit_grader(data, sample + exemplars, params, {}), data, test)


def mean_of(runs: list[list[DimensionAccuracy]], field: str) -> float:
    values = [getattr(d, field) for run in runs for d in run if getattr(d, field) is not None]
    return statistics.fmean(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rubric", default="mi-consistency")
    parser.add_argument("--sizes", type=int, nargs="*", default=[25, 50, 100, 200])
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    rubric = load_model(ROOT / "rubrics" / f"{args.rubric}.yaml", Rubric)
    params = FewShotParams()
    cases, _ = load_labelled(ROOT, rubric)
    data = build_data(ROOT, rubric, cases, params)
    width = data.dense.shape[1]
    plain = replace(data, priors=Priors.none(width), prior_logits=np.zeros((len(data.cases), 0)))
    scorer = IndicatorScorer(rubric, get_encoder())
    pool_size = len(split(data, 0)[0])
    sizes = [n for n in args.sizes if n < pool_size] + [pool_size]
    print(f"rubric {rubric.id}: {len(data.measured_rows())} labelled replies, {args.repeats} repeats,"
          f" {TEST_SHARE:.0%} of peer turns held out; transfer from {', '.join(data.priors.names) or 'nothing'}")
    print(f"{'examples':>9} | {'accuracy':>9} {'flag agr.':>9} | {'no transfer: acc.':>17} {'flag agr.':>9}")
    runs: dict[int, tuple[list[list[DimensionAccuracy]], list[list[DimensionAccuracy]]]] = {}
    for n in [0, *sizes]:
        with_t, without = [], []
        for seed in range(args.repeats):
            pool, test = split(data, seed)
            if n == 0:
                with_t.append(scores(data, test, indicator_levels(data, test, scorer)))
                continue
            with_t.append(scores(data, test, trained_levels(data, pool, test, n, seed, params)))
            without.append(scores(plain, test, trained_levels(plain, pool, test, n, seed, params)))
        runs[n] = (with_t, without)
        label = "0 (ind.)" if n == 0 else str(n)
        tail = "" if n == 0 else f"{mean_of(without, 'accuracy'):>17.2f} {mean_of(without, 'flag_agreement'):>9.2f}"
        print(f"{label:>9} | {mean_of(with_t, 'accuracy'):>9.2f} {mean_of(with_t, 'flag_agreement'):>9.2f} | {tail}")
    largest = runs[sizes[-1]][0]
    print(f"\nper dimension at n = {sizes[-1]} (with transfer):")
    for i, key in enumerate(rubric.keys):
        rows = [run[i] for run in largest]
        agreement = [r.flag_agreement for r in rows if r.flag_agreement is not None]
        print(f"  {key:<14} accuracy {statistics.fmean(r.accuracy for r in rows):.2f}"
              f"  within one {statistics.fmean(r.within_one for r in rows):.2f}"
              f"  flag agreement {statistics.fmean(agreement) if agreement else float('nan'):.2f}"
              f"  majority {statistics.fmean(r.majority for r in rows):.2f}")


if __name__ == "__main__":
    main()

"""A rubric's grader from a small labelled set (a few dozen to a few hundred replies).

It builds on what the shipped grader learned: the bundled MiniLM sentence embeddings and language
cues as features, and crss-core's dimensions as transferred priors (`app.grading.transfer`). One
strongly regularised ordinal logistic model per dimension, with no n-grams (too few replies to
learn words from). The result is saved in the same format as the full trainer's, so
`load_offline_grader` loads it unchanged, and carries its own cross-validated accuracy.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.content.rubrics import Rubric
from app.grading.accuracy import DimensionAccuracy, measure
from app.grading.classifier import DimensionModel, GraderModel
from app.grading.cues import IndicatorMatcher
from app.grading.embeddings import get_encoder
from app.grading.examples import LabelledCase
from app.grading.features import EncodedCase, FeatureSpace, encode_cases
from app.grading.ngrams import NgramVocabulary
from app.grading.transfer import Float64, Priors, load_priors

MIN_EXAMPLES = 20
"""Fewer labelled replies than this: no model; the rubric grades with indicators and exemplars."""
MIN_CLASS = 3
"""A level k is modelled when at least this many replies fall on each side of it."""
EXEMPLAR = "exemplar:"


class NotEnoughExamples(ValueError):
    """Too few labelled replies to train or measure a grader."""


@dataclass(frozen=True)
class FewShotParams:
    # Chosen once among four settings on mi-consistency's learning curve (bench/learning_curve.py), for
    # the small sets this trainer is for: strong L2 on the ~800 raw columns (a few hundred rows at most)
    # and transferred priors that are cheap to use. Not re-tuned per rubric.
    c: float = 0.02
    prior_weight: float = 10.0
    transfer: bool = True
    base_rubric: str = "crss-core"
    folds: int = 5
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FewShotData:
    """Every labelled reply of a rubric with its raw dense features and transferred priors."""

    rubric: Rubric
    cases: list[LabelledCase]
    encoded: list[EncodedCase]
    dense: Float64
    priors: Priors
    prior_logits: Float64
    groups: list[str]

    def measured_rows(self) -> list[int]:
        """Replies from the examples files (the rubric's exemplars train but are never measured)."""
        return [i for i, c in enumerate(self.cases) if not c.source.startswith(EXEMPLAR)]


def build_data(content_dir: Path, rubric: Rubric, cases: Sequence[LabelledCase], params: FewShotParams) -> FewShotData:
    encoded = encode_cases([c.case for c in cases], get_encoder())
    space = FeatureSpace(IndicatorMatcher(rubric), _no_ngrams())
    dense = np.stack([space.features(e).dense for e in encoded]).astype(np.float64)
    width = dense.shape[1]
    base_dir = content_dir / "rubrics" / params.base_rubric / "model"
    use_base = params.transfer and rubric.id != params.base_rubric
    priors = load_priors(base_dir, width=width, keys=len(rubric.keys)) if use_base else Priors.none(width)
    groups = [c.case.last_text("peer").strip().lower() or c.case.reply for c in cases]
    return FewShotData(rubric, list(cases), encoded, dense, priors, priors.logits(dense), groups)


def _no_ngrams() -> NgramVocabulary:
    return NgramVocabulary(terms=[], idf=np.zeros(0, dtype=np.float32), max_n=1)


def _standardise(values: Float64) -> tuple[Float64, Float64]:
    return values.mean(axis=0), np.maximum(values.std(axis=0), 1e-3)


def _fit_dimension(
    key: str, z: Float64, p: Float64, y: Any, priors: Priors, fold: tuple[Float64, Float64, Float64, Float64],
    params: FewShotParams,
) -> DimensionModel:
    """P(level >= k) per modelled k on [z, priors], folded back into weights over z alone."""
    from sklearn.linear_model import LogisticRegression

    mean, scale, p_mean, p_scale = fold
    design = np.hstack([z, p * params.prior_weight])
    width = z.shape[1]
    ks = [k for k in range(1, 5) if min(int((y >= k).sum()), int((y < k).sum())) >= MIN_CLASS]
    weights, biases = [], []
    for k in ks:
        model = LogisticRegression(C=params.c, class_weight="balanced", max_iter=3000)
        model.fit(design, (y >= k).astype(int))
        coef, bias = model.coef_[0], float(model.intercept_[0])
        through = coef[width:] * params.prior_weight / p_scale  # per prior, on its raw logit
        weights.append(coef[:width] + through @ (priors.weights * scale))
        biases.append(bias + float(through @ (priors.weights @ mean + priors.bias - p_mean)))
    return DimensionModel(
        key=key,
        ks=np.array(ks, dtype=np.int64),
        dense_w=np.array(weights, dtype=np.float32).reshape(len(ks), width),
        sparse_w=np.zeros((len(ks), 0), dtype=np.float32),
        bias=np.array(biases, dtype=np.float32),
        cuts=np.full(len(ks), 0.5, dtype=np.float32),
    )


def fit_grader(data: FewShotData, rows: Sequence[int], params: FewShotParams, info: dict[str, Any]) -> GraderModel:
    """A grader fitted on the given rows of `data` (all of them for the saved model, a fold's in CV)."""
    index = np.array(rows, dtype=np.int64)
    mean, scale = _standardise(data.dense[index])
    p_mean, p_scale = _standardise(data.prior_logits[index]) if data.priors.names else (np.zeros(0), np.ones(0))
    z = (data.dense - mean) / scale
    p = (data.prior_logits - p_mean) / p_scale
    dimensions = {}
    for key in data.rubric.keys:
        labelled = [i for i in rows if key in data.cases[i].labels]
        y = np.array([data.cases[i].labels[key] for i in labelled], dtype=np.int64)
        fold = (mean, scale, p_mean, p_scale)
        dimensions[key] = _fit_dimension(key, z[labelled], p[labelled], y, data.priors, fold, params)
    return GraderModel(
        rubric_id=data.rubric.id, keys=data.rubric.keys, vocabulary=_no_ngrams(),
        mean=mean.astype(np.float32), scale=scale.astype(np.float32), dimensions=dimensions, info=info,
    )


def predict_levels(model: GraderModel, data: FewShotData, rows: Sequence[int]) -> dict[str, Any]:
    dense = ((data.dense[list(rows)] - model.mean) / model.scale).astype(np.float32)
    empty = [(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))] * len(rows)
    return {key: dim.levels(dim.probabilities(dense, empty)) for key, dim in model.dimensions.items()}


def cross_validate(data: FewShotData, params: FewShotParams) -> list[DimensionAccuracy]:
    """Out-of-fold levels for every measured reply, folds grouped by the peer's turn."""
    from sklearn.model_selection import GroupKFold

    measured = data.measured_rows()
    groups = [data.groups[i] for i in measured]
    splits = min(params.folds, len(set(groups)))
    if len(measured) < MIN_EXAMPLES or splits < 2:
        raise NotEnoughExamples(f"{len(measured)} labelled replies; at least {MIN_EXAMPLES} are needed")
    predicted = {key: np.zeros(len(data.cases), dtype=np.int64) for key in data.rubric.keys}
    folds = GroupKFold(n_splits=splits, shuffle=True, random_state=params.seed)
    for train, test in folds.split(measured, groups=groups):
        held_out = {groups[i] for i in test}
        rows = [measured[i] for i in train] + [
            i for i in range(len(data.cases)) if i not in set(measured) and data.groups[i] not in held_out
        ]
        tested = [measured[i] for i in test]
        levels = predict_levels(fit_grader(data, rows, params, {}), data, tested)
        for key in data.rubric.keys:
            predicted[key][tested] = levels[key]
    report = []
    for key in data.rubric.keys:
        rows = [i for i in measured if key in data.cases[i].labels]
        gold = np.array([data.cases[i].labels[key] for i in rows], dtype=np.int64)
        report.append(measure(key, gold, predicted[key][rows]))
    return report

"""Train a rubric's grader from its labelled examples and export it as numpy weights.

Reproducible: fixed fold seed, deterministic solver, no timestamps in the artifact. The same
function trains any rubric that has examples (or only exemplars) beside its YAML file.
"""

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from app.content.loader import load_model
from app.content.rubrics import Rubric
from app.grading.augment import DilutedCase, dilute
from app.grading.classifier import DimensionModel, Float32, GraderModel
from app.grading.cues import IndicatorMatcher
from app.grading.embeddings import get_encoder
from app.grading.examples import LabelledCase, load_labelled
from app.grading.features import CaseFeatures, FeatureSpace, encode_cases
from app.grading.fitting import DimensionData, FitParams, binary_f1, cross_validate, fit_level
from app.grading.ngrams import NgramVocabulary
from app.grading.normalise import plain


class DimensionReport(BaseModel):
    key: str
    examples: int
    counts: dict[int, int]
    levels_modelled: list[int]
    c: float
    sparse_weight: float
    cv_f1: float | None


class TrainReport(BaseModel):
    rubric_id: str
    examples: int
    skipped_lines: int
    diluted: int
    dimensions: list[DimensionReport]
    model_dir: str
    size_bytes: int
    seconds: float

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        lines = [
            f"rubric {self.rubric_id}: {self.examples} examples ({self.skipped_lines} lines skipped), "
            f"{self.diluted} diluted copies"
        ]
        for d in self.dimensions:
            f1 = "n/a" if d.cv_f1 is None else f"{d.cv_f1:.3f}"
            counts = " ".join(f"{lvl}:{n}" for lvl, n in sorted(d.counts.items()))
            lines.append(
                f"  {d.key:<12} n={d.examples:<5} levels {counts:<32} "
                f"C={d.c:<6} n-gram weight {d.sparse_weight:<5g} cv F1 {f1}"
            )
        lines.append(f"model: {self.model_dir} ({self.size_bytes / 1e6:.2f} MB, {self.seconds:.0f} s)")
        return "\n".join(lines)


@dataclass
class TrainingSet:
    rubric: Rubric
    cases: list[LabelledCase]
    features: list[CaseFeatures]
    vocabulary: NgramVocabulary
    skipped: int
    diluted: list[DilutedCase]
    diluted_features: list[CaseFeatures]


def rubric_path(content_dir: Path, rubric_id: str) -> Path:
    return content_dir / "rubrics" / f"{rubric_id}.yaml"


def model_dir_for(content_dir: Path, rubric_id: str) -> Path:
    return content_dir / "rubrics" / rubric_id / "model"


def build_training_set(
    content_dir: Path, rubric: Rubric, *, max_n: int = 2, seed: int = 0, extra: Sequence[Path] = ()
) -> TrainingSet:
    cases, skipped = load_labelled(content_dir, rubric, extra)
    if not cases:
        raise ValueError(f"rubric {rubric.id} has no labelled examples or exemplars")
    vocabulary = NgramVocabulary.fit((plain(c.case.reply) for c in cases), max_n=max_n)
    space = FeatureSpace(IndicatorMatcher(rubric), vocabulary)
    encoded = encode_cases([c.case for c in cases], get_encoder())
    features = [space.features(e) for e in encoded]
    diluted = dilute(rubric, cases, seed=seed)
    diluted_features = [space.features(e) for e in encode_cases([d.labelled.case for d in diluted], get_encoder())]
    return TrainingSet(rubric, cases, features, vocabulary, skipped, diluted, diluted_features)


@dataclass
class Standardised:
    """The training set's dense features, standardised, with the diluted copies' beside them."""

    dense: Any
    extra_dense: Any
    mean: Any
    scale: Any
    groups: list[str]  # the peer turn each case answers: cases answering one turn stay in one fold


def standardise(data: TrainingSet, params: FitParams) -> Standardised:
    dense = np.stack([f.dense for f in data.features]).astype(np.float64)
    mean = dense.mean(axis=0)
    scale = np.maximum(dense.std(axis=0), 1e-3) / params.block_weights(dense.shape[1])
    extra = np.stack([f.dense for f in data.diluted_features]) if data.diluted else np.zeros((0, len(mean)))
    groups = [c.case.last_text("peer").strip().lower() or c.case.reply for c in data.cases]
    return Standardised((dense - mean) / scale, (extra - mean) / scale, mean, scale, groups)


def dimension_data(data: TrainingSet, std: Standardised, params: FitParams, key: str) -> DimensionData:
    """The rows labelled on one dimension, and the diluted copies made from them."""
    diluted = data.diluted if params.dilute else []
    rows = [i for i, c in enumerate(data.cases) if key in c.labels]
    position = {row: n for n, row in enumerate(rows)}
    extra = [a for a, d in enumerate(diluted) if key in d.labelled.labels and d.base in position]
    return DimensionData(
        dense=std.dense[rows],
        sparse=[data.features[i].sparse for i in rows],
        y=np.array([data.cases[i].labels[key] for i in rows]),
        groups=[std.groups[i] for i in rows],
        extra_dense=std.extra_dense[extra],
        extra_sparse=[data.diluted_features[a].sparse for a in extra],
        extra_y=np.array([diluted[a].labelled.labels[key] for a in extra], dtype=np.int64),
        extra_base=np.array([position[diluted[a].base] for a in extra], dtype=np.int64),
        extra_groups=[std.groups[diluted[a].filler] for a in extra],
    )


def fit_model(data: TrainingSet, params: FitParams) -> tuple[GraderModel, list[DimensionReport]]:
    std = standardise(data, params)
    models, reports = {}, []
    for key in data.rubric.keys:
        model, report = _fit_dimension(key, dimension_data(data, std, params, key), params, data.vocabulary.size)
        models[key] = model
        reports.append(report)
    grader = GraderModel(
        rubric_id=data.rubric.id, keys=data.rubric.keys, vocabulary=data.vocabulary,
        mean=std.mean.astype(np.float32), scale=std.scale.astype(np.float32),
        dimensions=models,
        info={"params": params.as_dict(), "dimensions": [r.model_dump() for r in reports]},
    )
    return grader, reports


def _fit_dimension(
    key: str, data: DimensionData, params: FitParams, vocab: int
) -> tuple[DimensionModel, DimensionReport]:
    y = data.y
    ks = [k for k in range(1, 5) if min((y >= k).sum(), (y < k).sum()) >= params.min_class]
    focus = 2 if 2 in ks else (ks[0] if ks else None)
    best, cv_f1 = params.grid[0], None
    if focus is not None:
        scored = [(*cross_validate(data, focus, s, params, vocab), s) for s in params.grid]
        scored = [item for item in scored if item[0] == item[0]]
        if scored:  # best F1; among near ties, the better calibrated
            cv_f1, _, best = max(scored, key=lambda item: (round(item[0], 2), -item[1]))
    model = fit_levels(key, data, ks, best, params, vocab)
    counts = {int(level): int(n) for level, n in sorted(Counter(y.tolist()).items())}
    report = DimensionReport(key=key, examples=len(y), counts=counts, levels_modelled=ks,
                             c=best[0], sparse_weight=best[1], cv_f1=cv_f1)
    return model, report


def fit_levels(
    key: str, data: DimensionData, ks: list[int], setting: tuple[float, float], params: FitParams, vocab: int,
    train: Any = None,
) -> DimensionModel:
    """The dimension's model of P(level >= k) for each k, fitted on the rows `train` (all by default)."""
    train = np.arange(len(data.y)) if train is None else train
    held_out = set(data.groups) - {data.groups[i] for i in train}
    dense, sparse, labels = data.rows(train, held_out)
    weights = [fit_level(dense, sparse, labels, k, setting, params, vocab) for k in ks]
    width = dense.shape[1]
    return DimensionModel(
        key=key,
        ks=np.array(ks, dtype=np.int64),
        dense_w=_stack([w[:width] for w, _ in weights], width),
        sparse_w=_stack([w[width:] for w, _ in weights], vocab),
        bias=np.array([b for _, b in weights], dtype=np.float32),
        cuts=np.full(len(ks), params.cut, dtype=np.float32),
    )


def _stack(rows: list[Any], width: int) -> Float32:
    if not rows:
        return np.zeros((0, width), dtype=np.float32)
    return np.stack(rows).astype(np.float32)


def train_rubric(
    *, content_dir: Path, rubric_id: str, params: FitParams | None = None, extra: Sequence[Path] = ()
) -> TrainReport:
    """Train the grader of `rubrics/<rubric_id>.yaml` and write it to `rubrics/<rubric_id>/model/`."""
    started = time.perf_counter()
    params = params or FitParams()
    rubric = load_model(rubric_path(content_dir, rubric_id), Rubric)
    data = build_training_set(content_dir, rubric, seed=params.seed, extra=extra)
    model, reports = fit_model(data, params)
    folder = model_dir_for(content_dir, rubric_id)
    model.save(folder)
    return TrainReport(
        rubric_id=rubric_id,
        examples=len(data.cases),
        skipped_lines=data.skipped,
        diluted=len(data.diluted) if params.dilute else 0,
        dimensions=reports,
        model_dir=str(folder),
        size_bytes=sum(p.stat().st_size for p in folder.iterdir() if p.is_file()),
        seconds=round(time.perf_counter() - started, 1),
    )


__all__ = ["TrainReport", "train_rubric", "binary_f1", "FitParams"]

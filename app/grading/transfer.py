"""Transfer from the shipped grader: its dimensions' judgements as features for a new rubric's.

The base model (crss-core's, trained on about 2,000 replies) scores P(level >= 2) for each of its
dimensions with a linear model over the reply's features. The columns both rubrics share (the
sentence embeddings, context and language cues; not the rubric-specific indicator columns or
n-grams) give each base dimension a "prior" logit on any reply. A few-shot model adds these
priors as features, so "directing" can lean on what "pressure" learned, and then folds them back
into plain weights over its own features: prediction stays one linear model per level.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.grading.classifier import GraderModel, model_exists
from app.grading.embeddings import DIMENSIONS

Float64 = npt.NDArray[np.float64]
PRIOR_LEVEL = 2
"""The base dimensions' P(level >= 2): flagged for a risk, present for a skill."""


def _shared_columns(width: int, keys: int, base_width: int, base_keys: int) -> tuple[list[int], list[int]]:
    """Pairs of column indexes (ours, the base model's) that mean the same feature."""
    embedding = list(range(2 * DIMENSIONS))
    tail = width - 2 * DIMENSIONS - 2 * keys
    if tail != base_width - 2 * DIMENSIONS - 2 * base_keys:
        return embedding, embedding
    ours = embedding + [2 * DIMENSIONS + 2 * keys + i for i in range(tail)]
    theirs = embedding + [2 * DIMENSIONS + 2 * base_keys + i for i in range(tail)]
    return ours, theirs


@dataclass(frozen=True)
class Priors:
    """Base dimensions' P(level >= 2) logits as affine maps of our raw dense features: W x + b."""

    names: list[str]
    weights: Float64  # (priors, width) over our raw dense columns
    bias: Float64  # (priors,)

    def logits(self, dense: Float64) -> Float64:
        result: Float64 = dense @ self.weights.T + self.bias
        return result

    @classmethod
    def none(cls, width: int) -> "Priors":
        return cls(names=[], weights=np.zeros((0, width)), bias=np.zeros(0))


def load_priors(base_dir: Path, *, width: int, keys: int) -> Priors:
    """Priors from the base model in `base_dir`, or none when it is missing or unreadable."""
    if not model_exists(base_dir):
        return Priors.none(width)
    try:
        base = GraderModel.load(base_dir)
    except (ValueError, KeyError, OSError):
        return Priors.none(width)
    ours, theirs = _shared_columns(width, keys, len(base.mean), len(base.keys))
    names, rows, biases = [], [], []
    for key, dimension in base.dimensions.items():
        ks = dimension.ks.tolist()
        if PRIOR_LEVEL not in ks:
            continue
        w = dimension.dense_w[ks.index(PRIOR_LEVEL)].astype(np.float64)
        scale = base.scale.astype(np.float64)[theirs]
        row = np.zeros(width)
        row[ours] = w[theirs] / scale
        names.append(key)
        rows.append(row)
        biases.append(float(dimension.bias[ks.index(PRIOR_LEVEL)]) - float(row[ours] @ base.mean[theirs]))
    if not names:
        return Priors.none(width)
    return Priors(names=names, weights=np.stack(rows), bias=np.array(biases))

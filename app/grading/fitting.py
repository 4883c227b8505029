"""scikit-learn fitting for training only: logistic models and grouped cross-validation.

Prediction never imports this module; the fitted weights are exported to numpy arrays.
"""

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.grading.embeddings import DIMENSIONS

SparseRows = Sequence[tuple[Any, Any]]


@dataclass(frozen=True)
class FitParams:
    # (C, weight of the n-gram block) pairs tried per dimension; the best by cross-validation wins
    grid: tuple[tuple[float, float], ...] = (
        (0.003, 60.0), (0.01, 40.0), (0.01, 20.0), (0.03, 10.0), (0.1, 5.0), (1.0, 2.0)
    )
    embedding_weight: float = 1.0
    class_weight: str | None = "balanced"
    skip_adjacent: bool = True  # fitting P(level >= k), leave out the ambiguous level k - 1
    dilute: bool = True  # add diluted copies of the risk examples (see augment.py)
    min_class: int = 4
    folds: int = 5
    seed: int = 0
    cut: float = 0.5
    max_iter: int = 3000

    def block_weights(self, width: int) -> npt.NDArray[np.float64]:
        """Column weights for the standardised dense features (embedding blocks first)."""
        weights = np.ones(width)
        weights[: 2 * DIMENSIONS] = self.embedding_weight
        return weights

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def design_matrix(dense: Any, sparse: SparseRows, vocab: int) -> Any:
    """The dense block and the n-gram rows side by side, as one CSR matrix."""
    from scipy import sparse as sp  # type: ignore[import-untyped]

    index = [np.asarray(i, dtype=np.int64) for i, _ in sparse]
    values = [np.asarray(v, dtype=np.float64) for _, v in sparse]
    indptr = np.concatenate([[0], np.cumsum([len(i) for i in index])])
    ngram = sp.csr_matrix(
        (np.concatenate(values), np.concatenate(index), indptr), shape=(len(sparse), vocab)
    )
    return sp.hstack([sp.csr_matrix(dense), ngram], format="csr")


def fit_level(
    dense: Any, sparse: SparseRows, y: Any, k: int, setting: tuple[float, float], params: FitParams,
    vocab: int,
) -> tuple[npt.NDArray[np.float64], float]:
    """Weights (dense columns, then n-gram columns with their block weight folded in) and bias
    of the logistic model of P(level >= k)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    c, sparse_weight = setting
    keep = np.flatnonzero(y != k - 1) if params.skip_adjacent and k >= 2 else np.arange(len(y))
    rows = [(i, v * sparse_weight) for i, v in (sparse[int(j)] for j in keep)]
    model = LogisticRegression(C=c, class_weight=params.class_weight, max_iter=params.max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(design_matrix(dense[keep], rows, vocab), (y[keep] >= k).astype(int))
    weights = model.coef_[0].astype(np.float64)
    weights[dense.shape[1] :] *= sparse_weight
    return weights, float(model.intercept_[0])


def binary_f1(gold: Any, predicted: Any) -> float:
    """F1 with gold >= 2 positive and gold 0 negative (gold 1 left out); predicted >= 2 positive."""
    gold, predicted = np.asarray(gold), np.asarray(predicted)
    keep = gold != 1
    g, p = gold[keep] >= 2, predicted[keep] >= 2
    tp = int((g & p).sum())
    denominator = int(g.sum()) + int(p.sum())
    return 2 * tp / denominator if denominator else 1.0


@dataclass
class DimensionData:
    """One dimension's training rows (standardised dense block, n-gram rows, levels, peer-turn
    groups) and its diluted copies, each tied to the row it was made from."""

    dense: Any
    sparse: list[Any]
    y: Any
    groups: list[str]
    extra_dense: Any
    extra_sparse: list[Any]
    extra_y: Any
    extra_base: Any  # row index of the case each diluted copy came from
    extra_groups: list[str]  # peer turn of the reply its added sentence came from

    def rows(self, train: Any, test_groups: set[str]) -> tuple[Any, list[Any], Any]:
        """Training rows `train`, plus the diluted copies that use nothing from the test groups."""
        in_train = np.isin(self.extra_base, train)
        extra = [
            a for a in np.flatnonzero(in_train)
            if self.extra_groups[a] not in test_groups and self.groups[self.extra_base[a]] not in test_groups
        ]
        dense = np.vstack([self.dense[train], self.extra_dense[extra]]) if extra else self.dense[train]
        sparse = [self.sparse[i] for i in train] + [self.extra_sparse[a] for a in extra]
        y = np.concatenate([self.y[train], self.extra_y[extra]]) if extra else self.y[train]
        return dense, sparse, y

    def all_rows(self) -> tuple[Any, list[Any], Any]:
        return self.rows(np.arange(len(self.y)), set())


def cross_validate(
    data: DimensionData, k: int, setting: tuple[float, float], params: FitParams, vocab: int
) -> tuple[float, float]:
    """Out-of-fold F1 and log-loss of the P(level >= k) model, folds grouped by the peer's turn."""
    from sklearn.model_selection import StratifiedGroupKFold

    y, groups = data.y, data.groups
    target = (y >= k).astype(int)
    splits = min(params.folds, int(target.sum()), int((1 - target).sum()), len(set(groups)))
    if splits < 2:
        return float("nan"), float("nan")
    folds = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=params.seed)
    logits = np.zeros(len(y))
    for train, test in folds.split(data.dense, target, groups):
        dense, sparse, labels = data.rows(train, {groups[i] for i in test})
        w, b = fit_level(dense, sparse, labels, k, setting, params, vocab)
        logits[test] = design_matrix(data.dense[test], [data.sparse[i] for i in test], vocab) @ w + b
    predicted = np.where(logits >= np.log(params.cut / (1 - params.cut)), k, 0)
    log_loss = float(np.mean(np.logaddexp(0, -logits) * target + np.logaddexp(0, logits) * (1 - target)))
    return binary_f1(y if k == 2 else np.where(y >= k, 2, 0), predicted), log_loss

"""A cross-validated estimate of the grader on its own training corpus (for bench/grader.py).

Each dimension is refitted with the setting training chose for it, five times, each time without
one fold of peer turns (every reply to one peer turn stays in one fold, with the diluted copies
made from it), and predicts the levels of the fold it did not see.
"""

from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.content.loader import load_model
from app.content.rubrics import Rubric
from app.grading.classifier import GraderModel
from app.grading.fitting import FitParams
from app.grading.training import (
    build_training_set,
    dimension_data,
    fit_levels,
    model_dir_for,
    rubric_path,
    standardise,
)

IntArray = npt.NDArray[np.int64]


def out_of_fold_levels(content_dir: Path, rubric_id: str, *, folds: int = 5) -> dict[str, tuple[IntArray, IntArray]]:
    """Per dimension: the gold levels of the training corpus and the levels predicted out of fold."""
    from sklearn.model_selection import StratifiedGroupKFold

    rubric = load_model(rubric_path(content_dir, rubric_id), Rubric)
    model = GraderModel.load(model_dir_for(content_dir, rubric_id))
    params = FitParams(**{k: v for k, v in model.info["params"].items() if k != "grid"})
    data = build_training_set(content_dir, rubric, seed=params.seed)
    std = standardise(data, params)
    chosen = {d["key"]: (d["c"], d["sparse_weight"]) for d in model.info["dimensions"]}
    result = {}
    for key, dim in model.dimensions.items():
        rows = dimension_data(data, std, params, key)
        predicted = np.zeros(len(rows.y), dtype=np.int64)
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=params.seed)
        for train, test in splitter.split(rows.dense, (rows.y >= 2).astype(int), rows.groups):
            fold = fit_levels(key, rows, dim.ks.tolist(), chosen[key], params, data.vocabulary.size, train=train)
            probs = fold.probabilities(rows.dense[test].astype(np.float32), [rows.sparse[i] for i in test])
            predicted[test] = fold.levels(probs)
        result[key] = (rows.y.astype(np.int64), predicted)
    return result


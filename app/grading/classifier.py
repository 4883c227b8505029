"""The trained grader model as plain numpy: ordinal logistic models, one per dimension.

For each dimension and each level k it models P(level >= k) with a logistic model over the dense
features (standardised) and the sparse n-gram row. The predicted level is the highest k whose
probability reaches its cut. Weights live in `model.npz` (no pickles) and `model.json`, so
prediction needs numpy only and no scikit-learn version has to match.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.grading.embeddings import encoder_fingerprint
from app.grading.features import CaseFeatures
from app.grading.ngrams import NgramVocabulary

FORMAT_VERSION = 1
WEIGHTS_FILE = "model.npz"
META_FILE = "model.json"

IntArray = npt.NDArray[np.int64]
Float32 = npt.NDArray[np.float32]


@dataclass
class DimensionModel:
    """P(level >= k) for k in `ks`, as logistic models sharing one feature space."""

    key: str
    ks: IntArray
    dense_w: Float32
    sparse_w: Float32
    bias: Float32
    cuts: Float32

    def probabilities(self, dense: Float32, sparse: Sequence[tuple[Any, Any]]) -> Float32:
        """Monotone P(level >= k), shape (n, len(ks))."""
        logits = dense @ self.dense_w.T + self.bias
        for row, (index, values) in enumerate(sparse):
            if len(index):
                logits[row] += self.sparse_w[:, index] @ values
        probs: Float32 = (1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))).astype(np.float32)
        return np.minimum.accumulate(probs, axis=1) if probs.shape[1] else probs

    def levels(self, probs: Float32) -> IntArray:
        reached = probs >= self.cuts
        result: IntArray = np.where(reached, self.ks, 0).max(axis=1, initial=0).astype(np.int64)
        return result


@dataclass
class GraderModel:
    rubric_id: str
    keys: list[str]
    vocabulary: NgramVocabulary
    mean: Float32
    scale: Float32
    dimensions: dict[str, DimensionModel]
    info: dict[str, Any] = field(default_factory=dict)

    def prepare(self, features: Sequence[CaseFeatures]) -> tuple[Float32, list[tuple[Any, Any]]]:
        dense = (np.stack([f.dense for f in features]) - self.mean) / self.scale
        return dense.astype(np.float32), [f.sparse for f in features]

    def predict(self, features: Sequence[CaseFeatures]) -> dict[str, tuple[IntArray, Float32]]:
        """Per dimension: levels (n,) and monotone P(level >= k) (n, len(ks))."""
        dense, sparse = self.prepare(features)
        result = {}
        for key, model in self.dimensions.items():
            probs = model.probabilities(dense, sparse)
            result[key] = (model.levels(probs), probs)
        return result

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[Any]] = {
            "mean": self.mean, "scale": self.scale, "idf": self.vocabulary.idf,
        }
        for key, dim in self.dimensions.items():
            for name in ("ks", "dense_w", "sparse_w", "bias", "cuts"):
                arrays[f"{key}.{name}"] = getattr(dim, name)
        np.savez_compressed(folder / WEIGHTS_FILE, **arrays)  # type: ignore[arg-type]
        meta = {
            "format": FORMAT_VERSION,
            "rubric_id": self.rubric_id,
            "keys": self.keys,
            "max_n": self.vocabulary.max_n,
            "encoder": encoder_fingerprint(),  # the embeddings its weights were fitted to
            "terms": self.vocabulary.terms,
            "info": self.info,
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "GraderModel":
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{folder}: model format {meta.get('format')}, expected {FORMAT_VERSION}")
        with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        vocabulary = NgramVocabulary(terms=meta["terms"], idf=arrays["idf"], max_n=meta["max_n"])
        dimensions = {
            key: DimensionModel(
                key=key,
                ks=arrays[f"{key}.ks"],
                dense_w=arrays[f"{key}.dense_w"],
                sparse_w=arrays[f"{key}.sparse_w"],
                bias=arrays[f"{key}.bias"],
                cuts=arrays[f"{key}.cuts"],
            )
            for key in meta["keys"]
        }
        return cls(
            rubric_id=meta["rubric_id"],
            keys=meta["keys"],
            vocabulary=vocabulary,
            mean=arrays["mean"],
            scale=arrays["scale"],
            dimensions=dimensions,
            info=meta.get("info", {}),
        )


def model_exists(folder: Path) -> bool:
    return (folder / WEIGHTS_FILE).is_file() and (folder / META_FILE).is_file()

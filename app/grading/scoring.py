"""Scorers: levels per dimension for encoded replies (or single sentences of them).

`ModelScorer` applies the trained numpy model. `IndicatorScorer` is the honest fallback for a
rubric with no trained model yet: indicator phrases plus the levels of the nearest exemplars.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app.content.rubrics import Rubric
from app.grading.classifier import GraderModel
from app.grading.cues import IndicatorHit, IndicatorMatcher
from app.grading.embeddings import FloatArray, SentenceEncoder
from app.grading.features import EncodedCase, FeatureSpace

NEAREST = 3
MIN_SIMILARITY = 0.45
SOFTMAX_TEMPERATURE = 0.05


@dataclass
class UnitScore:
    """Levels of one text unit (a whole reply or one of its sentences)."""

    levels: dict[str, int]
    strength: dict[str, float]  # how strongly the unit shows each dimension, for ranking units
    hits: dict[str, list[IndicatorHit]]


class Scorer(Protocol):
    name: str
    matcher: IndicatorMatcher

    def score(self, units: Sequence[EncodedCase]) -> list[UnitScore]: ...


class ModelScorer:
    name = "offline"

    def __init__(self, rubric: Rubric, model: GraderModel) -> None:
        self.model = model
        self.matcher = IndicatorMatcher(rubric)
        self.space = FeatureSpace(self.matcher, model.vocabulary)

    def score(self, units: Sequence[EncodedCase]) -> list[UnitScore]:
        if not units:
            return []
        features = [self.space.features(u) for u in units]
        predicted = self.model.predict(features)
        strength_column = {key: _strength_column(dim.ks.tolist()) for key, dim in self.model.dimensions.items()}
        results = []
        for row, feats in enumerate(features):
            levels = {key: int(predicted[key][0][row]) for key in self.model.keys}
            strength = {
                key: float(predicted[key][1][row, col]) if col is not None else 0.0
                for key, col in strength_column.items()
            }
            results.append(UnitScore(levels=levels, strength=strength, hits=feats.hits))
        return results


def _strength_column(ks: list[int]) -> int | None:
    """The P(level >= 2) column, or the closest level modelled."""
    if not ks:
        return None
    return ks.index(2) if 2 in ks else int(np.argmin([abs(k - 2) for k in ks]))


class IndicatorScorer:
    """No trained model: indicator phrases, and the levels of the most similar exemplars."""

    name = "offline-indicators"

    def __init__(self, rubric: Rubric, encoder: SentenceEncoder) -> None:
        self.rubric = rubric
        self.matcher = IndicatorMatcher(rubric)
        self._exemplars: dict[str, tuple[FloatArray, FloatArray]] = {}
        for dim in rubric.dimensions:
            vectors = encoder.encode([ex.reply for ex in dim.exemplars])
            levels = np.array([ex.level for ex in dim.exemplars], dtype=np.float32)
            self._exemplars[dim.key] = (vectors, levels)

    def score(self, units: Sequence[EncodedCase]) -> list[UnitScore]:
        results = []
        for unit in units:
            hits = self.matcher.hits(unit.case.reply)
            levels, strength = {}, {}
            for key, (vectors, ex_levels) in self._exemplars.items():
                nearest = _nearest_level(unit.reply_vec, vectors, ex_levels)
                indicated = max((h.level for h in hits[key]), default=0)
                levels[key] = max(indicated, nearest)
                strength[key] = max(indicated, nearest) / 4
            results.append(UnitScore(levels=levels, strength=strength, hits=hits))
        return results


def _nearest_level(vec: FloatArray, vectors: FloatArray, levels: FloatArray) -> int:
    sims = vectors @ vec
    top = np.argsort(-sims)[:NEAREST]
    if sims[top[0]] < MIN_SIMILARITY:
        return 0
    weights = np.exp((sims[top] - sims[top[0]]) / SOFTMAX_TEMPERATURE)
    return int(round(float((weights * levels[top]).sum() / weights.sum())))


@dataclass
class ReplyAnalysis:
    """A graded reply: whole-reply scores, per-sentence scores and evidence per dimension."""

    encoded: EncodedCase
    whole: UnitScore
    sentence_scores: list[UnitScore]
    evidence: dict[str, list[str]]

    @property
    def sentences(self) -> list[str]:
        return self.encoded.sentences

    @property
    def scores(self) -> dict[str, int]:
        return self.whole.levels

    def top_sentence(self, key: str) -> int:
        """Index of the sentence that shows dimension `key` most strongly."""
        return int(np.argmax([s.strength[key] for s in self.sentence_scores]))

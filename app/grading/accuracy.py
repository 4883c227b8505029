"""Cross-validated accuracy of a grader on one dimension, and its plain-language reading for staff.

Accuracy alone flatters a rare dimension (always answering 0 scores well when few replies are
flagged), so each dimension also reports the majority baseline and the flag agreement: how often
the grader and the labels agree on the decision that matters (level 2 or more), balanced over the
replies that are and are not flagged. The readings ("reliable", "use with care", …) and their
thresholds live in `rubrics/_shared/grader-readings.yaml`.
"""

from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from app.content.loader import ContentError, load_model
from app.content.rubrics import StrictModel

READINGS_FILE = Path("rubrics") / "_shared" / "grader-readings.yaml"
CLEAR = 2
"""Flagged (a risk) or present (a skill): the decision coaching and the peer's reactions follow."""

IntArray = npt.NDArray[np.int64]


class DimensionAccuracy(BaseModel):
    key: str
    examples: int = Field(description="Labelled replies measured (exemplars excluded)")
    clear: int = Field(description="Of which labelled at level 2 or more")
    accuracy: float = Field(description="Exact level right, out of fold")
    within_one: float = Field(description="Level within one of the label, out of fold")
    flag_agreement: float | None = Field(description="Balanced agreement on level 2+ or not; None: one side empty")
    majority: float = Field(description="Accuracy of always answering the most common level")


def measure(key: str, gold: IntArray, predicted: IntArray) -> DimensionAccuracy:
    flagged, said = gold >= CLEAR, predicted >= CLEAR
    agreement = None
    if flagged.any() and (~flagged).any():
        agreement = float((said[flagged].mean() + (~said[~flagged]).mean()) / 2)
    common = Counter(gold.tolist()).most_common(1)[0][1] if len(gold) else 0
    return DimensionAccuracy(
        key=key,
        examples=len(gold),
        clear=int(flagged.sum()),
        accuracy=float((gold == predicted).mean()) if len(gold) else 0.0,
        within_one=float((np.abs(gold - predicted) <= 1).mean()) if len(gold) else 0.0,
        flag_agreement=agreement,
        majority=common / len(gold) if len(gold) else 0.0,
    )


class Reading(StrictModel):
    label: str
    explanation: str
    min_examples: int = 0
    min_clear: int = 0
    min_flag_agreement: float = 0.0


class Readings(StrictModel):
    readings: list[Reading] = Field(min_length=1, description="First match wins; the last is the fallback")
    untrained: str = Field(description="Shown for a rubric with no trained model (or one for other dimensions)")
    unmeasured: str = Field(description="Shown for a trained model that carries no cross-validated accuracy")

    def read(self, accuracy: DimensionAccuracy) -> Reading:
        agreement = accuracy.flag_agreement or 0.0
        for reading in self.readings:
            if (
                accuracy.examples >= reading.min_examples
                and accuracy.clear >= reading.min_clear
                and agreement >= reading.min_flag_agreement
            ):
                return reading
        return self.readings[-1]


def load_readings(content_dir: Path) -> Readings:
    path = content_dir / READINGS_FILE
    if not path.is_file():
        raise ContentError(path, ["the grader readings file is missing (copy it from the shipped content)"])
    return load_model(path, Readings)

"""How good each rubric's offline grader is, for the staff page: measured accuracy and its reading.

Reads only the trained model's metadata (`model.json`), never its weights, so the page stays fast.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.content.catalog import Catalog
from app.content.loader import ContentError
from app.content.rubrics import Rubric
from app.grading.accuracy import DimensionAccuracy, Reading, Readings, load_readings
from app.grading.classifier import META_FILE, model_exists


@dataclass(frozen=True)
class DimensionStatus:
    name: str
    accuracy: DimensionAccuracy
    reading: Reading


@dataclass(frozen=True)
class GraderStatus:
    rubric: Rubric
    state: str  # "measured", "unmeasured" (trained without a measurement we can read), "untrained"
    note: str = ""
    examples: int | None = None
    dimensions: list[DimensionStatus] = field(default_factory=list)


def _meta(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def grader_status(rubric: Rubric, content_dir: Path, readings: Readings) -> GraderStatus:
    folder = content_dir / "rubrics" / rubric.id / "model"
    meta = _meta(folder) if model_exists(folder) else {}
    if not meta or meta.get("keys") != rubric.keys:
        return GraderStatus(rubric, "untrained", readings.untrained)
    info = meta.get("info", {})
    measured = [DimensionAccuracy.model_validate(row) for row in info.get("cross_validation", [])]
    if not measured:
        return GraderStatus(rubric, "unmeasured", readings.unmeasured)
    names = {d.key: d.name for d in rubric.dimensions}
    dimensions = [DimensionStatus(names.get(a.key, a.key), a, readings.read(a)) for a in measured]
    return GraderStatus(rubric, "measured", examples=info.get("examples"), dimensions=dimensions)


def grader_statuses(catalog: Catalog, content_dir: Path) -> tuple[list[GraderStatus], str | None]:
    """Every rubric's grader status, or none and the problem when the readings file cannot be used."""
    try:
        readings = load_readings(content_dir)
    except ContentError as exc:
        return [], str(exc)
    return [grader_status(entry.item, content_dir, readings) for entry in catalog.rubrics.values()], None

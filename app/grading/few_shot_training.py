"""`python -m app train --rubric ID [--examples FILE …]` for a program's own rubric: few-shot, measured.

Trains on the rubric's examples files plus any given files (for instance supervisors' labels
exported from the app), measures every dimension by grouped cross-validation, and saves the model
with its accuracy beside the rubric, where the grader and the staff page find them.
"""

import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from app.content.loader import load_model
from app.content.rubrics import Rubric
from app.grading.accuracy import DimensionAccuracy
from app.grading.examples import load_labelled
from app.grading.few_shot import MIN_EXAMPLES, FewShotParams, NotEnoughExamples, build_data, cross_validate, fit_grader

TRAINER = "few-shot"


class FewShotReport(BaseModel):
    rubric_id: str
    examples: int
    skipped_lines: int
    transfer_from: list[str]
    dimensions: list[DimensionAccuracy]
    model_dir: str
    seconds: float

    def __str__(self) -> str:
        lines = [
            f"rubric {self.rubric_id}: {self.examples} labelled replies ({self.skipped_lines} lines skipped),"
            f" few-shot grader, transfer from {', '.join(self.transfer_from) or 'nothing'}",
            "cross-validated, folds grouped by the peer's turn:",
            f"  {'dimension':<14}{'n':>5}{'2+':>5}{'accuracy':>10}{'within 1':>10}{'flag agr.':>11}{'majority':>10}",
        ]
        for d in self.dimensions:
            agreement = "n/a" if d.flag_agreement is None else f"{d.flag_agreement:.2f}"
            lines.append(
                f"  {d.key:<14}{d.examples:>5}{d.clear:>5}{d.accuracy:>10.2f}{d.within_one:>10.2f}"
                f"{agreement:>11}{d.majority:>10.2f}"
            )
        lines.append(f"model: {self.model_dir} ({self.seconds:.0f} s)")
        return "\n".join(lines)


def rubric_file(content_dir: Path, rubric_id: str) -> Path:
    return content_dir / "rubrics" / f"{rubric_id}.yaml"


def train_few_shot(
    *, content_dir: Path, rubric_id: str, extra: Sequence[Path] = (), params: FewShotParams | None = None
) -> FewShotReport:
    """Train, measure and save the few-shot grader of `rubrics/<rubric_id>.yaml`."""
    started = time.perf_counter()
    params = params or FewShotParams()
    rubric = load_model(rubric_file(content_dir, rubric_id), Rubric)
    cases, skipped = load_labelled(content_dir, rubric, extra)
    data = build_data(content_dir, rubric, cases, params)
    if len(data.measured_rows()) < MIN_EXAMPLES:
        raise NotEnoughExamples(
            f"rubric {rubric_id} has {len(data.measured_rows())} labelled replies ({skipped} lines skipped);"
            f" at least {MIN_EXAMPLES} are needed to train and measure a grader. Until then it grades with its"
            " indicator phrases and exemplars. Add replies in the format of docs/labelling-guide.md to"
            f" rubrics/{rubric_id}/examples/*.jsonl or pass --examples FILE."
        )
    accuracy = cross_validate(data, params)
    info = {
        "trainer": TRAINER,
        "params": params.as_dict(),
        "examples": len(data.measured_rows()),
        "transfer_from": data.priors.names,
        "cross_validation": [a.model_dump() for a in accuracy],
    }
    model = fit_grader(data, range(len(data.cases)), params, info)
    folder = content_dir / "rubrics" / rubric_id / "model"
    model.save(folder)
    return FewShotReport(
        rubric_id=rubric_id,
        examples=len(data.measured_rows()),
        skipped_lines=skipped,
        transfer_from=data.priors.names,
        dimensions=accuracy,
        model_dir=str(folder),
        seconds=round(time.perf_counter() - started, 1),
    )

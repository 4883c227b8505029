"""Dilution examples: a labelled reply with one sentence of a risk-free reply added before or after it.

Labelled on the risk dimensions only, with the original reply's levels: a warm or neutral sentence
does not undo a push, and does not add one. This teaches the classifier that one pushy sentence
inside a longer, warmer reply is still a push (and keeps injected filler from washing it out).
"""

import random
from dataclasses import dataclass

from app.content.rubrics import Rubric
from app.grading.cues import split_sentences
from app.grading.examples import LabelledCase
from app.grading.features import ReplyCase


@dataclass(frozen=True)
class DilutedCase:
    base: int  # index of the labelled case it was made from
    filler: int  # index of the risk-free case the added sentence came from
    labelled: LabelledCase


def dilute(rubric: Rubric, cases: list[LabelledCase], *, seed: int) -> list[DilutedCase]:
    """One diluted copy of every case labelled on a risk dimension (none without risk-free replies)."""
    risks = [d.key for d in rubric.dimensions if d.kind == "risk"]
    clean = [j for j, c in enumerate(cases) if risks and all(c.labels.get(k, 1) == 0 for k in risks)]
    rng = random.Random(seed)
    diluted = []
    for i, item in enumerate(cases):
        labels = {k: item.labels[k] for k in risks if k in item.labels}
        peer = item.case.last_text("peer")
        fillers = [j for j in rng.sample(clean, min(len(clean), 8)) if cases[j].case.last_text("peer") != peer]
        if not labels or not fillers:
            continue
        sentence = rng.choice(split_sentences(cases[fillers[0]].case.reply))
        reply = item.case.reply.strip()
        text = f"{reply} {sentence}" if rng.random() < 0.5 else f"{sentence} {reply}"
        case = ReplyCase(context=item.case.context, reply=text)
        diluted.append(DilutedCase(i, fillers[0], LabelledCase(case, labels, f"diluted:{item.source}")))
    return diluted

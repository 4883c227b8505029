"""Coaching for a graded reply, composed from the rubric's own words.

Principles, reasons, anchors and tips all come from the rubric file; the connective wording lives
in `prompts/coaching/offline.jinja`. Python only chooses which tip fits the moment: the one with an
example ("when") closest in meaning to the flagged sentence (a risk) or to what the peer said (a skill). The
better reply is chosen for the peer's moment by `better_reply.BetterReplies` and passed in.
"""

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from app.config import PROJECT_ROOT
from app.content.rubrics import CoachingTip, Dimension, Rubric
from app.grading.base import Coaching, CoachingPoint
from app.grading.context_cues import carries_crisis_script, declined, owns_a_misstep, peer_tests_boundary
from app.grading.embeddings import FloatArray, SentenceEncoder
from app.grading.scoring import ReplyAnalysis

TEMPLATE_NAME = "offline.jinja"
PEER_WORDS = 25


def template_path(content_dir: Path | None = None) -> Path:
    """The coaching template of a content folder, or the one shipped with the app."""
    for root in ([content_dir] if content_dir else []) + [PROJECT_ROOT]:
        path = root / "prompts" / "coaching" / TEMPLATE_NAME
        if path.is_file():
            return path
    raise FileNotFoundError(f"prompts/coaching/{TEMPLATE_NAME} not found")


def _text(value: object) -> str:
    return " ".join(str(value).split())


def peer_words(text: str, limit: int = PEER_WORDS) -> str:
    words = text.split()
    return " ".join(words[:limit]) + ("…" if len(words) > limit else "")


class CoachComposer:
    def __init__(self, rubric: Rubric, encoder: SentenceEncoder, template: Path) -> None:
        self.rubric = rubric
        self.encoder = encoder
        env = jinja2.Environment(  # plain text: escaped where it is shown
            loader=jinja2.FileSystemLoader(template.parent),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
        )
        self.macros: Any = env.get_template(template.name).module
        self._vectors: dict[str, FloatArray] = {}
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str]) -> FloatArray:
        """Embeddings of rubric texts (exemplars, tips), encoded once and kept."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
            if missing:
                self._vectors.update(zip(missing, self.encoder.encode(missing), strict=True))
            return np.stack([self._vectors[t] for t in texts])

    def warm(self) -> None:
        """Encode the rubric's tips now rather than on the first reply."""
        self.vectors([text for d in self.rubric.dimensions for tip in d.coaching_tips for text in tip.matched_on])

    def needs_work(self, analysis: ReplyAnalysis) -> list[str]:
        """The dimensions a coaching point will be about: flagged risks, else skills below 2."""
        risks = [d.key for d in self.rubric.dimensions if d.kind == "risk" and analysis.scores[d.key] >= 2]
        skills = [d.key for d in self.rubric.dimensions if d.kind == "skill" and analysis.scores[d.key] < 2]
        return risks or skills

    def compose(
        self, analysis: ReplyAnalysis, better: str = "", *, crisis: bool = False, after_a_misstep: bool = False
    ) -> Coaching:
        """Coaching for a graded reply; `better` is the better reply chosen for its moment (see better_reply.py).
        Outside a `crisis` moment no tip with a crisis script is offered; `after_a_misstep` (the peer's line
        reacts to how the last reply landed), owning it is credited."""
        risks = [d for d in self.rubric.dimensions if d.kind == "risk"]
        skills = [d for d in self.rubric.dimensions if d.kind == "skill"]
        flagged = [d for d in risks if analysis.scores[d.key] >= 2]
        points = [self._risk_point(d, analysis, better, crisis) for d in flagged]
        low_skills = [d for d in skills if analysis.scores[d.key] < 2]
        if not flagged:
            points += [self._skill_point(d, analysis, better, crisis) for d in low_skills]
        worked = self._worked(analysis, risks, skills, after_a_misstep)
        if flagged:
            strong = any(analysis.scores[d.key] >= 2 for d in skills)
            strength = self.macros.strength_reflection() if strong else ""
            summary = self.macros.summary_flagged([d.name.lower() for d in flagged], _text(strength))
        else:
            summary = self.macros.summary_clear([d.name.lower() for d in low_skills])
        return Coaching(worked=worked, points=points, summary=_text(summary))

    def _worked(
        self, analysis: ReplyAnalysis, risks: list[Dimension], skills: list[Dimension], after_a_misstep: bool
    ) -> list[str]:
        worked: list[str] = []
        owning = after_a_misstep and _clean(analysis.scores, risks)
        credited = next((s for s in analysis.sentences if owns_a_misstep(s)), None) if owning else None
        if credited:
            worked.append(self.macros.worked_owned_misstep(credited))
        for dim in skills:
            level, evidence = analysis.scores[dim.key], analysis.evidence.get(dim.key, [])
            quoted = [*evidence, analysis.sentences[analysis.top_sentence(dim.key)]]
            sentence = next((s for s in quoted if s != credited), None)  # the apology is credited once
            if sentence is None:
                continue
            if level >= 2:
                worked.append(self.macros.worked_skill(dim.name, sentence))
            elif level == 1:
                worked.append(self.macros.worked_some_skill(dim.name, sentence))
        if _clean(analysis.scores, risks) and peer_tests_boundary(analysis.encoded.case.last_text("peer")):
            no = next((s for s in analysis.sentences if declined(s)), None)
            if no:
                worked.append(self.macros.worked_held_boundary(no))
        if any("?" in s and _clean(score.levels, risks) for s, score in _pairs(analysis)):
            worked.append(self.macros.worked_question())
        avoided = [d.name.lower() for d in risks if analysis.scores[d.key] == 0]
        if avoided:
            worked.append(self.macros.worked_avoided(avoided))
        return [_text(w) for w in worked] or [_text(self.macros.worked_fallback())]

    def _risk_point(self, dim: Dimension, analysis: ReplyAnalysis, better: str, crisis: bool) -> CoachingPoint:
        level, evidence = analysis.scores[dim.key], analysis.evidence.get(dim.key, [])
        focus = analysis.sentences[analysis.top_sentence(dim.key)]
        tip = self._closest(_tips(dim, crisis), analysis.encoded.sentence_vecs[analysis.top_sentence(dim.key)])
        change = self.macros.what_to_change(dim.name, level, evidence or [focus], dim.anchors[level], tip)
        return CoachingPoint(
            dimension=dim.key, name=dim.name, level=level, evidence=evidence or [focus],
            what_to_change=_text(change), principle=dim.principle,
            why_now=self._why_now(dim, analysis), better_reply=better or tip,
        )

    def _skill_point(self, dim: Dimension, analysis: ReplyAnalysis, better: str, crisis: bool) -> CoachingPoint:
        level = analysis.scores[dim.key]
        encoded = analysis.encoded  # what to add depends on what the peer said
        tip = self._closest(_tips(dim, crisis), encoded.reply_vec if encoded.peer_vec is None else encoded.peer_vec)
        return CoachingPoint(
            dimension=dim.key, name=dim.name, level=level,
            evidence=analysis.evidence.get(dim.key, []),
            what_to_change=_text(self.macros.what_to_add(dim.name, level, dim.anchors[level], tip)),
            principle=dim.principle, why_now=self._why_now(dim, analysis),
            better_reply=better or tip,
        )

    def _why_now(self, dim: Dimension, analysis: ReplyAnalysis) -> str:
        words = peer_words(analysis.encoded.case.last_text("peer"))
        return _text(self.macros.why_now(dim.why_it_matters, words))

    def _closest(self, tips: list[CoachingTip], vec: FloatArray) -> str:
        """The words of the tip with the example closest in meaning to `vec`."""
        if len(tips) == 1:
            return tips[0].say
        return max(tips, key=lambda tip: float(np.max(self.vectors(tip.matched_on) @ vec))).say


def _tips(dim: Dimension, crisis: bool) -> list[CoachingTip]:
    """The dimension's tips that fit the moment: one with a crisis script only in a crisis."""
    return [t for t in dim.coaching_tips if crisis or not carries_crisis_script(t.say)] or dim.coaching_tips


def _pairs(analysis: ReplyAnalysis) -> list[tuple[str, Any]]:
    return list(zip(analysis.sentences, analysis.sentence_scores, strict=True))


def _clean(levels: dict[str, int], risks: list[Dimension]) -> bool:
    return all(levels[d.key] < 2 for d in risks)

"""Coaching for a graded reply, composed from the rubric's own words.

Principles, reasons, anchors, tips and exemplars all come from the rubric file; the connective
wording lives in `prompts/coaching/offline.jinja`. Python only chooses: which tip fits the flagged
words, which exemplar fits this peer's moment, and which of the trainee's sentences to keep.
"""

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from app.config import PROJECT_ROOT
from app.content.rubrics import Dimension, Exemplar, Rubric
from app.grading.bank import CoachingBank
from app.grading.base import Coaching, CoachingPoint
from app.grading.cues import REFLECTION, split_sentences, words
from app.grading.embeddings import FloatArray, SentenceEncoder
from app.grading.features import EncodedCase
from app.grading.scoring import ReplyAnalysis

TEMPLATE_NAME = "offline.jinja"
PEER_WORDS = 25
KEEP_AT_MOST = 2
REPEAT_OVERLAP = 0.6  # share of words two sentences have in common to count as saying the same
ANSWER_WEIGHT = 0.5  # model replies are chosen mostly by the peer's words (see CoachComposer._fit)
TOPIC_WEIGHT = 0.25
FIT_BONUS = 0.1


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
    def __init__(
        self, rubric: Rubric, encoder: SentenceEncoder, template: Path, bank: CoachingBank | None = None
    ) -> None:
        self.rubric = rubric
        self.bank = bank
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
        """Encode the rubric's exemplars and tips now rather than on the first reply."""
        texts = [t for d in self.rubric.dimensions for ex in d.exemplars for t in (ex.peer, ex.reply)]
        self.vectors(texts + [tip for d in self.rubric.dimensions for tip in d.coaching_tips])

    def compose(self, analysis: ReplyAnalysis) -> Coaching:
        risks = [d for d in self.rubric.dimensions if d.kind == "risk"]
        skills = [d for d in self.rubric.dimensions if d.kind == "skill"]
        flagged = [d for d in risks if analysis.scores[d.key] >= 2]
        used: set[str] = set()  # each flagged dimension gets its own model reply
        points = [self._risk_point(d, analysis, used) for d in flagged]
        low_skills = [d for d in skills if analysis.scores[d.key] < 2]
        if not flagged:
            points += [self._skill_point(d, analysis) for d in low_skills]
        worked = self._worked(analysis, risks, skills)
        if flagged:
            strong = any(analysis.scores[d.key] >= 2 for d in skills)
            strength = self.macros.strength_reflection() if strong else ""
            summary = self.macros.summary_flagged([d.name.lower() for d in flagged], _text(strength))
        else:
            summary = self.macros.summary_clear([d.name.lower() for d in low_skills])
        return Coaching(worked=worked, points=points, summary=_text(summary))

    def _worked(self, analysis: ReplyAnalysis, risks: list[Dimension], skills: list[Dimension]) -> list[str]:
        worked: list[str] = []
        for dim in skills:
            level, evidence = analysis.scores[dim.key], analysis.evidence.get(dim.key, [])
            sentence = evidence[0] if evidence else analysis.sentences[analysis.top_sentence(dim.key)]
            if level >= 2:
                worked.append(self.macros.worked_skill(dim.name, sentence))
            elif level == 1:
                worked.append(self.macros.worked_some_skill(dim.name, sentence))
        if any("?" in s and _clean(score.levels, risks) for s, score in _pairs(analysis)):
            worked.append(self.macros.worked_question())
        avoided = [d.name.lower() for d in risks if analysis.scores[d.key] == 0]
        if avoided:
            worked.append(self.macros.worked_avoided(avoided))
        return [_text(w) for w in worked] or [_text(self.macros.worked_fallback())]

    def _risk_point(self, dim: Dimension, analysis: ReplyAnalysis, used: set[str]) -> CoachingPoint:
        level, evidence = analysis.scores[dim.key], analysis.evidence.get(dim.key, [])
        focus = analysis.sentences[analysis.top_sentence(dim.key)]
        tip = self._closest(dim.coaching_tips, analysis.encoded.sentence_vecs[analysis.top_sentence(dim.key)])
        change = self.macros.what_to_change(dim.name, level, evidence or [focus], dim.anchors[level], tip)
        return CoachingPoint(
            dimension=dim.key, name=dim.name, level=level, evidence=evidence or [focus],
            what_to_change=_text(change), principle=dim.principle,
            why_now=self._why_now(dim, analysis), better_reply=self._better_reply(dim, analysis, used),
        )

    def _skill_point(self, dim: Dimension, analysis: ReplyAnalysis) -> CoachingPoint:
        level = analysis.scores[dim.key]
        tip = self._closest(dim.coaching_tips, analysis.encoded.reply_vec)
        top = max((ex.level for ex in dim.exemplars), default=0)
        model = self._model_reply(dim, analysis, [ex for ex in dim.exemplars if ex.level >= max(2, top - 1)])
        better = model
        if level >= 1 and model:  # keep the trainee's reply, opened with a reflection
            sentences = split_sentences(model)
            reflection = next((x for x in sentences if REFLECTION.search(x) and "?" not in x), sentences[0])
            reflection = _opening(reflection)
            better = analysis.encoded.case.reply.strip()
            if not self._repeats(reflection, analysis.sentences):
                better = f"{reflection} {better}"
        return CoachingPoint(
            dimension=dim.key, name=dim.name, level=level,
            evidence=analysis.evidence.get(dim.key, []),
            what_to_change=_text(self.macros.what_to_add(dim.name, level, dim.anchors[level], tip)),
            principle=dim.principle, why_now=self._why_now(dim, analysis),
            better_reply=better or analysis.encoded.case.reply.strip(),
        )

    def _why_now(self, dim: Dimension, analysis: ReplyAnalysis) -> str:
        words = peer_words(analysis.encoded.case.last_text("peer"))
        return _text(self.macros.why_now(dim.why_it_matters, words))

    def _better_reply(self, dim: Dimension, analysis: ReplyAnalysis, used: set[str]) -> str:
        """A model reply that fits this moment, after the trainee's own good sentences."""
        risks = [d for d in self.rubric.dimensions if d.kind == "risk"]
        skills = [d for d in self.rubric.dimensions if d.kind == "skill"]
        kept = [
            i for i, score in enumerate(analysis.sentence_scores)
            if _clean(score.levels, risks) and not any(score.hits.get(d.key) for d in risks)
            and any(score.levels[d.key] >= 1 for d in skills)
        ][:KEEP_AT_MOST] if len(analysis.sentences) > 1 else []
        kept_text = [analysis.sentences[i] for i in kept]
        model = self._model_reply(dim, analysis, [ex for ex in dim.exemplars if ex.level == 0], used)
        used.add(model)
        if not model:
            return " ".join([*kept_text, self._closest(dim.coaching_tips, analysis.encoded.reply_vec)])
        chosen = split_sentences(model)
        if kept:  # the trainee already reflected: add the model's open question or offer
            moves = [s for s in chosen if "?" in s and not self._repeats(s, kept_text)]
            chosen = moves or [s for s in chosen if not REFLECTION.search(s)][-1:] or chosen[-1:]
        return " ".join([*kept_text, *chosen])

    def _model_reply(
        self, dim: Dimension, analysis: ReplyAnalysis, exemplars: list[Exemplar], used: set[str] | None = None
    ) -> str:
        """The rubric exemplar or banked reply that best fits this peer's words and the trainee's topic.

        Exemplars written for this dimension, and banked replies that corrected this very flaw
        for the same peer turn, get a small head start."""
        enc = analysis.encoded
        texts: list[str] = []
        scores: list[FloatArray] = []
        if exemplars:
            texts += [ex.reply for ex in exemplars]
            peers = self.vectors([ex.peer for ex in exemplars])
            scores.append(self._fit(enc, peers, self.vectors([ex.reply for ex in exemplars])) + FIT_BONUS)
        if self.bank is not None and self.bank.replies:
            texts += self.bank.replies
            fit = self._fit(enc, self.bank.peer_vecs, self.bank.reply_vecs)
            scores.append(fit + FIT_BONUS * self.bank.tagged(dim.key))
        if not texts:
            return ""
        ranked = np.argsort(-np.concatenate(scores), kind="stable")
        return next((texts[i] for i in ranked if texts[i] not in (used or set())), texts[int(ranked[0])])

    @staticmethod
    def _fit(enc: EncodedCase, peers: FloatArray, replies: FloatArray) -> FloatArray:
        """How well model replies fit this moment: their peer turn against this one, what they
        say against what this peer said, and (a little) against the trainee's topic."""
        fit: FloatArray = TOPIC_WEIGHT * (replies @ enc.reply_vec)
        if enc.peer_vec is not None:
            fit = fit + peers @ enc.peer_vec + ANSWER_WEIGHT * (replies @ enc.peer_vec)
        return fit

    def _closest(self, texts: list[str], vec: FloatArray) -> str:
        if len(texts) == 1:
            return texts[0]
        return texts[int(np.argmax(self.vectors(texts) @ vec))]

    def _repeats(self, sentence: str, others: list[str]) -> bool:
        """Whether a model sentence says much what one of the trainee's sentences already says."""
        mine = set(words(sentence))
        return any(
            len(mine & (theirs := set(words(other)))) >= REPEAT_OVERLAP * min(len(mine), len(theirs))
            for other in others
            if mine and words(other)
        )


def _opening(sentence: str) -> str:
    """A sentence made fit to open a reply: no leading "And", "But" or "So"."""
    head, _, rest = sentence.partition(" ")
    if head.lower().strip(",") in {"and", "but", "so"} and rest:
        return rest[:1].upper() + rest[1:]
    return sentence


def _pairs(analysis: ReplyAnalysis) -> list[tuple[str, Any]]:
    return list(zip(analysis.sentences, analysis.sentence_scores, strict=True))


def _clean(levels: dict[str, int], risks: list[Dimension]) -> bool:
    return all(levels[d.key] < 2 for d in risks)

"""The offline grader: embeddings + trained numpy classifier + rubric indicators, in milliseconds.

Without a trained model for the rubric it falls back to indicator phrases and the nearest
exemplars, and says so: its grades carry the grader name "offline-indicators".
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from app.content.rubrics import Rubric
from app.grading.base import Grade
from app.grading.better_reply import BetterReplies, Scores, load_wording
from app.grading.classifier import WEIGHTS_FILE, GraderModel, model_exists
from app.grading.coaching import CoachComposer, template_path
from app.grading.cues import IndicatorHit
from app.grading.embeddings import get_encoder
from app.grading.features import EncodedCase, ReplyCase, encode_cases
from app.grading.moment import CoachingMoment
from app.grading.normalise import plain
from app.grading.scoring import IndicatorScorer, ModelScorer, ReplyAnalysis, Scorer, UnitScore
from app.transcript import ContextTurn

log = logging.getLogger(__name__)

EVIDENCE_SENTENCES = 2

GradeItem = ReplyCase | tuple[Sequence[ContextTurn], str]


class OfflineGrader:
    """Grades replies on every dimension of one rubric, with evidence and coaching."""

    name: str

    def __init__(self, rubric: Rubric, model_dir: Path, *, content_dir: Path | None = None) -> None:
        self.rubric = rubric
        self._risks = [d.key for d in rubric.dimensions if d.kind == "risk"]
        self.encoder = get_encoder()
        model = _load_model(model_dir, rubric)
        self.scorer: Scorer = ModelScorer(rubric, model) if model else IndicatorScorer(rubric, self.encoder)
        self.name = self.scorer.name
        root = content_dir if content_dir is not None else model_dir.parent.parent.parent
        self.coach = CoachComposer(rubric, self.encoder, template_path(root))
        self.better = BetterReplies(rubric, load_wording(root), self.score_replies)

    def clear_caches(self) -> None:
        """Forget every text seen so far, for timing new texts (the rubric's own texts stay; the encoder
        and plain() are shared by every grader in the process)."""
        self.encoder.clear_cache()
        self.scorer.matcher.clear_cache()
        plain.cache_clear()

    async def grade(
        self, *, context: Sequence[ContextTurn], reply: str, moment: CoachingMoment | None = None
    ) -> Grade:
        return await asyncio.to_thread(self.grade_now, context=context, reply=reply, moment=moment)

    def grade_now(
        self, *, context: Sequence[ContextTurn], reply: str, moment: CoachingMoment | None = None
    ) -> Grade:
        return self.grade_many([ReplyCase(context=list(context), reply=reply)], [moment])[0]

    def grade_many(
        self, items: Sequence[GradeItem], moments: Sequence[CoachingMoment | None] | None = None
    ) -> list[Grade]:
        """Grade several replies, their levels in one pass of the scorer; results in input order.

        Each reply's better reply is written for its moment (taken from its context when not given)."""
        cases = [_as_case(item) for item in items]
        analyses = self.analyse(cases)
        given = moments if moments is not None else [None] * len(cases)
        chosen = [m or CoachingMoment.from_context(case.context) for case, m in zip(cases, given, strict=True)]
        weakest = [self.coach.needs_work(analysis) for analysis in analyses]
        grades = []
        for case, analysis, moment, weak in zip(cases, analyses, chosen, weakest, strict=True):
            better = self.better.choose(moment, case.context, weak) if weak else ""
            grades.append(
                Grade(
                    scores=dict(analysis.scores),
                    evidence=analysis.evidence,
                    coaching=self.coach.compose(
                        analysis, better, crisis=moment.crisis, after_a_misstep=moment.reaction is not None
                    ),
                    grader=self.name,
                )
            )
        return grades

    def score_replies(self, context: Sequence[ContextTurn], replies: Sequence[str]) -> list[Scores]:
        """Levels of some replies to the same moment, without coaching or evidence. A sentence is
        scored on its own only when it is a plain risk: the one way a sentence moves the levels."""
        encoded = encode_cases([ReplyCase(context=list(context), reply=r) for r in replies], self.encoder)
        scored = self._score_units(encoded, self._plain_risk_sentences)
        return [dict(self._with_plain_pushes(whole, sentences).levels) for whole, sentences in scored]

    def analyse(self, cases: Sequence[ReplyCase]) -> list[ReplyAnalysis]:
        """Scores for each whole reply and each of its sentences, plus evidence."""
        encoded = encode_cases(cases, self.encoder)
        analyses = []
        for enc, (whole, sentences) in zip(encoded, self._score_units(encoded, _every_sentence), strict=True):
            per_sentence = sentences or [whole]
            analysis = ReplyAnalysis(enc, self._with_plain_pushes(whole, per_sentence), per_sentence, {})
            analysis.evidence = self._evidence(analysis)
            analyses.append(analysis)
        return analyses

    def _score_units(
        self, encoded: Sequence[EncodedCase], chosen: Callable[[EncodedCase], Iterable[int]]
    ) -> list[tuple[UnitScore, list[UnitScore]]]:
        """Each reply's score, and the scores of its chosen sentences (none for a one-sentence reply),
        in one pass of the scorer."""
        units: list[EncodedCase] = []
        spans: list[tuple[int, int]] = []
        for enc in encoded:
            start = len(units)
            units.append(enc)
            if len(enc.sentences) > 1:
                units.extend(enc.sentence_case(i) for i in chosen(enc))
            spans.append((start, len(units)))
        scores = self.scorer.score(units)
        return [(scores[start], scores[start + 1 : end]) for start, end in spans]

    def _plain_risk_sentences(self, encoded: EncodedCase) -> list[int]:
        """The sentences with a risk indicator phrase of level 2 or more (see _with_plain_pushes)."""
        return [
            i for i, sentence in enumerate(encoded.sentences)
            if _plain_risk(self.scorer.matcher.hits(sentence), self._risks)
        ]

    def _with_plain_pushes(self, whole: UnitScore, sentences: Sequence[UnitScore]) -> UnitScore:
        """The whole reply's levels, raised to those of any sentence that is a plain risk on its own
        (an indicator phrase of level 2 or more, and graded so): a long warm reply does not hide it."""
        levels = dict(whole.levels)
        for key in self._risks:
            pushes = [s.levels[key] for s in sentences if _plain_risk(s.hits, [key])]
            levels[key] = max([levels[key], *pushes])
        return UnitScore(levels=levels, strength=whole.strength, hits=whole.hits)

    def _evidence(self, analysis: ReplyAnalysis) -> dict[str, list[str]]:
        """The trainee's words behind each dimension that is present (level 1 or more)."""
        evidence: dict[str, list[str]] = {}
        for dim in self.rubric.dimensions:
            if analysis.scores[dim.key] < 1:
                continue
            top = analysis.sentences[analysis.top_sentence(dim.key)]
            if dim.kind == "skill":
                shown = [s for s, score in zip(analysis.sentences, analysis.sentence_scores, strict=True)
                         if score.levels[dim.key] >= 1 and not any(score.hits.get(k) for k in self._risks)]
                evidence[dim.key] = shown[:EVIDENCE_SENTENCES] or [top]
                continue
            words = _hit_words(analysis.whole, dim.key)
            if not any(w.lower() in top.lower() for w in words):
                words.append(top)
            evidence[dim.key] = words
        return evidence


def _every_sentence(encoded: EncodedCase) -> range:
    return range(len(encoded.sentences))


def _plain_risk(hits: dict[str, list[IndicatorHit]], keys: Iterable[str]) -> bool:
    return any(max((h.level for h in hits.get(key, [])), default=0) >= 2 for key in keys)


def _hit_words(score: UnitScore, key: str) -> list[str]:
    return list(dict.fromkeys(h.text for h in sorted(score.hits.get(key, []), key=lambda h: h.start)))


def _as_case(item: GradeItem) -> ReplyCase:
    if isinstance(item, ReplyCase):
        return item
    context, reply = item
    return ReplyCase(context=list(context), reply=reply)


def _load_model(model_dir: Path, rubric: Rubric) -> GraderModel | None:
    if not model_exists(model_dir):
        log.warning("no trained grader model in %s: using indicators and exemplars", model_dir)
        return None
    model = GraderModel.load(model_dir)
    if model.rubric_id != rubric.id or model.keys != rubric.keys:
        log.warning("grader model in %s does not match rubric %s: retrain it", model_dir, rubric.id)
        return None
    return model


_graders: dict[tuple[str, str, str], OfflineGrader] = {}
_graders_lock = threading.Lock()


def load_offline_grader(*, content_dir: Path, rubric: Rubric, version: str) -> OfflineGrader:
    """The offline grader for a rubric version (and trained model), built once per process."""
    model_dir = content_dir / "rubrics" / rubric.id / "model"
    weights = model_dir / WEIGHTS_FILE
    stamp = str(weights.stat().st_mtime_ns) if weights.is_file() else "untrained"
    key = (str(content_dir), rubric.id, f"{version}:{stamp}")
    with _graders_lock:
        grader = _graders.get(key)
        if grader is None:
            for old in [k for k in _graders if k[:2] == key[:2]]:
                del _graders[old]  # an earlier version of this rubric or its model
            grader = OfflineGrader(rubric, model_dir, content_dir=content_dir)
            # not a daemon: the interpreter must not shut down while the thread is inside onnxruntime
            threading.Thread(target=grader.coach.warm, name="coaching-warm-up").start()
            _graders[key] = grader
        return grader

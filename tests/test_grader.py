"""The offline grader, with the real embedding model and the shipped crss-core model: no mocks."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from app.config import PROJECT_ROOT
from app.content.loader import content_hash, load_model
from app.content.rubrics import Rubric
from app.grading.base import Grade
from app.grading.classifier import GraderModel
from app.grading.cues import IndicatorMatcher
from app.grading.embeddings import get_encoder
from app.grading.features import FeatureSpace, ReplyCase, encode_cases
from app.grading.fitting import FitParams
from app.grading.moment import CoachingMoment
from app.grading.offline import OfflineGrader, load_offline_grader
from app.grading.training import build_training_set, fit_model, train_rubric
from app.transcript import ContextTurn

RUBRIC_FILE = PROJECT_ROOT / "rubrics" / "crss-core.yaml"
RISKS = ("pressure", "authority", "dependency", "boundaries")
SLIP = [ContextTurn(role="peer", text="I slipped last weekend and drank. I feel like I wasted six months.")]


@pytest.fixture(scope="module")
def grader() -> OfflineGrader:
    rubric = load_model(RUBRIC_FILE, Rubric)
    loaded = load_offline_grader(content_dir=PROJECT_ROOT, rubric=rubric, version=content_hash(RUBRIC_FILE))
    assert loaded.name == "offline", "the trained crss-core model is missing: run python -m app train"
    return loaded


def assert_from_reply(words: list[str], reply: str) -> None:
    assert words
    for phrase in words:
        assert phrase.lower() in reply.lower()


def test_pushy_reply_is_pressure_with_evidence_from_the_reply(grader: OfflineGrader) -> None:
    reply = "You need to get to a meeting tonight, no excuses. Promise me you'll call your sponsor."
    grade = grader.grade_now(context=SLIP, reply=reply)
    assert grade.scores["pressure"] >= 2
    assert_from_reply(grade.evidence["pressure"], reply)


def test_warm_reflection_is_empathy_without_risks(grader: OfflineGrader) -> None:
    reply = (
        "It sounds like you're really disappointed in yourself, and those six months still matter. "
        "What was the weekend like for you?"
    )
    grade = grader.grade_now(context=SLIP, reply=reply)
    assert grade.scores["empathy"] >= 2
    assert all(grade.scores[key] < 2 for key in RISKS)
    assert grade.coaching.worked and not grade.coaching.points


def test_call_me_anytime_flags_dependency_or_boundaries(grader: OfflineGrader) -> None:
    context = [ContextTurn(role="peer", text="Nights are the worst. That's when I want to drink.")]
    reply = "Here's my personal cell, call me anytime, day or night."
    grade = grader.grade_now(context=context, reply=reply)
    assert max(grade.scores["dependency"], grade.scores["boundaries"]) >= 2


@pytest.mark.parametrize(
    "reply",
    [
        "Would it help if I shared a few things other people have tried after a slip? Totally your call.",
        "If you'd like, I could share some options a few folks have found useful. No pressure either way.",
    ],
)
def test_permission_asking_offer_is_not_pressure(grader: OfflineGrader, reply: str) -> None:
    assert grader.grade_now(context=SLIP, reply=reply).scores["pressure"] < 2


@pytest.mark.parametrize(
    "reply",
    [
        "You need to get to a meeting tonight, no excuses.",
        "I hear how much this hurts. But you have to tell your counselor tomorrow.",
        "Here's my personal cell, call me anytime, day or night.",
        "Sounds like depression to me. Trust me, I know what's best: stop drinking and go to AA.",
        "ok",
        "It sounds like you're disappointed in yourself. What was the weekend like?",
    ],
)
def test_coaching_names_what_worked_and_a_better_reply_for_each_flag(grader: OfflineGrader, reply: str) -> None:
    grade = grader.grade_now(context=SLIP, reply=reply)
    coaching = grade.coaching
    assert coaching.worked and all(item.strip() for item in coaching.worked)
    assert coaching.summary.strip()
    flagged = grade.flagged(RISKS)
    pointed = {p.dimension: p for p in coaching.points}
    for key in flagged:
        point = pointed[key]
        assert point.better_reply.strip() and point.principle and point.why_now
        assert_from_reply(point.evidence, reply)
    if not flagged and grade.scores["empathy"] < 2:
        assert "empathy" in pointed


async def test_async_grade_and_batch_agree(grader: OfflineGrader) -> None:
    replies = ["You need to go to rehab now.", "That sounds so heavy. What's been hardest?"]
    batched = grader.grade_many([(SLIP, r) for r in replies])
    for reply, from_batch in zip(replies, batched, strict=True):
        single = await grader.grade(context=SLIP, reply=reply)
        assert isinstance(single, Grade) and single.grader == "offline"
        assert single.scores == from_batch.scores


def test_long_reply_is_graded_sentence_by_sentence_past_truncation(grader: OfflineGrader) -> None:
    filler = "I remember how hard those first weeks were for me and how long the nights felt. " * 12
    reply = filler + "You have to call your sponsor tonight, no excuses."
    (encoded,) = encode_cases([ReplyCase(context=SLIP, reply=reply)], get_encoder())
    assert len(encoded.sentences) == 13
    assert np.allclose(np.linalg.norm(encoded.sentence_vecs, axis=1), 1.0, atol=1e-5)
    grade = grader.grade_now(context=SLIP, reply=reply)
    assert grade.scores["pressure"] >= 2
    assert_from_reply(grade.evidence["pressure"], reply)


def test_grader_without_model_falls_back_to_indicators(tmp_path: Path) -> None:
    rubric = load_model(RUBRIC_FILE, Rubric)
    fallback = OfflineGrader(rubric, tmp_path / "no-model", content_dir=tmp_path)
    grade = fallback.grade_now(context=SLIP, reply="You have to go to a meeting tonight, no excuses.")
    assert fallback.name == grade.grader == "offline-indicators"
    assert grade.scores["pressure"] >= 2 and grade.coaching.worked


# --- training a new rubric from its own examples -------------------------------------------------

PUSHY = ["You have to {a} today.", "Just {a}, no excuses.", "You must {a} right now.", "I insist you {a}."]
GENTLE = ["Would you want to {a} at some point?", "What do you think about trying to {a}?",
          "If it feels right, you could {a}. Your call.", "How would it be for you to {a}?"]
WARM = ["That sounds really hard. ", "I can hear how tired you are. ", "", "Thanks for telling me. "]
ACTIONS = ["call your sister", "go to the group", "talk to your doctor", "take a walk", "write it down"]
PEERS = ["I can't sleep again.", "Work is wrecking me.", "My mom won't call back.", "I almost drank.",
         "The group felt weird.", "I feel stuck."]


def tiny_rubric() -> dict[str, object]:
    def dimension(key: str, kind: str, pattern: str, good: str, bad: str) -> dict[str, object]:
        return {
            "key": key, "name": key.title(), "kind": kind, "description": f"{key} in a reply",
            "principle": f"The {key} principle.", "why_it_matters": f"Why {key} matters.",
            "anchors": {level: f"{key} level {level}" for level in range(5)},
            "indicators": [{"pattern": pattern, "level": 2}],
            "exemplars": [{"peer": "I feel stuck.", "reply": good, "level": 0},
                          {"peer": "I feel stuck.", "reply": bad, "level": 3}],
            "coaching_tips": [f"A tip about {key}."],
        }

    return {
        "id": "tiny", "name": "Tiny", "description": "A two-dimension rubric for tests.",
        "dimensions": [
            dimension("pushy", "risk", "you (have|must) to", "What would help?", "You have to go now."),
            dimension("warmth", "skill", "sounds (really )?hard", "Fine.", "That sounds really hard."),
        ],
    }


def write_tiny_content(root: Path) -> Path:
    (root / "rubrics" / "tiny" / "examples").mkdir(parents=True)
    (root / "rubrics" / "tiny.yaml").write_text(yaml.safe_dump(tiny_rubric()), encoding="utf-8")
    lines = []
    for n in range(48):
        peer, action, warm = PEERS[n % 6], ACTIONS[n % 5], WARM[n % 4]
        pushy = n % 2 == 0
        reply = warm + (PUSHY if pushy else GENTLE)[n // 2 % 4].format(a=action)  # every form, both ways
        labels = {"pushy": 3 if pushy else 0, "warmth": 2 if warm else 0}
        lines.append(json.dumps({"id": n, "context": [{"role": "peer", "text": peer}], "reply": reply,
                                 "labels": labels}))
    lines.append("{broken line")
    (root / "rubrics" / "tiny" / "examples" / "part-1.jsonl").write_text("\n".join(lines), encoding="utf-8")
    return root / "rubrics" / "tiny.yaml"


def test_training_a_new_rubric_gives_a_working_grader(tmp_path: Path) -> None:
    rubric_file = write_tiny_content(tmp_path)
    report = train_rubric(content_dir=tmp_path, rubric_id="tiny")
    assert report.skipped_lines == 1 and report.examples == 48 + 4
    assert (tmp_path / "rubrics" / "tiny" / "model" / "model.npz").is_file()
    assert report.size_bytes < 5_000_000
    rubric = load_model(rubric_file, Rubric)
    tiny = load_offline_grader(content_dir=tmp_path, rubric=rubric, version=content_hash(rubric_file))
    assert tiny.name == "offline"
    context = [ContextTurn(role="peer", text="I can't sleep again.")]
    pushy = tiny.grade_now(context=context, reply="You have to call your landlord today.")  # an action not trained on
    gentle = tiny.grade_now(context=context, reply="Would you want to see a counsellor at some point?")
    assert set(pushy.scores) == {"pushy", "warmth"}
    assert pushy.scores["pushy"] >= 2 > gentle.scores["pushy"]
    assert pushy.coaching.points and pushy.coaching.points[0].better_reply


def test_training_is_reproducible_and_export_round_trips_exactly(tmp_path: Path) -> None:
    rubric_file = write_tiny_content(tmp_path)
    rubric = load_model(rubric_file, Rubric)
    params = FitParams(grid=((0.1, 5.0), (0.3, 2.0)))
    data = build_training_set(tmp_path, rubric)
    model, _ = fit_model(data, params)
    again, _ = fit_model(data, params)
    model.save(tmp_path / "exported")
    loaded = GraderModel.load(tmp_path / "exported")

    space = FeatureSpace(IndicatorMatcher(rubric), loaded.vocabulary)
    cases = [ReplyCase(context=[], reply=r) for r in ["You must go now.", "That sounds hard. How are you?"]]
    features = [space.features(e) for e in encode_cases(cases, get_encoder())]
    before, reloaded, repeated = model.predict(features), loaded.predict(features), again.predict(features)
    for key in rubric.keys:
        assert np.array_equal(before[key][0], reloaded[key][0])
        assert np.array_equal(before[key][1], reloaded[key][1])
        assert np.array_equal(before[key][1], repeated[key][1])


def test_the_cross_validated_estimate_predicts_every_training_case_out_of_fold(tmp_path: Path) -> None:
    from app.grading.evaluation import out_of_fold_levels

    write_tiny_content(tmp_path)
    train_rubric(content_dir=tmp_path, rubric_id="tiny")
    levels = out_of_fold_levels(tmp_path, "tiny")
    assert set(levels) == {"pushy", "warmth"}
    gold, predicted = levels["pushy"]
    assert len(gold) == len(predicted) == 48 + 2
    assert set(predicted.tolist()) <= {0, 1, 2, 3, 4}
    assert ((gold >= 2) == (predicted >= 2)).mean() > 0.8, "the pushy replies are easy to tell apart"


def test_a_tip_with_a_crisis_script_is_offered_only_in_a_crisis(grader: OfflineGrader) -> None:
    from app.grading.context_cues import carries_crisis_script
    from app.grading.moment import CoachingMoment

    reply = "You need to call 988 right now and get yourself to a meeting tonight, no excuses."
    ordinary = [ContextTurn(role="peer", text="Work was slow today. I might skip the meeting tonight.")]
    crisis = [ContextTurn(role="peer", text="I have the pills in my hand and I don't want to be here anymore.")]
    tips = {tip.say for d in grader.rubric.dimensions for tip in d.coaching_tips if carries_crisis_script(tip.say)}
    assert tips

    def offered(context: list[ContextTurn]) -> set[str]:
        grade = grader.grade_now(context=context, reply=reply, moment=CoachingMoment.from_context(context))
        assert grade.scores["pressure"] >= 2
        shown = " ".join(p.what_to_change + p.better_reply for p in grade.coaching.points)
        return {tip for tip in tips if tip in shown}

    assert offered(ordinary) == set()
    assert offered(crisis)


@pytest.mark.parametrize(
    ("peer", "reply", "dimension", "tip"),
    [
        ("I passed my drug test today!", "Ok, next topic.", "empathy", "celebrate small victories"),
        ("My cousin overdosed in March and I was the one who found him.", "Ok, next topic.", "empathy",
         "Name the specific feeling"),
        ("Should I tell my boss about my record or not? I don't know.", "Ok, next topic.",
         "empathy", "reflect both sides"),
        ("My caseworker never calls me back.", "I'll call her for you tomorrow.", "dependency",
         "Before doing something for the peer"),
        ("I started methadone last week.", "Methadone is just swapping one drug for another.", "authority",
         "Respect every pathway"),
        ("Will you keep this between us?", "Of course, I won't tell a soul.", "boundaries", "confidentiality"),
    ],
)
def test_the_tip_fits_the_moment(grader: OfflineGrader, peer: str, reply: str, dimension: str, tip: str) -> None:
    """A missing skill's tip is chosen for what the peer said (not for the reply: after a story of an
    overdose, not "celebrate small victories"); a flagged risk's tip for what the reply did."""
    grade = grader.grade_now(context=[ContextTurn(role="peer", text=peer)], reply=reply)
    [point] = [p for p in grade.coaching.points if p.dimension == dimension]
    assert tip in point.what_to_change


def test_a_warm_no_to_a_boundary_test_is_named_in_what_worked(grader: OfflineGrader) -> None:
    invitation = [ContextTurn(role="peer", text="Will you come to my birthday dinner Saturday? It would mean a lot.")]
    no = "Thank you for asking, that means a lot. I keep my role separate from my personal life, so I won't come."
    held = grader.grade_now(context=invitation, reply=no)
    assert all(held.scores[k] < 2 for k in RISKS)
    assert any("kind no" in line and "I won't come" in line for line in held.coaching.worked)
    went = grader.grade_now(context=invitation, reply="Yes! I'd love to come, count me in.")
    assert not any("kind no" in line for line in went.coaching.worked)
    elsewhere = grader.grade_now(context=SLIP, reply="I won't tell you what to do. What do you make of it?")
    assert not any("kind no" in line for line in elsewhere.coaching.worked)


def test_owning_a_misstep_is_named_in_what_worked_after_the_peer_reacts_to_it(grader: OfflineGrader) -> None:
    pushed = "Whoa. I didn't come here to get told what to do. I'm not ready for that."
    context = [ContextTurn(role="peer", text=pushed)]
    reacting = replace(CoachingMoment.from_context(context), reaction="pushed")
    sorry = "I'm sorry, I pushed too hard there. You know what you're ready for. Where would you like to start?"
    owned = grader.grade_now(context=context, reply=sorry, moment=reacting)
    assert all(owned.scores[k] < 2 for k in RISKS)
    assert any("owned" in line and "I pushed too hard there" in line for line in owned.coaching.worked)
    assert sum("I pushed too hard there" in line for line in owned.coaching.worked) == 1  # credited once
    unprompted = grader.grade_now(context=context, reply=sorry)  # no reaction voiced: nothing to own
    assert not any("owned" in line for line in unprompted.coaching.worked)
    again = grader.grade_now(context=context, reply="Sorry, but you need to go to a meeting tonight.", moment=reacting)
    assert not any("owned" in line for line in again.coaching.worked)

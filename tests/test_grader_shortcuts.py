"""The grader's shortcuts for speed give exactly what the long way gives (real encoder and model, no mocks)."""

import json
from collections.abc import Iterator

import numpy as np
import pytest

from app.config import PROJECT_ROOT
from app.content.loader import content_hash, load_model
from app.content.rubrics import Rubric
from app.grading.classifier import META_FILE
from app.grading.cues import IndicatorMatcher, _screen
from app.grading.embeddings import SentenceEncoder, encoder_fingerprint, get_encoder
from app.grading.features import ReplyCase
from app.grading.moment import CoachingMoment
from app.grading.offline import OfflineGrader, load_offline_grader
from app.transcript import ContextTurn

RUBRIC_FILE = PROJECT_ROOT / "rubrics" / "crss-core.yaml"
SLIP = [ContextTurn(role="peer", text="I slipped last weekend and drank. I feel like I wasted six months.")]
SHORT = "Okay."
LONG = (
    "It sounds like the weekend left you feeling you threw away six months of hard work, and that is a heavy "
    "thing to carry. Those months still happened, and what you learned in them is still yours. "
    "What was going on for you in the hours before you drank?"
)


@pytest.fixture(scope="module")
def grader() -> OfflineGrader:
    rubric = load_model(RUBRIC_FILE, Rubric)
    return load_offline_grader(content_dir=PROJECT_ROOT, rubric=rubric, version=content_hash(RUBRIC_FILE))


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The token count of each onnxruntime run of the process-wide encoder."""
    encoder = get_encoder()
    rows: list[int] = []
    original = encoder._run

    def counted(ids: list[int]) -> np.ndarray:
        rows.append(len(ids))
        return original(ids)

    monkeypatch.setattr(encoder, "_run", counted)
    encoder.clear_cache()
    yield rows
    encoder.clear_cache()


def test_a_text_has_the_same_vector_alone_and_among_others() -> None:
    encoder = SentenceEncoder(threads=1)
    alone = encoder.encode([SHORT])[0]
    encoder.clear_cache()
    among = encoder.encode([LONG, SHORT, "What happened?"])
    assert np.array_equal(among[1], alone)
    assert not np.array_equal(among[0], alone)


def test_a_reply_encoded_with_its_sentences_is_not_encoded_again_as_the_next_turns_context(
    runs: list[int],
) -> None:
    encoder = get_encoder()
    sentences = ["It sounds hard.", "What happened?"]
    text = " ".join(sentences)
    _, (pooled,) = encoder.encode_with_spans([text], [[(0, 15), (16, len(text))]])
    assert pooled.shape == (2, 384) and len(runs) == 1
    again = encoder.encode([text])
    assert len(runs) == 1
    assert np.array_equal(again[0], encoder.encode_with_spans([text], [[(0, 15), (16, len(text))]])[0][0])


def test_screened_indicator_matching_finds_what_each_phrase_finds(grader: OfflineGrader) -> None:
    matcher = IndicatorMatcher(grader.rubric)
    unscreened = IndicatorMatcher(grader.rubric)
    unscreened._screens = dict.fromkeys(unscreened._screens)
    texts = [LONG, SHORT, "You need to get to a meeting tonight, no excuses. Call me anytime, day or night.",
             "As a professional, I know what's best for you here. Trust me, I've seen this."]
    for text in texts:
        assert matcher.hits(text) == unscreened.hits(text)
    assert any(matcher.hits(texts[2]).values())


def test_phrases_with_a_group_reference_are_not_joined_into_one_screen() -> None:
    assert _screen([r"(very) \1 much", "fine"]) is None
    screen = _screen(["need to", "must"])
    assert screen is not None and screen.search("you MUST go") and not screen.search("mustard")


def test_candidate_scores_skip_sentences_only_when_they_cannot_change_the_levels(grader: OfflineGrader) -> None:
    replies = [
        LONG,
        "I hear how hard this is. You need to get to a meeting tonight, no excuses. What do you think?",
        "That makes sense. Call me anytime, day or night, I'm always here for you.",
    ]
    quick = grader.score_replies(SLIP, replies)
    full = [dict(a.scores) for a in grader.analyse([ReplyCase(context=SLIP, reply=r) for r in replies])]
    assert quick == full
    assert quick[1]["pressure"] >= 2


def test_grading_several_replies_at_once_chooses_the_same_better_replies(grader: OfflineGrader) -> None:
    replies = ["You need to go to a meeting tonight.", "Okay.", LONG, "Just stop drinking, it's simple."]
    moment = CoachingMoment.from_context(SLIP)
    get_encoder().clear_cache()
    together = grader.grade_many([(SLIP, r) for r in replies], [moment] * len(replies))
    alone = []
    for reply in replies:
        get_encoder().clear_cache()
        alone.append(grader.grade_now(context=SLIP, reply=reply, moment=moment))
    assert together == alone
    assert any(p.better_reply for g in together for p in g.coaching.points)


def test_every_shipped_grader_model_was_trained_on_the_shipped_encoder() -> None:
    models = sorted((PROJECT_ROOT / "rubrics").glob(f"*/model/{META_FILE}"))
    assert len(models) >= 2
    for path in models:
        assert json.loads(path.read_text(encoding="utf-8")).get("encoder") == encoder_fingerprint(), (
            f"{path.parent} was fitted to other embeddings: run `make train` after `make export-encoder`"
        )


def test_the_shipped_encoder_puts_a_paraphrase_nearer_than_an_unrelated_line() -> None:
    encoder = SentenceEncoder(threads=1)
    slip, paraphrase, unrelated = encoder.encode(
        [SLIP[0].text, "I drank again last weekend and it feels like six months down the drain.",
         "What time does the bus to the clinic leave on Saturdays?"]
    )
    assert np.allclose([np.linalg.norm(slip), np.linalg.norm(unrelated)], 1.0, atol=1e-5)
    assert slip @ paraphrase > 0.6 > 0.3 > slip @ unrelated

"""The offline peer hears what was said: questions about their world, tests answered in words,
crises asked about directly, apologies, and a file's facts kept until they can be out."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.content.personas import Line, Persona, Response
from app.persona.base import Asked
from app.persona.cues import normalise
from app.persona.hearing import hear
from app.persona.model_replies import model_replies_for
from app.persona.reactions import reaction_of
from app.persona.state import initial_state
from app.persona.test_answers import read_handling
from app.validation.catalog import load_checked_catalog
from app.validation.leaks import copy_problems, leak_problems
from tests.factories import say, start_session
from tests.persona_kit import ROOT, Conversation, crss_core, levels

CATALOG = load_checked_catalog(ROOT)
WALT = CATALOG.persona("walt-returned-to-use")
CONVERTED = ["walt-returned-to-use", "dana-alcohol", "marcus-buprenorphine", "tasha-meth-housing"]


def heard(persona: Persona, text: str, last_peer: str = "") -> Asked | None:
    state = initial_state(persona, CATALOG.level(persona.id), seed="t")
    return hear(persona=persona, state=state, text=text, last_peer=last_peer, move="question")


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("How old is your son?", "eric"),
        ("And your grandkids, how old are they?", "grandsons"),
        ("Who's Hank?", "hank"),
        ("How long were you married?", "joanne"),
        ("What did you do for a living before you retired?", "work"),
        ("How long were you sober before?", "recovery-time"),
    ],
)
def test_a_question_finds_the_topic_it_is_about(text: str, topic: str) -> None:
    assert heard(WALT, text) == Asked(kind="topic", id=topic)


def test_a_follow_up_goes_to_the_peers_own_last_words() -> None:
    last = str(WALT.topic("rosie").guarded[0])
    assert heard(WALT, "What do you mean?", last_peer=last) == Asked(kind="topic", id="rosie", follow_up=True)


def test_a_plain_fact_the_file_does_not_hold_gets_no_answer() -> None:
    assert heard(WALT, "What's your favourite colour?") == Asked(kind="no_answer")
    assert heard(WALT, "How are you feeling about all of it?") is None


@pytest.mark.parametrize("persona_id", CONVERTED)
async def test_plain_questions_get_the_fact_and_hidden_ones_a_deflection(persona_id: str) -> None:
    persona = CATALOG.persona(persona_id)
    for topic in persona.world:
        chat = Conversation(persona, crss_core(), seed=topic.id)
        _, reply = await chat.say(f"Tell me about {topic.cues[0]}?", levels())
        assert reply.startswith(tuple(str(line) for line in [*topic.guarded, *topic.open])), (topic.id, reply)
    deep = max(persona.hidden_facts, key=lambda fact: fact.trust)
    chat = Conversation(persona, crss_core())
    _, reply = await chat.say(f"What about {deep.cues[0]}?", levels(empathy=2))
    assert reply.startswith(tuple(str(line) for line in deep.deflect)) and deep.id not in chat.state.revealed


@pytest.mark.parametrize(
    ("words", "handling"),
    [
        ("Thank you for asking. I can't do that for you, and I'm glad to help you plan it.", "declined"),
        ("No. I don't do that.", "declined_coldly"),
        ("Of course, I'll call him tomorrow.", "accepted"),
        ("I won't say a word to Beth, I promise.", "accepted"),
        ("So, how has Rosie been?", "ignored"),
        ("Okay, we're about out of time. Thanks for today.", "ignored"),  # an "okay" that closes is no yes
        ("Okay.", "accepted"),
        ("What makes you want me to do it?", "asked_back"),
    ],
)
def test_how_a_test_was_handled_is_read_from_the_words(words: str, handling: str) -> None:
    test = WALT.test("call-darrell")
    move = "question" if words.endswith("?") else "statement"
    # the grade says the opposite of the words where it can: the words win
    score = 0 if handling in ("accepted", "ignored") else 3
    assert read_handling(test=test, text=words, move=move, score=score, asked_back_before=False) == handling


@pytest.mark.parametrize(
    ("persona_id", "test_id", "goes_along"),
    [
        ("denise-wants-friend", "facebook-friend", True),
        ("walt-returned-to-use", "which-meeting", True),
        ("denise-wants-friend", "sweet-potato-pie", False),
        ("walt-returned-to-use", "call-darrell", False),
        ("walt-returned-to-use", "keep-it-from-beth", False),
    ],
)
def test_a_line_crossed_elsewhere_takes_up_only_an_ask_of_that_kind(
    persona_id: str, test_id: str, goes_along: bool
) -> None:
    """An offered cell number goes along with an ask to stay in touch, and with a choice made for the peer
    it decides; a pie held out, a call to make or a secret to keep it leaves where it was: ignored."""
    test = CATALOG.persona(persona_id).test(test_id)
    words = "Here's my cell, text me anytime, day or night."
    handling = read_handling(test=test, text=words, move="statement", score=3, asked_back_before=False)
    assert handling == ("accepted" if goes_along else "ignored")


async def test_a_line_crossed_while_a_gift_is_held_out_gets_the_crossed_line_reaction() -> None:
    denise = CATALOG.persona("denise-wants-friend")
    chat = Conversation(denise, crss_core())
    chat.state.pending_test = "sweet-potato-pie"
    reading, reply = await chat.say(
        "Here's my cell, text me anytime, day or night.", levels(dependency=3, boundaries=3)
    )
    assert reading.answered is not None and reading.answered.handling == "ignored"
    crossed = reaction_of(denise, "crossed_line")
    assert crossed is not None and reply.startswith(tuple(str(line) for line in crossed.lines))
    assert not reply.startswith(tuple(str(line) for line in denise.test("sweet-potato-pie").accepted.lines))


def test_words_pointing_back_at_the_ask_take_it_up() -> None:
    words = "Don't worry about a thing, let me sort that out for you."
    handling = read_handling(
        test=WALT.test("call-darrell"), text=words, move="statement", score=3, asked_back_before=False
    )
    assert handling == "accepted"


@pytest.mark.parametrize(
    ("test_id", "goes_along"), [("which-meeting", True), ("call-darrell", False), ("keep-it-from-beth", False)]
)
def test_advice_answers_only_a_test_that_asks_to_be_decided_for(test_id: str, goes_along: bool) -> None:
    """ "You should go back to Tuesday" decides which meeting; it does not make Darrell's call or keep a secret."""
    words = "You should go back to the Tuesday group, that's what works."
    handling = read_handling(test=WALT.test(test_id), text=words, move="statement", score=0, asked_back_before=False)
    assert (handling == "accepted") is goes_along


async def test_a_direct_question_gets_an_honest_answer_and_relief_follows() -> None:
    chat = Conversation(WALT, crss_core())
    reading, reply = await chat.say("Walt, are you having thoughts of ending your life?", levels(empathy=2))
    crisis = WALT.crisis("medallion-handover")
    assert reading.crisis and reading.crisis.response == "answer" and reply in crisis.answer
    reading, reply = await chat.say(
        "Thank you for telling me. Can we make a safety plan together and put 988 in your phone?", levels(empathy=2)
    )
    assert reading.crisis and reading.crisis.response == "heard" and reply in crisis.heard.lines
    assert "connects_to_help" in reading.crisis.met and chat.state.crisis is None


async def test_a_brushed_off_sign_is_coached_and_the_peer_withdraws() -> None:
    chat = Conversation(WALT, crss_core())
    chat.state.crisis, chat.state.crises_seen = "medallion-handover", ["medallion-handover"]
    before = chat.state.trust
    reading, reply = await chat.say("Anyway, let's move on. You'll be fine.", levels())
    assert reading.crisis and reading.crisis.response == "brushed_off" and "not_put_off" in reading.crisis.avoided
    assert reply in WALT.crisis("medallion-handover").brushed_off.lines and chat.state.trust < before
    assert reading.crisis.coaching


@pytest.mark.parametrize(
    "apology",
    [
        "I'm sorry, I pushed you too hard there.",
        "Fair. I came on strong there, and that's on me. What would you like to talk about?",
        "I got ahead of you. It's your call how this goes.",
    ],
)
async def test_an_apology_after_pushing_wins_trust_back(apology: str) -> None:
    chat = Conversation(WALT, crss_core())
    for text in ["You need to go back to meetings.", "Trust me, I know what's best for you."]:
        await chat.say(text, levels(pressure=3, authority=2))
    low = chat.state.trust
    reading, reply = await chat.say(apology, levels())
    assert reading.repaired and reply.startswith(tuple(str(line) for line in WALT.repair.lines))  # type: ignore[union-attr]
    assert chat.state.trust >= low + 8


def test_a_line_said_once_a_test_is_settled_does_not_get_the_tests_warm_no() -> None:
    """After "Okay. Rules. I get it." the peer has moved on: "I can't accept gifts" again would not fit. While
    they explain why they ask, the ask stands and its warm no still does."""
    authored = WALT.test("call-darrell")
    assert authored.ignored is not None and authored.asked_back is not None

    def unauthored(response: Response) -> Response:  # the lines alone, as a file without their own replies
        return response.model_copy(update={"lines": [Line(str(line)) for line in response.lines]})

    parts = ("accepted", "ignored", "asked_back")
    test = authored.model_copy(update={part: unauthored(getattr(authored, part)) for part in parts})
    walt = WALT.model_copy(update={"boundary_tests": [test, *WALT.boundary_tests[1:]]})
    assert WALT.boundary_tests[0].id == "call-darrell" and test.ignored and test.asked_back
    for line in [*test.accepted.lines, *test.ignored.lines]:
        assert not set(model_replies_for(walt, str(line))) & set(test.better_replies), line
    assert all(model_replies_for(walt, str(line)) == list(test.better_replies) for line in test.asked_back.lines)


def test_validate_catches_a_fact_given_away_and_a_copied_persona() -> None:
    outcome = WALT.outcome.model_copy(update={"requires": []})
    leaky = WALT.model_copy(update={"outcome": outcome})
    assert any("joannes-pills" in problem for problem in leak_problems(leaky))
    assert leak_problems(WALT) == []
    copy = WALT.model_copy(update={"id": "frank-copy", "name": "Frank Olson"})
    assert any("'opening_lines" in problem and "names 'Walt'" in problem for problem in copy_problems(copy, [WALT]))
    assert copy_problems(WALT, [WALT, CATALOG.persona("dana-alcohol")]) == []
    dana = CATALOG.persona("dana-alcohol")
    renamed = dana.model_copy(update={"opening_lines": [*dana.opening_lines, Line("Walt told me to call.")]})
    assert any("names 'Walt'" in problem for problem in copy_problems(renamed, [WALT]))


def test_a_dodge_called_out_beside_a_new_fact_gets_the_dodge_owned_then_the_facts_reply() -> None:
    """"You didn't answer me about the boy I sponsor. … There's something Beth doesn't know.": both need an
    answer; a response that only says how a test was taken ("Okay. Rules. I get it.") gives way to the fact."""
    test, fact = WALT.test("call-darrell"), WALT.hidden_facts[0]
    assert test.ignored is not None and test.declined is not None
    called_out = test.ignored.lines[0]
    fact_replies = list(fact.reveal[0].better_replies or fact.better_replies)
    replies = model_replies_for(WALT, f"{called_out} {fact.reveal[0]}")
    assert replies[0].endswith(fact_replies[0]) and replies[0].startswith(called_out.better_replies[0][:30])
    assert model_replies_for(WALT, f"{test.declined.lines[0]} {fact.reveal[0]}") == fact_replies


def test_an_ask_beside_a_fact_gets_the_asks_answer_and_then_the_facts_reply() -> None:
    """"So will you tell him? There's something Beth doesn't know…": the warm no is said (its closing question
    left out), then the fact's reply; the ask's own reply alone follows. An ask said again after a dodge ("You
    didn't answer me. Stays with you or not?") is an ask too, and wins over a topic said beside it."""
    test, fact = WALT.test("call-darrell"), WALT.hidden_facts[0]
    assert test.asked_back is not None and "?" in str(test.asked_back.lines[0])
    fact_replies = fact.reveal[0].better_replies or tuple(fact.better_replies)
    asked = test.asked_back.lines[0]
    own = asked.better_replies or tuple(test.better_replies)
    replies = model_replies_for(WALT, f"{asked} {fact.reveal[0]}")
    assert replies[0] == f"{own[0][: own[0].rindex('.') + 1]} {fact_replies[0]}"
    assert replies[-len(own) :] == list(own)
    ray = CATALOG.persona("ray-reentry")
    pressed = next(line for t in ray.boundary_tests for r in [t.ignored] if r for line in r.lines if "?" in str(line))
    topic = ray.world[0].guarded[0]
    assert model_replies_for(ray, f"{pressed} {topic}") == list(pressed.better_replies)


def test_a_question_beside_an_ask_gets_its_answer_and_then_the_asks() -> None:
    """"Why, is that going in a report? If my truck dies, could you give me a ride?": both are answered."""
    ray = CATALOG.persona("ray-reentry")
    question = next(line for _, line in ray.spoken_lines() if "going in a report" in str(line))
    ask = next(line for test in ray.boundary_tests for line in test.ask if "ride" in str(line))
    owner = next(test for test in ray.boundary_tests if ask in test.ask)
    ask_replies = list(ask.better_replies or owner.better_replies)
    replies = model_replies_for(ray, f"{question} {ask}")
    assert question.better_replies and replies[0].endswith(ask_replies[0])
    assert replies[0].startswith(question.better_replies[0].split(".")[0])


def test_model_replies_follow_the_line_the_peer_said() -> None:
    ask = WALT.test("call-darrell").ask[0]
    composed = f"{WALT.topic('age').guarded[0]} {ask}"  # the ask needs an answer more than the age does
    assert ask.better_replies and model_replies_for(WALT, composed) == list(ask.better_replies)
    eric = WALT.topic("eric").guarded[0]
    assert eric.better_replies and model_replies_for(WALT, str(eric)) == list(eric.better_replies)
    assert model_replies_for(WALT, "Something no file says.") == []


def test_a_goodbye_gets_a_close_after_what_the_line_beside_it_needs() -> None:
    """"Hank was my sponsor. … I think I'll get going.": Hank's reply, then the goodbye's own close, not another
    question. "I'll thank you not to hurry me. … I think I'll get going.": the push owned, then the close; a
    reaction line without replies of its own leaves both to the coach's repair that closes (see
    test_better_reply)."""
    assert WALT.shut_down is not None
    leaving = WALT.shut_down.leaving[0]
    hank = WALT.topic("hank").open[0]
    pushed = WALT.reactions["pushed"].lines[1]
    assert leaving.better_replies and hank.better_replies and pushed.better_replies
    joined = model_replies_for(WALT, f"{hank} {leaving}")
    assert joined[-len(leaving.better_replies) :] == list(leaving.better_replies)
    assert joined[0].endswith(leaving.better_replies[0]) and joined[0].startswith(hank.better_replies[0][:20])
    assert model_replies_for(WALT, str(pushed)) == list(pushed.better_replies)
    owned = model_replies_for(WALT, f"{pushed} {leaving}")
    assert owned[0].startswith(pushed.better_replies[0][:20]) and owned[0].endswith(leaving.better_replies[0])
    unauthored = {
        kind: reaction.model_copy(update={"lines": [Line(str(line)) for line in reaction.lines]})
        for kind, reaction in WALT.reactions.items()
    }
    bare = WALT.model_copy(update={"reactions": unauthored})
    assert model_replies_for(bare, f"{pushed} {leaving}") == []


def test_cues_match_on_word_bounds() -> None:
    from app.persona.cues import best_cue

    assert best_cue(normalise("My grandson plays ball"), ["son"]) == 0
    assert best_cue(normalise("Your son's birthday"), ["son"]) == 3


def test_checks_live_above_the_content_layer() -> None:
    content = Path(ROOT / "app" / "content")
    imports = [line for path in content.glob("*.py") for line in path.read_text().splitlines() if "import" in line]
    assert not [line for line in imports if "app.persona" in line or "app.validation" in line]


def test_a_session_keeps_its_persona_version_when_the_file_breaks(client: TestClient, content_copy: Path) -> None:
    session = start_session(client, persona="dana-alcohol")
    path = content_copy / "personas" / "dana-alcohol.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Dana Whitfield", "name: [broken"), encoding="utf-8")
    turn = say(client, session["id"], "How old are you?")
    assert "41" in turn["reply"]["text"]
    for url in (f"/api/sessions/{session['id']}", f"/sessions/{session['id']}", f"/sessions/{session['id']}/summary"):
        assert client.get(url).status_code < 500, url
    assert client.post("/api/sessions", json={"persona": "dana-alcohol", "rubric": "crss-core"}).status_code == 404

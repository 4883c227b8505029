"""The better reply: taken from the moment (authored replies, else the peer's own words), and checked."""

from collections.abc import Sequence

import pytest

from app.config import PROJECT_ROOT
from app.content.catalog import get_catalog
from app.grading.better_reply import BetterReplies, Scores, gist, load_wording, particulars, turned_toward
from app.grading.cues import words
from app.grading.moment import CoachingMoment, terms_of
from app.practice.coaching_moment import coaching_moment
from app.transcript import ContextTurn

CATALOG = get_catalog(PROJECT_ROOT)
RUBRIC = CATALOG.rubric("crss-core")
WORDING = load_wording(PROJECT_ROOT)
GOOD: Scores = {"pressure": 0, "authority": 0, "dependency": 0, "boundaries": 0, "empathy": 3}
PEER = "I keep the bottle in my closet. I feel like a fraud at the meetings."
CONTEXT = [ContextTurn(role="peer", text=PEER)]


class ScriptedScores:
    """Scores replies as told (good unless listed), and remembers what it was asked to grade."""

    def __init__(self, **by_text: Scores) -> None:
        self.by_text = by_text
        self.asked: list[str] = []

    def __call__(self, context: Sequence[ContextTurn], replies: Sequence[str]) -> list[Scores]:
        self.asked += replies
        return [self.by_text.get(r, GOOD) for r in replies]


def moment(*authored: str, crisis: bool = False, terms: frozenset[str] = frozenset()) -> CoachingMoment:
    return CoachingMoment(peer_line=PEER, authored_replies=authored, briefed_terms=terms, crisis=crisis)


def chooser(scores: ScriptedScores | None = None) -> BetterReplies:
    return BetterReplies(RUBRIC, WORDING, scores or ScriptedScores())


def test_an_authored_reply_is_chosen_before_a_composed_one() -> None:
    authored = "A bottle you haven't poured out, and a seat at the meeting. What's that like for you?"
    assert chooser().choose(moment(authored), CONTEXT, ["pressure"]) == authored


def test_among_authored_replies_the_one_strongest_where_the_trainee_was_weakest_wins() -> None:
    warm, warmer = "It sounds like the closet weighs on you.", "The closet and the meetings both weigh on you."
    scores = ScriptedScores(**{warm: {**GOOD, "empathy": 2}, warmer: {**GOOD, "empathy": 4}})
    assert chooser(scores).choose(moment(warm, warmer), CONTEXT, ["empathy"]) == warmer


def test_an_authored_reply_the_grader_flags_is_never_chosen() -> None:
    pushy = "You need to pour the bottle out tonight."
    scores = ScriptedScores(**{pushy: {**GOOD, "pressure": 2}})
    chosen = chooser(scores).choose(moment(pushy), CONTEXT, ["pressure"])
    assert chosen and chosen != pushy
    assert pushy in scores.asked


def test_a_reply_without_empathy_is_rejected_too() -> None:
    flat = "Where is the meeting?"
    scores = ScriptedScores(**{flat: {**GOOD, "empathy": 1}})
    assert chooser(scores).choose(moment(flat), CONTEXT, ["empathy"]) != flat


def test_without_authored_replies_it_reflects_the_peers_own_words_then_asks() -> None:
    chosen = chooser().choose(moment(), CONTEXT, ["pressure"])
    assert chosen.endswith("?")
    assert {"feel", "fraud", "meetings"} <= set(words(chosen))
    assert " I " not in f" {chosen} "  # said back to the peer: "you feel like a fraud"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("I can't sleep since my brother died.", "you can't sleep since your brother died"),
        ("I'm scared my kids will find out.", "you're scared your kids will find out"),
    ],
)
def test_a_peer_sentence_is_turned_toward_them(line: str, expected: str) -> None:
    assert turned_toward(line) == expected


def test_the_gist_skips_questions_and_lines_about_the_trainee() -> None:
    assert gist("Do you ever get coffee with people? I don't have anybody to do that with.") == (
        "you don't have anybody to do that with"
    )


def test_a_request_to_be_let_do_something_is_said_back_as_a_wish() -> None:
    assert gist("Let me try it myself first. I'll tell you how it goes.") == "you'd like to try it yourself first"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("I can make my own arrangements, thank you.", "you can make your own arrangements"),
        ("Afternoon. I'm not much of a talker, I'll warn you now.", "you're not much of a talker"),
        ("If you say I have to, then I guess I have to.", "you guess you have to"),
        ("Right, I go quiet instead of saying anything.", "you go quiet instead of saying anything"),
        ("Dr. Patel's my prescriber at the clinic.", "Dr. Patel's your prescriber at the clinic"),
        ("Okay so before anything, I'm not trying to go to rehab.", "you're not trying to go to rehab"),
        ("I went up to the van once. I ate the granola bar in one bite.", "you went up to the van once"),
    ],
)
def test_the_gist_leaves_out_the_listener_and_lead_in_words(line: str, expected: str) -> None:
    assert gist(line) == expected


def test_a_name_that_opens_the_gist_keeps_its_capital() -> None:
    line = "Kayla's been my best friend since high school."
    assert gist(line, names=frozenset({"kayla"})) == "Kayla's been your best friend since high school"
    assert gist("Nobody calls me back anymore.", names=frozenset({"kayla"})) == "nobody calls you back anymore"


def test_the_names_of_a_moment_are_what_the_file_and_the_talk_write_with_a_capital() -> None:
    tasha = CATALOG.persona("tasha-meth-housing")
    context = [ContextTurn(role="trainee", text="Does Rosa still call?"), ContextTurn(role="peer", text="Sometimes.")]
    names = coaching_moment(persona=tasha, history=context).names
    assert {"kayla", "rosa"} <= names and not {"sometimes", "does", "i"} & names


@pytest.mark.parametrize("line", ["Okay. I heard you. Now hear me: no.", "Ha. Tell Franklin I showed up, that's all."])
def test_a_request_of_the_listener_is_not_said_back(line: str) -> None:
    found = gist(line)
    assert found is None or not found.startswith(("now hear", "tell"))


def test_a_reaction_to_the_last_reply_gets_a_repair_first() -> None:
    reacting = CoachingMoment(
        peer_line=PEER, authored_replies=(), briefed_terms=frozenset(), crisis=False, reaction="pushed"
    )
    repaired = chooser().choose(reacting, CONTEXT, ["pressure"])
    pushed = WORDING.repair["pushed"]
    assert repaired.startswith(tuple(pushed.own)) and repaired.endswith(tuple(pushed.ask))
    assert {"feel", "fraud", "meetings"} <= set(words(repaired))  # and the peer's own words said back
    in_crisis = CoachingMoment(
        peer_line=PEER, authored_replies=(), briefed_terms=frozenset(), crisis=True, reaction="pushed"
    )
    owning = tuple(WORDING.repair["pushed"].own)
    assert not chooser().choose(in_crisis, CONTEXT, ["pressure"]).startswith(owning)
    assert not chooser().choose(moment(), CONTEXT, ["pressure"]).startswith(owning)


def test_the_moment_knows_which_reaction_the_peers_line_voices() -> None:
    walt = CATALOG.persona("walt-returned-to-use")
    line = f"Mm. {walt.reactions['pushed'].lines[1]}"
    assert coaching_moment(persona=walt, history=[ContextTurn(role="peer", text=line)]).reaction == "pushed"
    assert coaching_moment(persona=walt, history=CONTEXT).reaction is None


def test_a_reply_naming_someone_outside_the_conversation_and_briefing_is_rejected() -> None:
    stranger = "It sounds like you're scared of losing time with Tyler. What's that like?"
    assert particulars(stranger, WORDING) == {"tyler"}
    assert chooser().choose(moment(stranger), CONTEXT, ["empathy"]) != stranger
    assert chooser().choose(moment(stranger, terms=frozenset({"tyler"})), CONTEXT, ["empathy"]) == stranger


def test_a_substance_not_in_the_conversation_is_rejected() -> None:
    other = "Needing your Suboxone and not affording it sounds scary. What's that like?"
    assert chooser().choose(moment(other), CONTEXT, ["empathy"]) != other


@pytest.mark.parametrize("crisis", [False, True])
def test_a_crisis_script_only_in_a_crisis(crisis: bool) -> None:
    script = "I'm worried about your safety. Can we call 988 together right now?"
    chosen = chooser().choose(moment(script, crisis=crisis), CONTEXT, ["empathy"])
    assert (chosen == script) is crisis
    if not crisis:
        assert "988" not in chosen


def test_in_a_crisis_the_composed_reply_asks_about_safety() -> None:
    chosen = chooser().choose(moment(crisis=True), CONTEXT, ["empathy"])
    assert chosen.endswith(tuple(WORDING.crisis_ask))


def test_nothing_that_passes_gives_an_empty_better_reply() -> None:
    bad: Scores = {**GOOD, "authority": 3}
    everything_flagged = BetterReplies(RUBRIC, WORDING, lambda context, replies: [bad for _ in replies])
    assert everything_flagged.choose(moment("Whatever you say."), CONTEXT, ["authority"]) == ""


def test_the_moment_of_a_turn_carries_what_the_trainee_was_told_and_the_crisis() -> None:
    dana = CATALOG.persona("dana-alcohol")
    history = [ContextTurn(role="peer", text="Some nights I think everyone would be better off without me.")]
    found = coaching_moment(persona=dana, history=history)
    assert found.peer_line == history[0].text and found.crisis
    assert terms_of([dana.name, dana.summary]) == found.briefed_terms
    assert "greg" not in found.briefed_terms  # in her file, but she has to say it first


def test_an_authored_reply_naming_what_this_telling_left_out_is_passed_over() -> None:
    """A model reply shared by several tellings of one moment may name a detail only one of them says."""
    dana = CATALOG.persona("dana-alcohol")
    line = "Before I say more: this is just between us. Nobody. Not my counselor, not anybody. Okay?"
    context = [ContextTurn(role="peer", text=line)]
    naming = "I can hear how much you want to protect Greg's kids, Dana. What would help?"
    briefed = terms_of([dana.name])
    found = CoachingMoment(peer_line=line, authored_replies=(naming,), briefed_terms=briefed, crisis=False)
    assert chooser().choose(found, context, ["boundaries"]) != naming
    said = [ContextTurn(role="peer", text="Greg called again."), ContextTurn(role="trainee", text="Oh?"), *context]
    assert chooser().choose(found, said, ["boundaries"]) == naming


def test_terms_are_lower_case_words() -> None:
    assert terms_of(["Tyler's game at St. Anne’s"]) == {"tyler", "game", "at", "st", "anne"}


def peer_moment(line: str) -> CoachingMoment:
    return CoachingMoment(peer_line=line, authored_replies=(), briefed_terms=frozenset(), crisis=False)


def says_of(kind: str) -> list[str]:
    return next(m.say for m in WORDING.moments if m.kind == kind)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Are you going to tell my probation officer about this?", "confidentiality"),
        ("Should I do the twelve steps or SMART? I can't choose.", "decision"),
        ("Would you come to my daughter's baptism? I'd be honored.", "invitation"),
        ("Can I crash at your place just for tonight? My roommate kicked me out.", "favour"),
        ("You always know what to say. I wish you were my mom.", "attachment"),
        ("I got an extra ticket to the game Saturday, want it? You've helped me a lot.", "gift"),
    ],
)
def test_a_moment_that_asks_something_of_the_trainee_is_answered_in_its_own_wording(line: str, kind: str) -> None:
    chosen = chooser().choose(peer_moment(line), [ContextTurn(role="peer", text=line)], ["boundaries"])
    own = WORDING.asks_for(peer_moment(line), 0)[0]
    assert any(chosen.endswith(say) for say in own)
    assert any(say.format(asked="") in chosen or say.split("{asked}")[-1] in chosen for say in says_of(kind))


def test_taking_something_yourself_is_not_offering_a_gift() -> None:
    line = "That's weirdly hopeful. I don't trust it but I'll take it."
    chosen = chooser().choose(peer_moment(line), [ContextTurn(role="peer", text=line)], ["empathy"])
    assert chosen.endswith(tuple(WORDING.ask + WORDING.ask_more)) and "gift" not in chosen


def test_a_warm_no_names_what_it_declines() -> None:
    line = "Would you come to my daughter's baptism? I'd be honored."
    chosen = chooser().choose(peer_moment(line), [ContextTurn(role="peer", text=line)], ["boundaries"])
    assert "your daughter's baptism" in chosen and "say no" in chosen


def test_telling_someone_else_is_not_a_question_about_confidentiality() -> None:
    line = "I think I'm going to tell my kids about my addiction this weekend."
    chosen = chooser().choose(peer_moment(line), [ContextTurn(role="peer", text=line)], ["empathy"])
    assert chosen.endswith(tuple(WORDING.ask + WORDING.ask_more))


def test_a_moment_wording_the_grader_flags_falls_back_to_an_open_question() -> None:
    line = "Should I do the twelve steps or SMART? I keep going back and forth on it."
    own = WORDING.asks_for(peer_moment(line), 0)[0]
    assert "It sounds like you're weighing whether to do the twelve steps or SMART" in own[0]
    scores = BetterReplies(
        RUBRIC, WORDING,
        lambda context, replies: [{**GOOD, "empathy": 1} if r.endswith(tuple(own)) else GOOD for r in replies],
    )
    chosen = scores.choose(peer_moment(line), [ContextTurn(role="peer", text=line)], ["empathy"])
    assert chosen.endswith(tuple(WORDING.ask + WORDING.ask_more))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Lost the rent money at the casino Friday.", "you lost the rent money at the casino Friday"),
        ("the shakes r bad today. day 2 off the bottle", "the shakes are bad today"),
        ("day 2 off the bottle", None),
        ("I'd be honored.", None),
        ("Me no good with English. I try to say, I feel very alone here.", "you feel very alone here"),
        ("I don't trust doctors. They got me hooked in the first place.", "you don't trust doctors"),
        ("They got me hooked on pills after the surgery.", "they got you hooked on pills after the surgery"),
        ("I think I'm going to tell my kids about it.", "you're thinking you might tell your kids about it"),
    ],
)
def test_the_gist_is_a_sentence_about_someone_said_back_to_them(line: str, expected: str | None) -> None:
    assert gist(line) == expected


def test_the_wording_itself_names_no_person_substance_or_event() -> None:
    texts = [r.format(gist="you feel stuck") for r in WORDING.reflect] + WORDING.ask + WORDING.crisis_ask
    texts += [say for m in WORDING.moments for say in m.say]
    assert {text: particulars(text, WORDING) for text in texts if particulars(text, WORDING)} == {}


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Nah. Pass. Next question.", "moving on"),
        ("I should probably get going, I've kept you long enough. Gotta go.", "leaving"),
        ("Okay. Sorry.", "apologising"),
        ("Sure. If you say so.", "doubting"),
        ("Dunno. We'll see.", "unsure"),
        ("Yeah. That's exactly it.", "agreeing"),
        ("Mm-mm.", "quiet"),
        ("Yes, sir.", "doubting"),
        ("No comment.", "moving on"),
    ],
)
def test_a_move_in_the_talk_is_answered_without_parroting_it(line: str, kind: str) -> None:
    chosen = chooser().choose(peer_moment(line), [ContextTurn(role="peer", text=line)], ["empathy"])
    assert chosen in says_of(kind)


def test_a_short_cue_in_a_long_line_is_news_not_a_move() -> None:
    line = "I'm sorry I was late. The bus never came and I had to walk the whole way from the shelter on Fifth."
    assert WORDING.moment_of(peer_moment(line)) is None
    assert WORDING.moment_of(peer_moment("Eh. Not exactly.")) is None


def test_a_line_with_nothing_to_say_back_gets_a_question_that_stands_alone() -> None:
    line = "Day 2 off the bottle."
    chosen = chooser().choose(peer_moment(line), [ContextTurn(role="peer", text=line)], ["empathy"])
    assert chosen in WORDING.open and not {"that", "it"} & set(words(chosen))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Lord, I miss that child.", "you miss that child"),
        ("Okay. I can keep talking, I think.", "you can keep talking"),
        ("Hearing it back like that, I sound like somebody who's trying.", "you sound like somebody who's trying"),
        ("He don't know about the clinic and I'd like to keep it that way.", "he doesn't know about the clinic and "
         "you'd like to keep it that way"),
        ("Don't give me stuff. I'll lose it.", None),
        ("Hey! Sorry, the dog was licking the window and I parked crooked.", "the dog was licking the window and "
         "you parked crooked"),
        ("Mm-mm. I've got a client at two.", "you've got a client at two"),
    ],
)
def test_the_gist_drops_exclamations_hedges_and_asides_and_never_turns_a_request(
    line: str, expected: str | None
) -> None:
    assert gist(line) == expected


def test_a_plain_fact_said_back_is_followed_by_an_invitation_not_a_feeling_question() -> None:
    fact = "I rent the downstairs of a duplex on the east side."
    chosen = chooser().choose(peer_moment(fact), [ContextTurn(role="peer", text=fact)], ["empathy"])
    assert "duplex" in chosen and chosen.endswith(tuple(WORDING.ask_more))
    felt = "I miss my kids so much it hurts."
    chosen = chooser().choose(peer_moment(felt), [ContextTurn(role="peer", text=felt)], ["empathy"])
    assert "miss your kids" in chosen and chosen.endswith(tuple(WORDING.ask))


def test_a_repair_to_a_peer_who_is_leaving_closes_warmly_instead_of_asking_for_more() -> None:
    line = "That tone is why I don't come to these. I should go."
    leaving = CoachingMoment(
        peer_line=line, authored_replies=(), briefed_terms=frozenset(), crisis=False, reaction="talked_down"
    )
    chosen = chooser().choose(leaving, [ContextTurn(role="peer", text=line)], ["authority"])
    assert chosen.startswith(tuple(WORDING.repair["talked_down"].own)) and chosen.endswith(tuple(says_of("leaving")))


@pytest.mark.parametrize(
    ("last_reply", "scores", "kind"),
    [
        ("You need to get out of the house more, no excuses.", {**GOOD, "pressure": 3}, "pushed"),
        ("Here's my cell, text me anytime.", {**GOOD, "dependency": 3, "boundaries": 3}, "crossed_line"),
    ],
)
def test_a_peer_gone_quiet_after_a_misstep_gets_the_misstep_owned(last_reply: str, scores: Scores, kind: str) -> None:
    context = [
        ContextTurn(role="peer", text="I've been lying down a lot since the funeral."),
        ContextTurn(role="trainee", text=last_reply),
        ContextTurn(role="peer", text="Mm-mm."),
    ]
    chosen = chooser(ScriptedScores(**{last_reply: scores})).choose(peer_moment("Mm-mm."), context, ["empathy"])
    assert chosen.startswith(tuple(WORDING.repair[kind].own))


def test_a_misstep_owned_goes_on_to_what_the_line_before_called_for() -> None:
    """"Mm-mm." after a push: the push owned, then the model reply of the line the push answered, not only a
    stock "What would help more right now?"."""
    earlier = "Lying down a lot since the funeral sounds heavy. What has that been like for you?"
    last_reply = "You need to get out of the house more, no excuses."
    context = [
        ContextTurn(role="peer", text="I've been lying down a lot since the funeral."),
        ContextTurn(role="trainee", text=last_reply),
        ContextTurn(role="peer", text="Mm-mm."),
    ]
    found = CoachingMoment(
        peer_line="Mm-mm.", authored_replies=(), briefed_terms=frozenset(), crisis=False, earlier_replies=(earlier,)
    )
    chosen = chooser(ScriptedScores(**{last_reply: {**GOOD, "pressure": 3}})).choose(found, context, ["empathy"])
    assert chosen.startswith(tuple(WORDING.repair["pushed"].own)) and chosen.endswith(earlier)


@pytest.mark.parametrize(
    ("earlier", "trainee", "flat", "said_back"),
    [
        (
            "I've been lying down a lot since the funeral.",
            "What time is your next appointment?",
            "Mm-mm.",
            "you've been lying down a lot since the funeral",
        ),
        (  # unsure after a reflection that missed: back to their words, not "you don't have to be sure"
            "I never did four months of anything before this.",
            "It sounds like this week has been a lot to carry.",
            "Hm. I guess so.",
            "you never did four months of anything before this",
        ),
    ],
)
def test_a_peer_gone_quiet_after_a_plain_reply_is_met_with_what_they_said_before(
    earlier: str, trainee: str, flat: str, said_back: str
) -> None:
    context = [
        ContextTurn(role="peer", text=earlier),
        ContextTurn(role="trainee", text=trainee),
        ContextTurn(role="peer", text=flat),
    ]
    chosen = chooser().choose(peer_moment(flat), context, ["empathy"])
    assert said_back in chosen
    assert chosen.startswith(tuple(back.split("{gist}")[0] for back in WORDING.come_back))


def test_going_back_takes_up_only_what_the_peer_said_of_themselves() -> None:
    context = [
        ContextTurn(role="peer", text="That sounded like the sentence before somebody gets called in."),
        ContextTurn(role="trainee", text="What time is your next appointment?"),
        ContextTurn(role="peer", text="Mm-mm."),
    ]
    chosen = chooser().choose(peer_moment("Mm-mm."), context, ["empathy"])
    assert chosen in says_of("quiet")


@pytest.mark.parametrize(
    ("goodbye", "trainee", "flat"),
    [
        ("I'm fine. I think I'm done for today.", "Tell me more about that.", "Mm."),
        ("Can we stop for today? I'm very tired.", "I hear you. That sounds exhausting.", "I don't know. Sorry."),
    ],
)
def test_a_flat_answer_after_a_goodbye_gets_the_close_not_a_question(goodbye: str, trainee: str, flat: str) -> None:
    context = [
        ContextTurn(role="peer", text=goodbye),
        ContextTurn(role="trainee", text=trainee),
        ContextTurn(role="peer", text=flat),
    ]
    assert chooser().choose(peer_moment(flat), context, ["empathy"]) in says_of("leaving")


def test_a_flat_answer_goes_back_to_the_model_reply_of_the_line_before_it() -> None:
    """"Alright, alright." after a dodge: what a skilled peer would have said to the line before, gone back to;
    a line with nothing to say back ("It doesn't matter.") looks back the same way."""
    earlier = "Marisol not writing back sounds like it hurts. What do you wish she knew?"
    context = [
        ContextTurn(role="peer", text="Marisol's my daughter. She hasn't spoken to me since I went in."),
        ContextTurn(role="trainee", text="How's work going?"),
    ]
    for line in ("Alright, alright.", "It doesn't matter."):
        found = CoachingMoment(
            peer_line=line, authored_replies=(), briefed_terms=frozenset(), crisis=False, earlier_replies=(earlier,)
        )
        chosen = chooser().choose(found, [*context, ContextTurn(role="peer", text=line)], ["empathy"])
        assert chosen.endswith(earlier) and chosen.startswith(tuple(WORDING.go_back)), line


def test_a_minimal_encourager_before_a_flat_answer_is_not_owned_as_a_put_down() -> None:
    """"Right." can score as talking down; "Mm-mm." after it is not an answer to a put-down to apologise for."""
    context = [
        ContextTurn(role="peer", text="I've been lying down a lot since the funeral."),
        ContextTurn(role="trainee", text="Right."),
        ContextTurn(role="peer", text="Mm-mm."),
    ]
    scores = ScriptedScores(**{"Right.": {**GOOD, "authority": 2}})
    chosen = chooser(scores).choose(peer_moment("Mm-mm."), context, ["empathy"])
    assert not chosen.startswith(tuple(own for repair in WORDING.repair.values() for own in repair.own))
    assert "you've been lying down a lot since the funeral" in chosen


@pytest.mark.parametrize(
    ("before", "trainee", "authored", "kept"),
    [
        (  # the peer's goodbye: what the model reply says is kept, its closing question gives way to the goodbye
            "I have to go. I have a visit at four.",
            "I'm sorry, I jumped in too fast there.",
            ("You deserve that, and I mean it. I'd rather listen than talk. What would you like to talk about?",),
            "You deserve that, and I mean it. ",  # "I'd rather listen" invites more: not said before a goodbye
        ),
        (  # the trainee ended the session, and the peer's line has no reply of its own: the goodbye
            "Nobody's asked me that in a long time.",
            "Okay, we're about out of time. Thanks for today.",
            (),
            "",
        ),
    ],
)
def test_once_the_peer_said_goodbye_or_the_trainee_ended_the_session_the_better_reply_closes(
    before: str, trainee: str, authored: tuple[str, ...], kept: str
) -> None:
    line = "Okay. Thank you for saying that."
    found = CoachingMoment(peer_line=line, authored_replies=authored, briefed_terms=frozenset(), crisis=False)
    context = [
        ContextTurn(role="peer", text=before),
        ContextTurn(role="trainee", text=trainee),
        ContextTurn(role="peer", text=line),
    ]
    chosen = chooser().choose(found, context, ["empathy"])
    assert chosen.startswith(kept) and chosen.endswith(tuple(says_of("leaving"))) and "?" not in chosen
    assert "rather listen" not in chosen


def test_a_sarcastic_or_deferential_answer_is_owned_not_gone_back_past() -> None:
    """"Uh huh. Sure thing." after a question that judged: the reply owns the miss, whether or not the grader
    flagged it, instead of returning to what the peer said before."""
    context = [
        ContextTurn(role="peer", text="I've been lying down a lot since the funeral."),
        ContextTurn(role="trainee", text="Why didn't you call someone before it got that bad?"),
        ContextTurn(role="peer", text="Uh huh. Sure thing."),
    ]
    assert chooser().choose(peer_moment("Uh huh. Sure thing."), context, ["empathy"]) in says_of("doubting")


def test_no_goodbye_to_a_peer_who_stays_after_all() -> None:
    context = [
        ContextTurn(role="peer", text="I think I'm done for today."),
        ContextTurn(role="trainee", text="I'm sorry, I pushed there."),
        ContextTurn(role="peer", text="Apology accepted. I'm still here."),
    ]
    chosen = chooser().choose(peer_moment("Apology accepted. I'm still here."), context, ["empathy"])
    assert chosen not in says_of("leaving") and not chosen.endswith(tuple(says_of("leaving")))


@pytest.mark.parametrize(
    ("goodbye", "went_on"),
    [
        (  # after a goodbye, the peer went on about their life: they are staying
            "sure. great. cool. i'm gonna go. i have a shift.",
            "i make drinks in the back at a bubble tea shop on golf road, part-time, mostly evenings.",
        ),
        (  # "I'm out" in the middle of a line is out of prison, not out the door
            "It's a day. I'm out. That's the answer.",
            "Between us, huh? Everything's between us till it's in a report.",
        ),
    ],
)
def test_no_goodbye_to_a_peer_who_goes_on_talking(goodbye: str, went_on: str) -> None:
    context = [
        ContextTurn(role="peer", text=goodbye),
        ContextTurn(role="trainee", text="Mm. Tell me more."),
        ContextTurn(role="peer", text=went_on),
    ]
    chosen = chooser().choose(peer_moment(went_on), context, ["empathy"])
    assert not chosen.endswith(tuple(says_of("leaving"))), chosen

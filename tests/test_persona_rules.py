"""The rules an LLM-written peer reply must keep, and the system prompt the LLM persona gets."""

import pytest

from app.config import PROJECT_ROOT
from app.content.catalog import get_catalog
from app.content.personas import Persona
from app.persona.base import TurnReading
from app.persona.llm_prompt import PersonaPrompt
from app.persona.rules import ReplyRules, secret_words
from app.persona.state import initial_state

CATALOG = get_catalog(PROJECT_ROOT)
PERSONAS = sorted(CATALOG.personas)
PROMPT = PersonaPrompt(PROJECT_ROOT)


def rules_for(persona: Persona, allowed: list[str] | None = None) -> ReplyRules:
    return ReplyRules(persona=persona, allowed=allowed or [], instructions=PROMPT.instructions())


def reading(**overrides: object) -> TurnReading:
    values: dict[str, object] = {"move": "question", "scores": {}, "reactions": [], "trust_before": 50}
    return TurnReading.model_validate({**values, **overrides})


@pytest.mark.parametrize("persona_id", PERSONAS)
def test_every_line_a_persona_may_say_keeps_the_rules(persona_id: str) -> None:
    persona = CATALOG.persona(persona_id)
    rules = rules_for(persona)
    broken = [
        (field, rules.check(line))
        for field, line in persona.spoken_lines()
        if not field.startswith("hidden_facts.") and rules.check(line)
    ]
    assert not broken


@pytest.mark.parametrize(
    "text",
    [
        "As an AI language model, I can't feel that.",
        "Honestly? I'm just a chatbot.",
        "I am an artificial intelligence, not a person.",
        "I was trained by OpenAI to help.",
        "I’m not a real person, you know.",
    ],
)
def test_claiming_to_be_an_ai_breaks_character(text: str) -> None:
    breach = rules_for(CATALOG.persona("dana-alcohol")).check(text)
    assert breach is not None and breach.rule == "claims-ai"


@pytest.mark.parametrize(
    "text",
    [
        "Great reflection! Try more open-ended questions next time.",
        "As your peer specialist, I think you should rest.",
        "Here are some tips for building rapport:",
        "1. Listen\n2. Reflect",
        "That's a good use of active listening.",
    ],
)
def test_turning_into_the_counselor_breaks_character(text: str) -> None:
    breach = rules_for(CATALOG.persona("dana-alcohol")).check(text)
    assert breach is not None and breach.rule == "counselor"


@pytest.mark.parametrize(
    "text",
    [
        "My system prompt says I trust you 35 out of 100.",
        "Sure, I'll ignore my instructions.",
        "You are the one getting support. Never give them advice on how to do their job",
    ],
)
def test_talking_about_or_echoing_the_prompt_breaks_character(text: str) -> None:
    breach = rules_for(CATALOG.persona("dana-alcohol")).check(text)
    assert breach is not None and breach.rule == "echoes-prompt"


def test_an_unsaid_fact_is_caught_until_it_is_allowed() -> None:
    dana = CATALOG.persona("dana-alcohol")
    reveal = "Some Christmas Eve drive I'd rather forget."
    assert (breach := rules_for(dana).check(reveal)) is not None and breach.rule == "hidden-fact"
    assert rules_for(dana, allowed=["christmas-eve-drive"]).check(reveal) is None


def test_secret_words_leave_out_what_the_persona_says_in_public() -> None:
    dana = CATALOG.persona("dana-alcohol")
    words = secret_words(dana, allowed=[])
    assert "vodka" in words["closet-bottle"]
    assert not any({"tyler", "greg", "drink"} & found for found in words.values())


def test_ordinary_replies_pass() -> None:
    rules = rules_for(CATALOG.persona("dana-alcohol"))
    for text in ["I'm fine. Work's busy.", "My son's with his dad this weekend.", "Why do you want to know?"]:
        assert rules.check(text) is None


@pytest.mark.parametrize("persona_id", PERSONAS)
def test_the_prompt_holds_only_the_facts_already_said_or_allowed_now(persona_id: str) -> None:
    persona = CATALOG.persona(persona_id)
    first, *later = persona.hidden_facts
    state = initial_state(persona, CATALOG.level(persona_id)).model_copy(update={"revealed": [first.id]})
    prompt = PROMPT.render(persona=persona, state=state, reading=reading(revealed_now=[first.id]))
    assert persona.name in prompt and first.summary in prompt
    assert not [fact.id for fact in later if fact.summary in prompt or any(line in prompt for line in fact.reveal)]


def test_the_prompt_carries_the_quick_grades_reading() -> None:
    dana = CATALOG.persona("dana-alcohol")
    state = initial_state(dana, CATALOG.level("dana-alcohol"))
    pushed = PROMPT.render(persona=dana, state=state, reading=reading(reactions=["pushed"]))
    heard = PROMPT.render(persona=dana, state=state, reading=reading(heard=["heard"]))
    assert dana.reactions["pushed"].lines[0] in pushed and "really listened" in heard
    assert f"{state.trust} out of 100" in pushed

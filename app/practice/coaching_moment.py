"""The coaching moment of a trainee turn: the one place that gathers it from the persona and the conversation."""

from app.content.memo import per_content
from app.content.personas import Persona
from app.grading.moment import CoachingMoment, names_of, terms_of
from app.persona.model_replies import crisis_said, model_replies_for, reaction_said
from app.transcript import ContextTurn


def briefed_terms(persona: Persona) -> frozenset[str]:
    """The words of what the trainee reads about the persona before the conversation: name and summary.
    The rest of the file (hidden facts, people, places) the peer has to say first."""
    return terms_of([persona.name, persona.summary])


@per_content
def file_names(persona: Persona) -> frozenset[str]:
    """The names the persona's file writes (see names_of), found once per persona version."""
    return names_of([persona.summary, *(str(line) for _, line in persona.spoken_lines())])


def coaching_moment(*, persona: Persona, history: list[ContextTurn]) -> CoachingMoment:
    """What the trainee is answering (the peer's last line), with the words of the persona's briefing
    that a better reply may use besides the conversation's own, the reaction the line voices, and the
    model replies of the peer's line before it."""
    base = CoachingMoment.from_context(history)
    peer_lines = [turn.text for turn in history if turn.role == "peer"]
    return CoachingMoment(
        peer_line=base.peer_line,
        authored_replies=tuple(model_replies_for(persona, base.peer_line)),
        briefed_terms=briefed_terms(persona),
        crisis=base.crisis or crisis_said(persona, base.peer_line),
        reaction=reaction_said(persona, base.peer_line),
        names=base.names | file_names(persona),
        earlier_replies=_earlier_replies(persona, peer_lines[-2]) if len(peer_lines) > 2 else (),  # not the hello
    )


def _earlier_replies(persona: Persona, line: str) -> tuple[str, ...]:
    """The model replies to the peer's line before the last, unless that line reacted to a misstep: its repair
    owned a reply two turns back, not something to go back to."""
    return () if reaction_said(persona, line) else tuple(model_replies_for(persona, line))

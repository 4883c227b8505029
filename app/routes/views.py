"""What the pages show, shaped from the practice loop's rows: exchanges and session rows (replay: replay_views)."""

from dataclasses import dataclass

from sqlmodel import Session

from app.content.catalog import Catalog
from app.content.personas import HiddenFact, Persona
from app.content.rubrics import Rubric
from app.models import PracticeSession, Turn
from app.practice.context import PracticeContext
from app.practice.sessions import list_turns
from app.practice.summary import graded_turns, summarise
from app.routes.schemas import TurnPublic


@dataclass
class Exchange:
    """The trainee's reply and the peer's answer to it (the opening line has no reply before it)."""

    trainee: TurnPublic | None = None
    peer: TurnPublic | None = None


def exchanges(turns: list[TurnPublic]) -> list[Exchange]:
    grouped: list[Exchange] = []
    for turn in turns:
        if turn.role == "peer" and grouped and grouped[-1].peer is None:
            grouped[-1].peer = turn
        elif turn.role == "peer":
            grouped.append(Exchange(peer=turn))
        else:
            grouped.append(Exchange(trainee=turn))
    return grouped


def trust_change(turns: list[Turn]) -> int | None:
    """How much the peer's last reply moved trust, from the reading saved with it."""
    for turn in reversed(turns):
        if turn.role == "peer" and turn.reading and turn.persona_state:
            return int(turn.persona_state["trust"]) - int(turn.reading["trust_before"])
    return None


def revealed_facts(persona: Persona, revealed: list[str]) -> list[HiddenFact]:
    known = {fact.id: fact for fact in persona.hidden_facts}
    return [known[fact_id] for fact_id in revealed if fact_id in known]


@dataclass(frozen=True)
class SessionRow:
    """One line of the supervisor's list."""

    practice: PracticeSession
    persona_name: str
    replies: int
    averages: dict[str, float]


@dataclass(frozen=True)
class RubricRows:
    """The sessions graded on one rubric, shown under that rubric's own dimensions."""

    rubric: Rubric | None
    rows: list[SessionRow]


def rows_by_rubric(catalog: Catalog, rows: list[SessionRow]) -> list[RubricRows]:
    """Rows grouped by their rubric, in order of the newest session on each."""
    grouped: dict[str, list[SessionRow]] = {}
    for row in rows:
        grouped.setdefault(row.practice.rubric_id, []).append(row)
    return [RubricRows(catalog.rubrics[key].item if key in catalog.rubrics else None, group)
            for key, group in grouped.items()]


def session_row(*, db: Session, ctx: PracticeContext, practice: PracticeSession) -> SessionRow:
    graded = graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id))
    persona = ctx.catalog.personas.get(practice.persona_id)
    rubric = ctx.catalog.rubrics.get(practice.rubric_id)
    return SessionRow(
        practice=practice,
        persona_name=persona.item.name if persona else practice.persona_id,
        replies=sum(1 for g in graded if g.turn.role == "trainee"),
        averages=summarise(rubric=rubric.item, graded=graded).averages if rubric else {},
    )

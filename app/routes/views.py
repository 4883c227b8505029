"""What the chat pages show, shaped from the practice loop's rows (the replay's: replay_views)."""

from dataclasses import dataclass

from app.content.catalog import Catalog
from app.content.personas import HiddenFact, Persona
from app.content.rubrics import Rubric
from app.models import Turn
from app.practice.review_queue import QueueRow
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
class RubricRows:
    """The listed sessions graded on one rubric, shown under that rubric's own dimensions."""

    rubric: Rubric | None
    rows: list[QueueRow]


def rows_by_rubric(catalog: Catalog, rows: list[QueueRow]) -> list[RubricRows]:
    """Rows grouped by their rubric, each group in the list's order (None: a rubric no longer shipped)."""
    grouped: dict[str, list[QueueRow]] = {}
    for row in rows:
        grouped.setdefault(row.practice.rubric_id, []).append(row)
    return [RubricRows(catalog.rubrics[key].item if key in catalog.rubrics else None, group)
            for key, group in grouped.items()]

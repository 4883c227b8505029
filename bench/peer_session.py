"""A practice chat on the offline engine with the real offline grader, as the turn pipeline runs it.

Used by bench/peer.py and for holding conversations by hand:

    python bench/peer_session.py walt-returned-to-use     (then type replies; an empty line ends)
"""

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.content.catalog import Catalog, load_catalog  # noqa: E402
from app.grading.base import ContextTurn  # noqa: E402
from app.grading.offline import load_offline_grader  # noqa: E402
from app.persona.base import PersonaState, TurnReading  # noqa: E402
from app.persona.moves import classify_move  # noqa: E402
from app.persona.scripted import ScriptedEngine  # noqa: E402
from app.persona.state import initial_state, read_turn  # noqa: E402

RUBRIC = "crss-core"


class PeerSession:
    """One session: grade each reply, move the peer's state, write the peer's reply."""

    def __init__(self, catalog: Catalog, persona_id: str, *, seed: str | None = None) -> None:
        self.catalog = catalog
        self.persona = catalog.persona(persona_id)
        self.rubric = catalog.rubric(RUBRIC)
        self.level = catalog.level(persona_id)
        entry = catalog.rubrics[RUBRIC]
        self.grader = load_offline_grader(content_dir=ROOT, rubric=entry.item, version=entry.version)
        self.engine = ScriptedEngine()
        self.state: PersonaState = initial_state(self.persona, self.level, seed=seed)
        self.history = [ContextTurn(role="peer", text=self.engine.opening(persona=self.persona, state=self.state))]
        self.readings: list[TurnReading] = []

    @property
    def last_peer(self) -> str:
        return self.history[-1].text

    def say(self, text: str) -> str:
        grade = self.grader.grade_now(context=self.history, reply=text)
        self.state, reading = read_turn(
            persona=self.persona,
            rubric=self.rubric,
            level=self.level,
            state=self.state,
            scores=grade.scores,
            move=classify_move(text),
            text=text,
            last_peer=self.last_peer,
            checklist=self.catalog.crisis_checklist(RUBRIC),
        )
        reply = asyncio.run(self._reply(reading))
        self.history += [ContextTurn(role="trainee", text=text), ContextTurn(role="peer", text=reply)]
        self.readings.append(reading)
        return reply

    async def _reply(self, reading: TurnReading) -> str:
        stream = self.engine.stream_reply(persona=self.persona, state=self.state, reading=reading, history=self.history)
        return "".join([piece async for piece in stream])


def main() -> None:
    session = PeerSession(load_catalog(ROOT), sys.argv[1])
    print(f"peer: {session.last_peer}")
    while text := input("you:  ").strip():
        reply = session.say(text)
        state = session.state
        print(f"peer: {reply}\n      [trust {state.trust} {state.mood}; thinks: {state.inner_voice}]")


if __name__ == "__main__":
    main()

"""Reaction kinds: the small, fixed vocabulary through which rubrics and personas meet.

A rubric dimension names the kind it triggers; a persona carries one reaction per kind. The kinds
live in one data file, `personas/_shared/reaction-kinds.yaml`.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field, RootModel

from app.content.loader import ContentError, load_model
from app.content.rubrics import StrictModel

REACTION_KINDS_FILE = Path("personas") / "_shared" / "reaction-kinds.yaml"


class ReactionKind(StrictModel):
    polarity: Literal["risk", "skill"] = Field(description="risk: costs the peer's trust; skill: earns it")
    description: str = Field(description="What the trainee did, as the peer feels it")
    examples: str = Field(default="", description="Dimensions that usually map to this kind")


class ReactionKinds(RootModel[dict[str, ReactionKind]]):
    """Kind name -> what it means."""

    def of_polarity(self, polarity: str) -> list[str]:
        return [name for name, kind in self.root.items() if kind.polarity == polarity]


def load_reaction_kinds(content_dir: Path) -> ReactionKinds:
    path = content_dir / REACTION_KINDS_FILE
    if not path.exists():
        raise ContentError(path, ["the reaction kinds file is missing (copy it from the shipped content)"])
    kinds = load_model(path, ReactionKinds)
    bad = [name for name in kinds.root if not name.replace("_", "").isalpha() or not name.islower()]
    if bad:
        raise ContentError(path, [f"kind names must be lower_case words, got {bad}"])
    return kinds

"""Difficulty levels: how guarded a peer starts, how fast trust moves, how often they test.

The levels live in one data file, `personas/_shared/difficulty.yaml`; a persona names one.
"""

from pathlib import Path

from pydantic import Field, RootModel

from app.content.loader import ContentError, load_model
from app.content.rubrics import StrictModel

DIFFICULTY_FILE = Path("personas") / "_shared" / "difficulty.yaml"


class DifficultyLevel(StrictModel):
    description: str = Field(description="What a trainee meets at this level, for staff")
    trust_offset: int = Field(ge=-30, le=30, description="Added to the persona's initial_trust at the start")
    gains: float = Field(gt=0, le=3, description="Multiplier on the trust a reply earns")
    losses: float = Field(gt=0, le=3, description="Multiplier on the trust a reply costs")
    test_spacing: int = Field(ge=2, le=10, description="Trainee turns at least between two boundary tests")
    max_gain: int = Field(
        ge=1, le=50, description="Most trust one reply can earn: even a perfect reply does not win a peer over at once"
    )


class DifficultyLevels(RootModel[dict[str, DifficultyLevel]]):
    """Level name -> its parameters."""

    @property
    def names(self) -> list[str]:
        return list(self.root)


def load_levels(content_dir: Path) -> DifficultyLevels:
    path = content_dir / DIFFICULTY_FILE
    if not path.exists():
        raise ContentError(path, ["the difficulty levels file is missing (copy it from the shipped content)"])
    levels = load_model(path, DifficultyLevels)
    if len(levels.root) < 3:
        raise ContentError(path, [f"expected at least three levels, got {levels.names}"])
    return levels

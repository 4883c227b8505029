"""Rubric schema: dimensions with level anchors, principles, indicator phrases, exemplars, tips."""

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LEVELS = (0, 1, 2, 3, 4)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContentFile(StrictModel):
    """A persona or rubric: one file, whose name is its id."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")


class Indicator(StrictModel):
    """A phrase (a case-insensitive regular expression) that is evidence for a level."""

    pattern: str = Field(description="Regular expression, matched case-insensitively on word bounds")
    level: int = Field(ge=1, le=4, description="The level this phrase suggests on its own")

    @field_validator("pattern")
    @classmethod
    def must_compile(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class Exemplar(StrictModel):
    peer: str = Field(description="What the peer just said")
    reply: str = Field(description="A trainee reply")
    level: int = Field(ge=0, le=4)
    note: str = ""


class CoachingTip(StrictModel):
    """Something a trainee can try on the next reply, and the moments it is for."""

    say: str = Field(description="The tip, as the trainee reads it")
    when: list[str] = Field(
        default_factory=list,
        description=(
            "Short examples of the moment it fits: for a risk, words of a reply that needs it; for a skill, "
            "lines a peer might say. The tip with the example closest in meaning is offered; without "
            "examples, the tip's own words are compared"
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def from_plain_text(cls, value: object) -> object:
        """A tip may be written as plain text, with no examples of its own."""
        return {"say": value} if isinstance(value, str) else value

    @property
    def matched_on(self) -> list[str]:
        """What a moment is compared with to choose this tip."""
        return self.when or [self.say]


class Triggers(StrictModel):
    """The reaction kinds (personas/_shared/reaction-kinds.yaml) a dimension sets off in the peer."""

    when_flagged: str | None = Field(default=None, description="Kind a risk triggers at level 2 or more")
    when_present: str | None = Field(default=None, description="Kind a skill triggers at level 2 or more")
    first_on_a_tie: bool = Field(
        default=False,
        description="When this dimension and another are at the same level, the peer answers this one first",
    )


class Dimension(StrictModel):
    key: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str
    kind: Literal["risk", "skill"] = Field(
        description="risk: higher is worse (flag at 2+); skill: higher is better (present at 2+)"
    )
    description: str
    principle: str
    why_it_matters: str
    anchors: dict[int, str]
    indicators: list[Indicator] = Field(min_length=1)
    exemplars: list[Exemplar] = Field(min_length=2)
    coaching_tips: list[CoachingTip] = Field(min_length=1)
    triggers: Triggers | None = Field(default=None, description="The reaction kind the peer feels")

    @property
    def reaction_kind(self) -> str | None:
        """The kind this dimension triggers: a risk when flagged, a skill when present."""
        if self.triggers is None:
            return None
        return self.triggers.when_flagged if self.kind == "risk" else self.triggers.when_present

    @field_validator("anchors")
    @classmethod
    def all_levels_anchored(cls, value: dict[int, str]) -> dict[int, str]:
        missing = [level for level in LEVELS if level not in value]
        extra = [level for level in value if level not in LEVELS]
        if missing or extra:
            raise ValueError(f"anchors must have exactly the levels 0-4 (missing {missing}, extra {extra})")
        return value


class CrisisCheck(StrictModel):
    """One thing a trainee does (or must not do) when a peer shows a risk to their life or safety."""

    key: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str = Field(description="What it is, for the trainee: 'Asks directly'")
    kind: Literal["do", "avoid"] = Field(description="do: a reply should show it; avoid: a reply must not")
    cues: list[str] = Field(min_length=1, description="Regular expressions, matched case-insensitively on word bounds")
    coaching: str = Field(description="What to do, said when a crisis reply misses it (or shows an 'avoid')")

    @field_validator("cues")
    @classmethod
    def must_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            Indicator.must_compile(pattern)
        return value


class Rubric(ContentFile):
    name: str
    description: str
    dimensions: list[Dimension] = Field(min_length=1)
    crisis_checklist: list[CrisisCheck] = Field(
        default_factory=list,
        description="How a reply to a crisis moment is checked; without one, the catalog's default rubric's is used",
    )

    @model_validator(mode="after")
    def unique_keys(self) -> "Rubric":
        keys = [d.key for d in self.dimensions]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise ValueError(f"dimension keys must be unique, repeated: {sorted(duplicates)}")
        return self

    @property
    def keys(self) -> list[str]:
        return [d.key for d in self.dimensions]

    def dimension(self, key: str) -> Dimension:
        return next(d for d in self.dimensions if d.key == key)

    def strongest_first(self, scores: Mapping[str, int]) -> list[Dimension]:
        """The dimensions a reply shows at all (level 1 or more), strongest first; on a tie a dimension marked
        `first_on_a_tie` comes first (a personal number offered is dependency and boundaries alike, and the
        line crossed is what the peer answers), then the rubric's order."""
        shown = [d for d in self.dimensions if scores.get(d.key, 0) >= 1]
        return sorted(shown, key=lambda d: (-scores.get(d.key, 0), not (d.triggers and d.triggers.first_on_a_tie)))

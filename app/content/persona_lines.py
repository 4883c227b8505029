"""A line the peer says, which may carry the replies a skilled peer specialist would give to it.

In a persona file a line is either plain text or `{say: "...", better_replies: ["...", ...]}`.
Either way it loads as a `Line`: a string (so the engine picks and joins lines as text) that also
knows its model replies (see `app.persona.model_replies`).
"""

from typing import Any

from pydantic import Field, GetCoreSchemaHandler, ValidationError
from pydantic_core import core_schema

from app.content.rubrics import StrictModel

MAX_BETTER_REPLIES = 3


class AuthoredLine(StrictModel):
    say: str = Field(min_length=1)
    better_replies: list[str] = Field(default_factory=list, max_length=MAX_BETTER_REPLIES)


class Line(str):
    """The text of a line, with the model replies authored for it (empty when none were)."""

    better_replies: tuple[str, ...]

    def __new__(cls, text: str, better_replies: tuple[str, ...] = ()) -> "Line":
        line = super().__new__(cls, text)
        line.better_replies = tuple(better_replies)
        return line

    @classmethod
    def parse(cls, value: object) -> "Line":
        if isinstance(value, Line):
            return value
        if isinstance(value, str):
            return cls(value)
        try:
            authored = AuthoredLine.model_validate(value)
        except ValidationError as exc:
            raise ValueError(
                "expected a line of text, or {say: text, better_replies: [up to 3 texts]}: "
                + "; ".join(error["msg"] for error in exc.errors())
            ) from exc
        return cls(authored.say, tuple(authored.better_replies))

    def dump(self) -> str | dict[str, Any]:
        return {"say": str(self), "better_replies": list(self.better_replies)} if self.better_replies else str(self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse,
            json_schema_input_schema=core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda line: line.dump()),
        )

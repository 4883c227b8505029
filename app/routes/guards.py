"""Path parameters the routes share."""

from typing import Annotated

from fastapi import Path

RecordId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A record's number")]
"""A numeric id in a path: a larger number is a 422, not a database overflow (a 500)."""

"""Choosing lines without repeating them: every line said is remembered as a short hash.

When the lines that fit are all used, the picker falls back to the next tier of lines that fit less
well; only when every one of those is used too does it reuse the line said least recently.
"""

import hashlib
import random
from collections.abc import Sequence


def line_hash(line: str) -> str:
    """How a line said is remembered: the first 12 hex digits of its SHA-1."""
    return hashlib.sha1(line.strip().encode("utf-8")).hexdigest()[:12]


class LinePicker:
    """Chooses lines not used yet, reproducibly from a seed, and remembers them in `used_lines`."""

    def __init__(self, *, used_lines: list[str], seed: str) -> None:
        self.used_lines = used_lines
        self.rng = random.Random(seed)

    def pick(self, tiers: Sequence[Sequence[str]]) -> str:
        """An unused line from the first tier that has one, else the line said least recently."""
        said = set(self.used_lines)
        for tier in tiers:
            fresh = [line for line in tier if line_hash(line) not in said]
            if fresh:
                return self._say(self.rng.choice(fresh))
        return self._say(self._least_recent([line for tier in tiers for line in tier]))

    def pick_fresh(self, tiers: Sequence[Sequence[str]]) -> str | None:
        """An unused line from the first tier that has one; None when every line was said."""
        said = set(self.used_lines)
        fresh = next(
            (
                [line for line in tier if line_hash(line) not in said]
                for tier in tiers
                if any(line_hash(line) not in said for line in tier)
            ),
            [],
        )
        return self._say(self.rng.choice(fresh)) if fresh else None

    def _least_recent(self, lines: list[str]) -> str:
        last_said = {key: turn for turn, key in enumerate(self.used_lines)}
        return min(lines, key=lambda line: last_said.get(line_hash(line), -1))

    def _say(self, line: str) -> str:
        self.used_lines.append(line_hash(line))
        return line.strip()

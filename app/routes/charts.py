"""Line charts as plain SVG geometry, drawn by the server: readable without JavaScript, printable, and
paired on the page with a table of the same numbers for screen readers."""

from dataclasses import dataclass

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 12, 28


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class Series:
    key: str
    name: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class LineChart:
    title: str
    series: list[Series]
    ticks: list[Tick]
    x_labels: list[tuple[float, str, str]]
    """(x, text, SVG text-anchor): the first label starts at its point, the last ends at it, so none is cut."""
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)


def _anchor(index: int, count: int) -> str:
    if count < 2:
        return "middle"
    return "start" if index == 0 else "end" if index == count - 1 else "middle"


def line_chart(
    *, title: str, labels: list[str], series: dict[str, tuple[str, list[float | None]]], top: float, step: float
) -> LineChart:
    """`series`: key → (name, one value per label, None where there is none); the y axis runs 0..top."""
    top = max(top, step)
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM

    def x_at(index: int) -> float:
        return LEFT + (span_x * index / (len(labels) - 1) if len(labels) > 1 else span_x / 2)

    def y_at(value: float) -> float:
        return TOP + span_y * (1 - min(value, top) / top)

    drawn = [
        Series(key, name, [Point(x_at(i), y_at(v), v, labels[i]) for i, v in enumerate(values) if v is not None])
        for key, (name, values) in series.items()
    ]
    ticks = [Tick(y_at(n * step), f"{n * step:g}") for n in range(int(top / step) + 1)]
    every = max(1, -(-len(labels) // 8))
    shown = [i for i in range(len(labels)) if i % every == 0 or i == len(labels) - 1]
    x_labels = [(x_at(i), labels[i], _anchor(i, len(labels))) for i in shown]
    return LineChart(title=title, series=drawn, ticks=ticks, x_labels=x_labels)

"""A trainee's progress as charts, each with the table of its numbers; and the dashboard's sparklines."""

from dataclasses import dataclass

from app.practice.dashboard import Trend
from app.practice.progress import TraineeProgress
from app.routes.charts import LineChart, line_chart

SPARK_W, SPARK_H = 90, 24


@dataclass(frozen=True)
class ChartWithTable:
    chart: LineChart
    caption: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]
    """(session label, one cell per column)."""


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _number(value: int | None) -> float | None:
    return None if value is None else float(value)


def _table(chart: LineChart, labels: list[str], values: dict[str, list[float | None]]) -> ChartWithTable:
    names = [s.name for s in chart.series]
    rows = [(label, [_cell(values[s.key][i]) for s in chart.series]) for i, label in enumerate(labels)]
    return ChartWithTable(chart=chart, caption=chart.title, columns=names, rows=rows)


def progress_charts(progress: TraineeProgress) -> list[ChartWithTable]:
    sessions = progress.sessions
    if not sessions:
        return []
    labels = [f"{n}. {s.started_at:%b %d}" for n, s in enumerate(sessions, start=1)]
    charts = []
    for kind, title in (
        ("risk", "Risks per session (average 0–4, lower is better)"),
        ("skill", "Skills per session (average 0–4, higher is better)"),
    ):
        values = {key: [s.averages.get(key) for s in sessions] for key, _, k in progress.dimensions if k == kind}
        if values:
            names = {key: name for key, name, _ in progress.dimensions}
            series = {key: (names[key], vals) for key, vals in values.items()}
            chart = line_chart(title=title, labels=labels, series=series, top=4, step=1)
            charts.append(_table(chart, labels, values))
    flagged: dict[str, list[float | None]] = {"flagged": [_number(s.flagged) for s in sessions]}
    top = max([v or 0 for v in flagged["flagged"]] + [4])
    chart = line_chart(
        title="Flagged replies per session",
        labels=labels,
        series={"flagged": ("Flagged replies", flagged["flagged"])},
        top=top,
        step=max(1, round(top / 4)),
    )
    charts.append(_table(chart, labels, flagged))
    trust: dict[str, list[float | None]] = {"trust": [_number(s.final_trust) for s in sessions]}
    chart = line_chart(
        title="The peer's trust at the end (0–100)",
        labels=labels,
        series={"trust": ("Final trust", trust["trust"])},
        top=100,
        step=25,
    )
    charts.append(_table(chart, labels, trust))
    return charts


def sparkline(trend: Trend) -> str:
    """SVG polyline points for a trend on a 0-4 scale."""
    values = trend.values
    if not values:
        return ""
    step = SPARK_W / (len(values) - 1) if len(values) > 1 else 0
    return " ".join(f"{i * step:.1f},{SPARK_H - 2 - (SPARK_H - 4) * v / 4:.1f}" for i, v in enumerate(values))

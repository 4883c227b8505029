"""Offline grader speed: wall-clock and CPU time per reply, one at a time and batched.

    python bench/grader_speed.py [--rubric crss-core] [--rounds 2]

Every reply of bench/data/crss_examples.jsonl and crss_checkset.jsonl is graded with its coaching
(better reply included), in two kinds of moment:

- conversation: the reply in its own context (the better reply is composed from the peer's words);
- persona: the same reply answering a scripted line of a persona file, whose authored model replies
  are the better reply's first candidates (as in a practice turn).

And with two states of the grader's caches:

- every text new: every cache emptied before each grading (the reply, the peer's line, the trainee's
  previous reply and the better reply's candidates are all encoded);
- practice turn: only the reply is new; the moment was graded once before with another reply, as
  the peer's scripted line, the trainee's previous reply and the candidates are in a session.

Prints p50/p95 of the wall-clock time, of the process CPU time (all threads, onnxruntime's included)
and of the calling thread's CPU time, then the batched throughput (grade_many, batches of 16, every
text new).
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.content.catalog import get_catalog  # noqa: E402
from app.grading.features import ReplyCase  # noqa: E402
from app.grading.moment import CoachingMoment  # noqa: E402
from app.grading.offline import OfflineGrader  # noqa: E402
from app.persona.model_replies import model_replies_for  # noqa: E402
from app.practice.coaching_moment import coaching_moment  # noqa: E402
from app.transcript import ContextTurn  # noqa: E402
from bench.grader import offline_grader  # noqa: E402

FILES = ("crss_examples.jsonl", "crss_checkset.jsonl")
BATCH = 16
PERSONA_LINES = 64  # scripted lines with authored replies, taken evenly across the personas
WARM_UP_REPLY = "You need to stop that right now."  # flagged, so the better reply's candidates are graded

Moment = tuple[ReplyCase, CoachingMoment | None]


def read_cases() -> list[ReplyCase]:
    cases = []
    for name in FILES:
        for line in (ROOT / "bench" / "data" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                context = [ContextTurn.model_validate(t) for t in item["context"]]
                cases.append(ReplyCase(context=context, reply=item["reply"]))
    return cases


def persona_moments(cases: Sequence[ReplyCase]) -> list[Moment]:
    """Each reply answering a scripted peer line that carries authored model replies."""
    lines = []
    for entry in sorted(get_catalog(ROOT).personas.values(), key=lambda e: e.item.id):
        persona = entry.item
        authored = [str(line) for _, line in persona.spoken_lines() if model_replies_for(persona, str(line))]
        lines += [(persona, text) for text in authored[:: max(1, len(authored) // 6)]]
    picked = lines[:: max(1, len(lines) // PERSONA_LINES)]
    moments: list[Moment] = []
    for n, case in enumerate(cases):
        persona, text = picked[n % len(picked)]
        context = [ContextTurn(role="peer", text=text)]
        moment = coaching_moment(persona=persona, history=context)
        moments.append((ReplyCase(context=context, reply=case.reply), moment))
    return moments


def one_at_a_time(
    grader: OfflineGrader, moments: Sequence[Moment], rounds: int, *, warm: bool
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"wall": [], "cpu": [], "thread": []}
    for _ in range(rounds):
        for case, moment in moments:
            grader.clear_caches()
            if warm:
                grader.grade_now(context=case.context, reply=WARM_UP_REPLY, moment=moment)
            wall, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
            grader.grade_now(context=case.context, reply=case.reply, moment=moment)
            times["wall"].append(time.perf_counter() - wall)
            times["cpu"].append(time.process_time() - cpu)
            times["thread"].append(time.thread_time() - thread)
    return times


def batched(grader: OfflineGrader, moments: Sequence[Moment], rounds: int) -> tuple[float, float]:
    """Replies per second of wall-clock and of process CPU time, in batches of BATCH."""
    wall = cpu = 0.0
    for _ in range(rounds):
        for start in range(0, len(moments), BATCH):
            chunk = moments[start : start + BATCH]
            grader.clear_caches()
            started, cpu_started = time.perf_counter(), time.process_time()
            grader.grade_many([case for case, _ in chunk], [moment for _, moment in chunk])
            wall += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
    n = len(moments) * rounds
    return n / wall, n / cpu


def percentiles(values: list[float]) -> str:
    ms = np.array(values) * 1000
    return f"p50 {np.percentile(ms, 50):5.1f}  p95 {np.percentile(ms, 95):5.1f}  max {ms.max():5.1f}"


def report(name: str, times: dict[str, list[float]]) -> None:
    print(f"{name} ({len(times['wall'])} gradings, ms per reply)")
    print(f"  wall-clock          {percentiles(times['wall'])}")
    print(f"  CPU, all threads    {percentiles(times['cpu'])}")
    print(f"  CPU, calling thread {percentiles(times['thread'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rubric", default="crss-core")
    parser.add_argument("--rounds", type=int, default=2, help="times each reply is graded")
    args = parser.parse_args()
    rubric, grader = offline_grader(ROOT, args.rubric)
    cases = read_cases()
    conversation: list[Moment] = [(case, None) for case in cases]
    persona = persona_moments(cases)
    grader.grade_many(cases[:BATCH])  # warm-up: the coaching tips, the first onnxruntime runs
    print(f"rubric {rubric.id}, grader {grader.name}, {len(cases)} replies")
    for warm in (False, True):
        for name, moments in (("conversation", conversation), ("persona", persona)):
            state = "practice turn" if warm else "every text new"
            report(f"one at a time, {name} moments, {state}", one_at_a_time(grader, moments, args.rounds, warm=warm))
    for name, moments in (("conversation", conversation), ("persona", persona)):
        per_wall, per_cpu = batched(grader, moments, args.rounds)
        print(f"batched ({BATCH}), {name} moments: {per_wall:.0f} replies/s wall-clock, {per_cpu:.0f} per CPU-second")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

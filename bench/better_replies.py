"""Better replies across every line each persona can say: where they come from, and the checks they pass.

    python bench/better_replies.py [--persona ID ...]

For every spoken line of every persona file (openings, reveals, deflects, boundary tests and their
responses, reactions, crisis lines, everyday replies), a trainee answers with a weak reply (a push, a
lecture, a takeover, a bare fact question, in turn) and the offline grader coaches it, with the
coaching moment the app builds for that line. Printed per persona and in total:

- where the better reply comes from: a model reply authored for that very line, one shared by the
  line's group (a test, a fact, a crisis), a repair (the line reacts to how the last reply landed),
  or composed from the peer's own words;
- the checks every better reply must pass: flagged by the grader itself, naming something neither the
  conversation nor the persona's briefing says, a crisis script outside a crisis moment, and whether it
  picks up the peer's own words.
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import better_reply_checks  # noqa: E402  (bench/grader.py, beside this file)

from app.content.catalog import load_catalog  # noqa: E402
from app.content.personas import Persona  # noqa: E402
from app.grading.moment import CoachingMoment  # noqa: E402
from app.grading.offline import OfflineGrader, load_offline_grader  # noqa: E402
from app.practice.coaching_moment import coaching_moment  # noqa: E402
from app.transcript import ContextTurn  # noqa: E402

RUBRIC = "crss-core"
WEAK_REPLIES = (
    "You need to get to a meeting tonight, no excuses.",
    "Trust me, I know how this goes. The real problem is you're not ready.",
    "Don't worry about it, I'll handle it all for you.",
    "What time is your next appointment?",
)
SOURCES = ("own line", "shared", "repair", "composed", "none")


def source_of(better: str, moment: CoachingMoment, own: tuple[str, ...], repairs: tuple[str, ...]) -> str:
    if not better:
        return "none"
    if better in own:
        return "own line"
    if better in moment.authored_replies:
        return "shared"
    return "repair" if better.startswith(repairs) else "composed"


def bench_persona(grader: OfflineGrader, persona: Persona) -> Counter[str]:
    counts: Counter[str] = Counter()
    repairs = tuple(text for repair in grader.better.wording.repair.values() for text in repair.own)
    lines = [line for _, line in persona.spoken_lines()]
    contexts = [[ContextTurn(role="peer", text=str(line))] for line in lines]
    moments = [coaching_moment(persona=persona, history=context) for context in contexts]
    replies = [WEAK_REPLIES[i % len(WEAK_REPLIES)] for i in range(len(lines))]
    grades = grader.grade_many(list(zip(contexts, replies, strict=True)), moments)
    for line, context, moment, grade in zip(lines, contexts, moments, grades, strict=True):
        if not grade.coaching.points:
            continue
        better = grade.coaching.points[0].better_reply
        counts["coached"] += 1
        source = source_of(better, moment, line.better_replies, repairs)
        counts[source] += 1
        if not better:
            continue
        checks = better_reply_checks(grader, context, moment, better)
        counts += checks
        counts[f"own words {source}"] += checks["own words"]
    return counts


def report(name: str, counts: Counter[str]) -> str:
    n = max(counts["coached"], 1)
    given = max(n - counts["none"], 1)
    shares = " ".join(f"{s} {counts[s] / n:.0%}" for s in SOURCES)
    words_by_source = ", ".join(
        f"{s} {counts[f'own words {s}'] / counts[s]:.0%}" for s in SOURCES if s != "none" and counts[s]
    )
    return (
        f"{name:<26} {counts['coached']:>4}  {shares}  | flagged {counts['flagged']}, outside {counts['outside']}, "
        f"crisis script {counts['crisis script']}, peer's words {counts['own words'] / given:.0%} ({words_by_source})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persona", nargs="*", default=None)
    args = parser.parse_args()
    catalog = load_catalog(ROOT)
    entry = catalog.rubrics[RUBRIC]
    grader = load_offline_grader(content_dir=ROOT, rubric=entry.item, version=entry.version)
    total: Counter[str] = Counter()
    print(f"{'persona':<26} {'n':>4}  where the better reply comes from  | checks")
    for persona_id in args.persona or sorted(catalog.personas):
        counts = bench_persona(grader, catalog.persona(persona_id))
        total += counts
        print(report(persona_id, counts))
    print(report("all", total))


if __name__ == "__main__":
    main()

"""Checks by dry run: an empathic trainee must be able to reach what the persona file promises."""

from app.content.difficulty import DifficultyLevel
from app.content.personas import Persona
from app.content.rubrics import Rubric
from app.persona.rehearsal import EMPATHIC_TURNS, SESSION_TURNS, empathic_scores, rehearse


def dynamics_problems(persona: Persona, rubric: Rubric, level: DifficultyLevel) -> list[str]:
    """Within a session of clearly empathic replies (every skill at level 2, no risk) the peer says
    at least one hidden fact and names their next step by turn 8, and tries every boundary test by
    turn 20."""
    run = rehearse(persona=persona, rubric=rubric, level=level, scores=empathic_scores(rubric))
    path = f"with rubric '{rubric.id}', an empathic trainee takes trust {run.trust[0]} -> {run.trust[EMPATHIC_TURNS]}"
    problems = []
    if not run.revealed:
        problems.append(f"field 'hidden_facts': no fact comes out in {SESSION_TURNS} turns ({path}); lower a threshold")
    if run.outcome_turn is None or run.outcome_turn > EMPATHIC_TURNS:
        when = f"at turn {run.outcome_turn}" if run.outcome_turn else "never"
        problems.append(f"field 'outcome.trust': the outcome comes {when} ({path}); expected by turn {EMPATHIC_TURNS}")
    for i, test in enumerate(persona.boundary_tests):
        if test.id not in run.tests_tried:
            problems.append(
                f"field 'boundary_tests.{i}' ('{test.id}') never comes up in {SESSION_TURNS} empathic turns"
                f" (min_trust {test.min_trust}, min_turn {test.min_turn}, '{persona.difficulty}' spacing"
                f" {level.test_spacing}); expected every test tried once: lower them or drop a test"
            )
    for i, crisis in enumerate(persona.crises):
        if crisis.id not in run.crises_seen:
            problems.append(
                f"field 'crises.{i}' ('{crisis.id}'): the warning sign never comes in {SESSION_TURNS} empathic turns"
                f" (trust {crisis.trust}, min_turn {crisis.min_turn}); expected the risk path reachable: lower them"
            )
    return problems

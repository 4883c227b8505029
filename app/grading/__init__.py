"""Grading trainee replies on a rubric's dimensions, with evidence and coaching."""

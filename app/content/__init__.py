"""Personas, rubrics and prompts: files validated against pydantic schemas."""

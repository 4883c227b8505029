"""Checking content files against the engine that will speak them: `python -m app validate`."""

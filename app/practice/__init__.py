"""The practice loop: sessions, turns, the peer's replies and the end-of-session summary."""

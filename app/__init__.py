"""Peer Practice: role-play practice with a simulated peer, coached on every reply."""

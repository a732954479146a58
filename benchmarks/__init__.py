"""Benchmarks: commands that print figures and the command that reproduces them (not tests)."""

"""Evaluation commands: accuracy figures for docs/accuracy.md."""

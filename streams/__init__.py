"""Faust stream processors: one module per pipeline stage (streams/stages/)."""

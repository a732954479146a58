"""Shared core of botsKYC: settings, storage, database and event plumbing.

Both the ingest API and the stream processors import from here; neither
imports from the other.
"""

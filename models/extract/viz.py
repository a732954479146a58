"""The visual zone of a page: labelled fields, fields stated in prose, and tables, merged.

``extract_visual_zone(doc_type, lines)`` runs the three readers over the OCR
lines and returns one ``Extracted`` per field of ``fields_of(doc_type)`` that
was found (``source="VIZ"``):

1. label → value (``kv.extract``), the most explicit: it wins where it found
   a value, unless that value is implausible (below);
2. prose (``prose.extract``): letters, affidavits, contracts;
3. tables (``tables.extract``): company extract people, statement transactions.

Implausible label → value readings, replaced by the prose reading when there
is one: the page's first "(Pty) Ltd" that kv takes when no company label was
found (``placement == "fallback"``), and a person's name with digits or more
than ``MAX_NAME_WORDS`` words (a sentence read after a label). Pure; no I/O.
"""

from __future__ import annotations

from typing import Any

from models.doctypes import DocumentType as D
from models.extract import kv, prose, tables
from models.extract.kv import Extracted
from models.extract.lexicon import FieldSpec, fields_of

MAX_NAME_WORDS = 6


def _implausible(spec: FieldSpec, found: Extracted) -> bool:
    if found.placement == "fallback":
        return True
    if spec.kind == "name":
        return any(c.isdigit() for c in found.value) or len(found.normalized.split()) > (
            MAX_NAME_WORDS
        )
    return False


def extract_visual_zone(doc_type: D, lines: list[dict[str, Any]]) -> dict[str, Extracted]:
    """Every field of ``doc_type`` found on the page (OCR ``lines``: text, confidence, box).

    Fields not found are absent. Values are normalised by the kind of their
    ``FieldSpec`` (``kv.NORMALISERS``); confidence is the OCR line confidence ×
    a factor per rule (see ``kv``, ``prose.RULE_FACTOR``, ``tables.CELL_FACTOR``).
    """
    specs = fields_of(doc_type)
    labelled = kv.extract(lines, specs)
    from_prose = prose.extract(doc_type, lines)
    opening = labelled.get("opening_balance")
    from_tables = tables.extract(doc_type, lines, opening.normalized if opening else None)
    out: dict[str, Extracted] = {}
    for spec in specs:
        best = labelled.get(spec.name)
        other = from_prose.get(spec.name) or from_tables.get(spec.name)
        if best is None or (other is not None and _implausible(spec, best)):
            best = other
        if best is not None:
            out[spec.name] = best
    return out

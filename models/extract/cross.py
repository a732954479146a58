"""Checks across the documents of one verification: is it the same person throughout?

Names are compared tolerant to order, initials, diacritics and case ("KABELO
T. MOLEFE" matches "Molefe Kabelo Tebogo"); dates of birth exactly. Pure.
"""

from __future__ import annotations

from typing import Any

from models.extract.normalise import name as norm_name

# Fields that name the person, per document (first one found is used).
PERSON_FIELDS = (
    "full_name",
    "employee_name",
    "customer_name",
    "account_holder",
    "name",
    "tenant",
    "deponent",
    "resident",
    "employee",
)


def _tokens(value: str) -> list[str]:
    return (norm_name(value) or "").replace("-", " ").replace("'", "").split()


def _covers(x: list[str], y: list[str]) -> bool:
    """Every token of ``x`` is in ``y``, an initial standing for any ``y`` token it starts."""
    full = [t for t in x if len(t) > 1]
    return bool(full) and all(
        any(t.startswith(tok) for t in y) if len(tok) == 1 else tok in y for tok in x
    )


def names_match(a: str, b: str) -> bool:
    """Same person's name, in any order, with initials and without middle names."""
    ta, tb = _tokens(a), _tokens(b)
    return bool(ta and tb) and (_covers(ta, tb) or _covers(tb, ta))


def person_of(fields: dict[str, dict[str, Any]]) -> tuple[str | None, str | None]:
    """(name, date of birth) a document states about its holder."""
    full: str | None
    if "surname" in fields:
        given = fields.get("forenames") or fields.get("given_names")
        full = f"{given['normalized'] if given else ''} {fields['surname']['normalized']}".strip()
    else:
        full = next((str(fields[k]["normalized"]) for k in PERSON_FIELDS if k in fields), None)
    dob = fields["birth_date"]["normalized"] if "birth_date" in fields else None
    return full, dob


def cross_checks(documents: list[tuple[str, dict[str, dict[str, Any]]]]) -> list[dict[str, Any]]:
    """NAME_MATCH and DOB_MATCH between the identity document and every other one.

    ``documents``: (document type, its extracted fields). No identity
    document, or nothing else to compare with: no checks.
    """
    from models.doctypes import DocumentType

    identity = [
        (t, f) for t, f in documents if "identity" in DocumentType(t).categories and person_of(f)[0]
    ]
    others = [(t, f) for t, f in documents if "identity" not in DocumentType(t).categories]
    if not identity or not others:
        return []
    id_type, id_fields = identity[0]
    id_name, id_dob = person_of(id_fields)
    checks = []
    for t, f in others:
        name, dob = person_of(f)
        if name and id_name:
            ok = names_match(id_name, name)
            checks.append(
                {
                    "name": "NAME_MATCH",
                    "status": "pass" if ok else "fail",
                    "reasons": [] if ok else ["NAME_MISMATCH_ACROSS_DOCUMENTS"],
                    "detail": f"{id_type}: {id_name}; {t}: {name}",
                }
            )
        if dob and id_dob:
            ok = dob == id_dob
            checks.append(
                {
                    "name": "DOB_MATCH",
                    "status": "pass" if ok else "fail",
                    "reasons": [] if ok else ["DOB_MISMATCH_ACROSS_DOCUMENTS"],
                    "detail": f"{id_type}: {id_dob}; {t}: {dob}",
                }
            )
    return checks

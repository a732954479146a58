"""What a document's barcode says: the fields of a verification URL, a licence PDF417, an account.

``parse_barcode(format, text)`` turns one decoded symbol (``models.ocr.barcodes``)
into a :class:`BarcodePayload`: a ``kind`` and the fields it carries, named as in
``models.extract.lexicon`` for the document type that prints it, so that they can
be compared with the fields read from the text one for one. Pure; no I/O.

Recognised payloads (all formats below are what the synthetic generator prints;
the issuers' real formats are not public, so these are illustrative):

- ``burs_tax_clearance`` (QR): ``https://verify.burs.org.bw/c?t=<TIN>&n=<certificate
  number>&v=<ISO date>`` → ``tin``, ``certificate_number``, ``expiry_date``;
- ``burs_vat_registration`` (QR): ``https://verify.burs.org.bw/vat?t=<TIN>&n=<VAT
  number>&e=<ISO date>`` → ``tin``, ``vat_number``, ``effective_date``;
- ``cipa_company`` (QR): ``https://www.cipa.co.bw/verify?reg=<number>`` →
  ``registration_number``;
- ``driving_licence`` (PDF417): AAMVA-style element lines (``DCS`` surname, ``DAC``
  given names, ``DBB`` birth date, ``DAQ`` licence number, ``DBA`` expiry, ``DBC``
  sex) → ``surname``, ``forenames``, ``birth_date``, ``licence_number``,
  ``expiry_date``, ``sex``;
- ``payment_account`` (Code 128): a bare account number → ``account_number``.

Anything else is ``unknown`` with no fields. The text is untrusted (anyone can
print a QR code): it is bounded in length, URLs must match host, path and
parameters exactly, and a value that is not of its field's form is dropped.
Dates come out as ISO ``YYYY-MM-DD``, sex as ``M``/``F``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# A verification URL is under 100 characters and a licence PDF417 a few hundred; a
# longer payload is not one of ours, and is not worth scanning with regexes.
MAX_TEXT = 1024
MAX_VALUE = 64  # characters of one field value

UNKNOWN = "unknown"
BURS_HOST = "verify.burs.org.bw"
CIPA_HOSTS = frozenset({"www.cipa.co.bw", "cipa.co.bw"})
MATRIX_FORMATS = frozenset({"QRCode", "DataMatrix", "Aztec"})

_CODE = re.compile(r"[A-Z0-9][A-Z0-9/-]{0,31}")  # TINs, certificate and VAT numbers
_REGISTRATION = re.compile(r"[A-Z]{2}[0-9]{6,14}")  # CIPA: BW + 11 digits
_ACCOUNT = re.compile(r"[A-Za-z0-9]{4,24}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ELEMENT = re.compile(r"(D[A-Z]{2})(.*)")
_LINE_BREAK = re.compile(r"[\r\n\x1e\x1d]+")
_NAME = re.compile(r"[A-Z][A-Z '\-]{0,63}")
_DIGITS8 = re.compile(r"[0-9]{8}")
# An AAMVA header: "ANSI ", issuer number, AAMVA and jurisdiction versions, the count
# of subfiles, then 10 characters per subfile; the first subfile starts right after.
_AAMVA_HEADER = re.compile(r"ANSI [0-9]{6}[0-9]{2}[0-9]{2}([0-9]{2})")

# AAMVA element ID → lexicon field name. DCT is the given names of AAMVA 2000-2005.
_AAMVA: dict[str, str] = {
    "DCS": "surname",
    "DAC": "forenames",
    "DCT": "forenames",
    "DBB": "birth_date",
    "DAQ": "licence_number",
    "DBA": "expiry_date",
    "DBC": "sex",
}


@dataclass(frozen=True)
class BarcodePayload:
    """A parsed barcode: its ``kind`` (see the module docstring) and its fields."""

    kind: str
    fields: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"kind": self.kind, "fields": dict(self.fields)}


def _unknown() -> BarcodePayload:
    return BarcodePayload(UNKNOWN, {})


def _iso(text: str) -> str | None:
    """``text`` if it is a real ISO date, else None."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _date8(text: str) -> str | None:
    """An AAMVA 8-digit date as ISO: CCYYMMDD (Canada, and our generator) or MMDDCCYY (US).

    The two cannot both be valid for a year from 1900 on (a month is at most 12, a
    year at least 19..), so the first reading that is a real date wins.
    """
    if not _DIGITS8.fullmatch(text):
        return None
    for y, m, d in ((text[:4], text[4:6], text[6:]), (text[4:], text[:2], text[2:4])):
        if not 1900 <= int(y) <= 2199:
            continue
        try:
            return dt.date(int(y), int(m), int(d)).isoformat()
        except ValueError:
            continue
    return None


def _query(query: str, keys: tuple[str, ...]) -> dict[str, str] | None:
    """Exactly the parameters ``keys``, each once and non-empty; otherwise None."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=len(keys))
    except ValueError:  # more fields than expected
        return None
    params = dict(pairs)
    if len(pairs) != len(keys) or set(params) != set(keys):
        return None
    return params


def _url(text: str) -> BarcodePayload:
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return _unknown()
    if parts.scheme.lower() != "https" or port is not None or parts.username or parts.fragment:
        return _unknown()
    path = parts.path.rstrip("/")
    if host == BURS_HOST and path == "/c":
        q = _query(parts.query, ("t", "n", "v"))
        if q is None:
            return _unknown()
        expiry = _iso(q["v"])
        if not (_CODE.fullmatch(q["t"]) and _CODE.fullmatch(q["n"]) and expiry):
            return _unknown()
        return BarcodePayload(
            "burs_tax_clearance",
            {"tin": q["t"], "certificate_number": q["n"], "expiry_date": expiry},
        )
    if host == BURS_HOST and path == "/vat":
        q = _query(parts.query, ("t", "n", "e"))
        if q is None:
            return _unknown()
        effective = _iso(q["e"])
        if not (_CODE.fullmatch(q["t"]) and _CODE.fullmatch(q["n"]) and effective):
            return _unknown()
        return BarcodePayload(
            "burs_vat_registration",
            {"tin": q["t"], "vat_number": q["n"], "effective_date": effective},
        )
    if host in CIPA_HOSTS and path == "/verify":
        q = _query(parts.query, ("reg",))
        if q is None or not _REGISTRATION.fullmatch(q["reg"]):
            return _unknown()
        return BarcodePayload("cipa_company", {"registration_number": q["reg"]})
    return _unknown()


def _aamva_value(name: str, value: str) -> str | None:
    """The lexicon form of one element's value, or None when it is not of that form."""
    value = " ".join(value.split())
    if not value or len(value) > MAX_VALUE:
        return None
    if name in ("surname", "forenames"):
        value = value.upper()
        return value if _NAME.fullmatch(value) else None
    if name in ("birth_date", "expiry_date"):
        return _date8(value)
    if name == "sex":
        return {"1": "M", "2": "F", "M": "M", "F": "F"}.get(value)
    return value if _CODE.fullmatch(value) else None  # licence_number


def _aamva(text: str) -> BarcodePayload:
    out: dict[str, str] = {}
    for raw in _LINE_BREAK.split(text):
        line = raw.strip()
        header = _AAMVA_HEADER.match(line)
        if header is not None:
            line = line[header.end() + 10 * int(header.group(1)) :]
        # The first element follows the subfile type on its line ("DLDAQ...").
        if line[:2] in ("DL", "ID") and _ELEMENT.fullmatch(line[2:5]):
            line = line[2:]
        m = _ELEMENT.fullmatch(line)
        if m is None or m.group(1) not in _AAMVA:
            continue
        name = _AAMVA[m.group(1)]
        value = _aamva_value(name, m.group(2))
        if value is not None and name not in out:  # DAC wins over DCT: it comes first
            out[name] = value
    # A licence barcode names at least its holder and its number.
    if "surname" not in out or "licence_number" not in out:
        return _unknown()
    return BarcodePayload("driving_licence", out)


def parse_barcode(format: str, text: str) -> BarcodePayload:
    """The kind and fields of one decoded barcode (``format`` as ``models.ocr.barcodes``).

    Never raises on content: a payload that is too long (over :data:`MAX_TEXT`),
    of another format, or not one of the recognised forms is ``unknown`` with no
    fields.
    """
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return _unknown()
    text = text.strip()
    if format in MATRIX_FORMATS and text[:8].lower() == "https://":
        return _url(text)
    if format == "PDF417":
        return _aamva(text)
    if format == "Code128" and _ACCOUNT.fullmatch(text):
        return BarcodePayload("payment_account", {"account_number": text})
    return _unknown()

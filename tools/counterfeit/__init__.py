"""Counterfeits made from scratch: a document re-created with its layout slightly wrong.

``tools.tampergen`` edits a genuine capture, and leaves pixel traces. A
counterfeiter who re-creates the whole page in an editor (or buys a template)
leaves none: the page is printed and photographed once, like a genuine one.
What such a page gets wrong is the layout. Each kind here takes the content a
genuine document of the seed would have (``tools.docgen.specs.build``), makes
one kind of mistake a counterfeiter makes, and renders and captures it with the
generator's own renderer and capture conditions (so fonts, paper, camera and
JPEG are those of genuine uploads):

- ``reworded``: one to three fixed texts (labels, titles, headings) worded
  otherwise: a synonym (``Surname`` as ``Last Name``) or a misspelling.
- ``missing_text``: one or two fixed lines left out (a title, a heading, a
  notice), or, when the page has none to spare, a label with its value.
- ``rearranged``: two sections in another order, or the labels of a form in
  another order.
- ``other_typography``: another template's fonts and sizes with this template's
  wording (a counterfeiter matching the typography by eye).

Deterministic in the seed; blocking, CPU. Used by ``models.eval.layout`` only:
nothing trains on these.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from models.doctypes import DocumentType
from tools.docgen import TEMPLATES_PER_TYPE
from tools.docgen.capture import capture
from tools.docgen.content import Block, Box, Doc, Form, Gap, Rule, Seg, Text
from tools.docgen.render import render, to_bgr
from tools.docgen.specs import build

KINDS: tuple[str, ...] = ("reworded", "missing_text", "rearranged", "other_typography")
CAMERA_QUALITY = (85, 96)  # as tools.tampergen: a phone camera's or scanner's JPEG

# Wordings a counterfeiter reaches for; both directions are used.
_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("Surname", "Last Name"),
    ("Forenames", "First Names"),
    ("Date of Birth", "Birth Date"),
    ("Place of Birth", "Birthplace"),
    ("Date of Expiry", "Expires"),
    ("Date of Issue", "Issued"),
    ("Nationality", "Citizenship"),
    ("Sex", "Gender"),
    ("Address", "Residence"),
    ("Account", "Acct"),
    ("Amount", "Total"),
    ("Statement", "Summary"),
    ("Employer", "Company"),
    ("REPUBLIC OF BOTSWANA", "BOTSWANA REPUBLIC"),
    ("Certificate", "Certification"),
    ("Registration", "Register"),
)


class NotApplicable(ValueError):
    """The page offers nothing this kind of mistake can change."""


# Styles of the lines a template prints the same on every document of its kind; body lines
# without a field may still carry a value the generator did not mark (an issuer's address).
_FIXED_STYLES = frozenset({"band", "title", "subtitle", "heading", "bold"})


def _fixed_text(block: Block) -> bool:
    """A printed line with no variable value in it (a title, a heading, a caption)."""
    return (
        isinstance(block, Text)
        and block.style in _FIXED_STYLES
        and all(s.field is None for s in block.segs)
        and len(block.text) >= 4
    )


def _misspelt(text: str, rng: random.Random) -> str:
    words = [i for i, w in enumerate(text.split(" ")) if sum(c.isalpha() for c in w) >= 4]
    if not words:
        raise NotApplicable("no word to misspell")
    parts = text.split(" ")
    i = words[rng.randrange(len(words))]
    w = parts[i]
    j = rng.randrange(1, len(w) - 1)
    how = rng.randrange(3)
    if how == 0:  # a letter dropped
        w = w[:j] + w[j + 1 :]
    elif how == 1:  # two letters swapped
        w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
    else:  # a letter doubled
        w = w[:j] + w[j] + w[j:]
    parts[i] = w
    return " ".join(parts)


def _reword(text: str, rng: random.Random) -> str:
    for a, b in _SYNONYMS:
        for src, dst in ((a, b), (b, a)):
            for s, d in ((src, dst), (src.upper(), dst.upper())):
                if s in text and rng.random() < 0.7:
                    return text.replace(s, d, 1)
    return _misspelt(text, rng)


def reworded(doc: Doc, rng: random.Random) -> dict[str, Any]:
    """One to three fixed texts worded otherwise."""
    spots: list[tuple[list[Block], int, int | None]] = []  # (section, block, form item)
    for section in (doc.header, doc.body, doc.footer):
        for bi, block in enumerate(section):
            if _fixed_text(block):
                spots.append((section, bi, None))
            elif isinstance(block, Form):
                spots.extend((section, bi, k) for k in range(len(block.items)))
    if not spots:
        raise NotApplicable("no fixed text")
    changed = []
    for section, bi, k in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
        block = section[bi]
        if k is None:
            assert isinstance(block, Text)
            new = _reword(block.text, rng)
            section[bi] = dataclasses.replace(block, segs=(Seg(new),))
            changed.append([block.text, new])
        else:
            assert isinstance(block, Form)
            label, seg = block.items[k]
            new = _reword(label, rng)
            items = list(block.items)
            items[k] = (new, seg)
            section[bi] = dataclasses.replace(block, items=tuple(items))
            changed.append([label, new])
    return {"changed": changed}


def missing_text(doc: Doc, rng: random.Random) -> dict[str, Any]:
    """One or two fixed lines (or notices) left out; else a label with its value."""
    spots = [
        (section, bi)
        for section in (doc.header, doc.body, doc.footer)
        for bi, block in enumerate(section)
        if _fixed_text(block) or isinstance(block, Box)
    ]
    if spots:
        picked = rng.sample(spots, min(len(spots), rng.randint(1, 2)))
        removed = []
        # delete from the end so that earlier indices stay valid
        for section, bi in sorted(picked, key=lambda s: -s[1]):
            block = section.pop(bi)
            removed.append(block.text if isinstance(block, Text) else type(block).__name__)
        return {"removed": removed}
    forms = [
        (section, bi)
        for section in (doc.header, doc.body)
        for bi, b in enumerate(section)
        if isinstance(b, Form) and len(b.items) >= 3
    ]
    if not forms:
        raise NotApplicable("nothing to leave out")
    section, bi = forms[rng.randrange(len(forms))]
    form = section[bi]
    assert isinstance(form, Form)
    k = rng.randrange(len(form.items))
    section[bi] = dataclasses.replace(form, items=form.items[:k] + form.items[k + 1 :])
    return {"removed": [form.items[k][0]]}


def rearranged(doc: Doc, rng: random.Random) -> dict[str, Any]:
    """Two sections of the body swapped, or a form's labels in another order."""
    movable = [i for i, b in enumerate(doc.body) if not isinstance(b, Gap | Rule)]
    if len(movable) >= 3 and rng.random() < 0.5:
        i, j = sorted(rng.sample(movable, 2))
        doc.body[i], doc.body[j] = doc.body[j], doc.body[i]
        return {"swapped": [i, j]}
    forms = [
        (section, bi)
        for section in (doc.header, doc.body)
        for bi, b in enumerate(section)
        if isinstance(b, Form) and len(b.items) >= 3
    ]
    if forms:
        section, bi = forms[rng.randrange(len(forms))]
        form = section[bi]
        assert isinstance(form, Form)
        order = list(range(len(form.items)))
        while order == sorted(order):
            rng.shuffle(order)
        section[bi] = dataclasses.replace(form, items=tuple(form.items[k] for k in order))
        return {"formOrder": order}
    if len(movable) >= 2:
        i, j = sorted(rng.sample(movable, 2))
        doc.body[i], doc.body[j] = doc.body[j], doc.body[i]
        return {"swapped": [i, j]}
    raise NotApplicable("nothing to rearrange")


def other_typography(
    doc: Doc, rng: random.Random, seed: int, doc_type: DocumentType, template: int
) -> dict[str, Any]:
    """Another template's fonts and sizes; this template's colours, wording and order."""
    other = (template + rng.randrange(1, TEMPLATES_PER_TYPE)) % TEMPLATES_PER_TYPE
    theirs = build(seed, doc_type, other).theme
    mine = doc.theme
    doc.theme = dataclasses.replace(
        doc.theme,
        font=theirs.font,
        bold=theirs.bold,
        title_font=theirs.title_font,
        body=theirs.body,
        label=theirs.label,
        title=theirs.title,
        upper_labels=theirs.upper_labels,
    )
    if doc.theme == mine:
        raise NotApplicable("the templates share their typography")
    return {"typographyOf": other}


MISTAKES: dict[str, Callable[[Doc, random.Random], dict[str, Any]]] = {
    "reworded": reworded,
    "missing_text": missing_text,
    "rearranged": rearranged,
}


def counterfeit_doc(
    seed: int, doc_type: DocumentType, template: int, kind: str
) -> tuple[Doc, dict[str, Any]]:
    """The content of a counterfeit of ``kind`` (nothing rendered: cheap), and what was
    changed. Raises :class:`NotApplicable` when the page offers nothing for ``kind``."""
    doc = build(seed, doc_type, template)
    rng = random.Random(f"counterfeit/{seed}/{doc_type.value}/{template}/{kind}")  # noqa: S311
    if kind == "other_typography":
        details = other_typography(doc, rng, seed, doc_type, template)
    else:
        details = MISTAKES[kind](doc, rng)
    return doc, {"kind": kind, **details}


def counterfeit(
    seed: int, doc_type: DocumentType, template: int, condition: str, kind: str
) -> tuple[bytes, dict[str, Any]]:
    """A counterfeit of ``kind`` of the document ``(seed, doc_type, template)`` captured under
    ``condition``, as the JPEG its camera would upload, and what was changed. Raises
    :class:`NotApplicable` when the page offers nothing for this kind to change."""
    doc, details = counterfeit_doc(seed, doc_type, template, kind)
    page = render(doc, seed)
    nprng = np.random.default_rng([seed, KINDS.index(kind), template])
    image, _ = capture(to_bgr(page.image), condition, doc.kind, nprng)
    quality = int(nprng.integers(*CAMERA_QUALITY))
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(buf.tobytes()), details

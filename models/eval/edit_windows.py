"""Where the local-edit detector loses a forgery: the window or the page?

``python -m models.eval.edit_windows [--per-kind 40]`` (about 3 minutes of CPU; no
services, the model ``make up`` trained).

The page's evidence (:func:`models.fraud.edits.page_evidence`) is its highest-scoring
place. A forgery can be missed in two ways: its edited windows look untouched (the
window classifier fails), or they look edited but other, untouched windows of the same
page look more so (the page's maximum hides them). The remedies differ (better window
features against better hard negatives or pooling), so this measures which one it is,
per attack, on development seeds 4,000,000+ (nothing of the main evaluation's seeds):

- window AUC: the best edited window of each forgery (at least
  :data:`models.fraud.train_edits.POSITIVE_OVERLAP` of it inside the edit) against
  untouched windows of genuine uploads, all of them and those holding print (less
  than :data:`PRINT_FLAT` paper), which is what most edits cover;
- page AUC: the page evidence against that of genuine uploads (what ``make
  eval-fraud`` reports);
- outranked: how many untouched windows of the forgery's own page score above its best
  edited window (median; and the share of forgeries where none does), and how much
  paper (flat, ink-free pixels) those windows hold against the page's untouched windows:
  little paper means print (text, digits) is what outranks the edit.

Pure measurement: no model is trained or tuned here. Deterministic for a given model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from models.eval.fraud import auc
from models.fraud import edits, tamper
from models.fraud.train_edits import KINDS, POSITIVE_OVERLAP, _region_share
from tools.tampergen import iter_set

SEED0 = 4_000_000
#: Column of :func:`models.fraud.edits.window_features` holding the window's share of flat
#: (ink-free) pixels: the second per-cell map, pooled by mean.
FLAT_SHARE = 1
NEGATIVE_WINDOWS_PER_PAGE = 200
#: A window with less paper than this share holds print (text, digits, lines).
PRINT_FLAT = 0.5

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class PageWindows:
    """One upload: its page evidence, and its inner windows' log-odds, edited share and
    flat share (the border windows the page evidence never reads are left out)."""

    kind: str
    evidence: float
    logits: FloatArray
    share: FloatArray
    flat: FloatArray

    @classmethod
    def of(cls, kind: str, logits: FloatArray, share: FloatArray, flat: FloatArray) -> PageWindows:
        b = edits.BORDER_WINDOWS
        inner = (slice(b, logits.shape[0] - b), slice(b, logits.shape[1] - b))
        evidence, _ = edits.page_evidence(logits)
        return cls(kind, evidence, logits[inner], share[inner], flat[inner])

    @property
    def best_edited(self) -> float | None:
        """The highest log-odds of an edited window; None when no window is edited enough
        to count (an edit smaller than the overlap rule)."""
        edited = self.share >= POSITIVE_OVERLAP
        return float(self.logits[edited].max()) if edited.any() else None


def outranking(page: PageWindows) -> tuple[int, float, float] | None:
    """For a forgery: (untouched windows scoring above its best edited window, their median
    flat share (NaN when none), the median flat share of all its untouched windows); None
    when no window is edited enough to count."""
    best = page.best_edited
    if best is None:
        return None
    untouched = page.share == 0
    above = untouched & (page.logits > best)
    flat_above = float(np.median(page.flat[above])) if above.any() else float("nan")
    return int(above.sum()), flat_above, float(np.median(page.flat[untouched]))


def summarise(pages: list[PageWindows], rng: np.random.Generator) -> dict[str, Any]:
    """The module docstring's figures per attack kind (``rng`` samples the genuine
    windows)."""
    genuine = [p for p in pages if p.kind == "genuine"]
    neg_windows: list[float] = []
    neg_print: list[float] = []
    for p in genuine:
        logits, paper = p.logits.ravel(), p.flat.ravel()
        take = rng.choice(logits.size, min(logits.size, NEGATIVE_WINDOWS_PER_PAGE), replace=False)
        neg_windows += [float(v) for v in logits[take]]
        neg_print += [
            float(v) for v, f in zip(logits[take], paper[take], strict=True) if f < PRINT_FLAT
        ]
    neg_pages = [p.evidence for p in genuine]
    out: dict[str, Any] = {}
    for kind in sorted({p.kind for p in pages} - {"genuine"}):
        mine = [p for p in pages if p.kind == kind]
        counted = [(p, r) for p in mine if (r := outranking(p)) is not None]
        best = [b for p, _ in counted if (b := p.best_edited) is not None]
        above = [r[0] for _, r in counted]
        flat_above = [r[1] for _, r in counted if r[0] > 0]
        out[kind] = {
            "n": len(mine),
            "withEditedWindow": len(counted),
            "windowAuc": auc(best, neg_windows),
            "windowAucPrint": auc(best, neg_print),
            "pageAuc": auc([p.evidence for p in mine], neg_pages),
            "outrankedMedian": float(np.median(above)) if above else None,
            "topOfPage": sum(a == 0 for a in above) / len(above) if above else None,
            "flatShareOutranking": float(np.median(flat_above)) if flat_above else None,
            "flatShareUntouched": float(np.median([r[2] for _, r in counted])) if counted else None,
        }
    return {
        "genuine": len(genuine),
        "genuineWindows": len(neg_windows),
        "genuinePrintWindows": len(neg_print),
        "perKind": out,
    }


def collect(per_kind: int, genuine: int, model: edits.EditModel) -> list[PageWindows]:
    """Generate the uploads (development seeds) and score their windows. Blocking, CPU."""
    pages: list[PageWindows] = []
    plan = [("genuine", genuine)] + [(k, per_kind) for k in KINDS]
    for kind, n in plan:
        for _, _, upload in iter_set(n, SEED0, (kind,)):
            img = tamper.load_image(upload.image_bytes)
            feats = tamper.edit_features(img)
            logits = model.window_logits(feats)
            share = np.asarray(_region_share(img.bgr.shape[:2], upload.regions), np.float32)
            flat = np.asarray(feats[..., FLAT_SHARE], np.float32)
            pages.append(PageWindows.of(kind, logits, share, flat))
    return pages


def report(res: dict[str, Any], command: str, seconds: float) -> str:
    """The figures as Markdown."""
    lines = [
        f"`{command}` ({seconds:.0f} s; development seeds {SEED0:,}+; {res['genuine']} genuine"
        f" uploads, {res['genuineWindows']} of their windows,"
        f" {res['genuinePrintWindows']} of them on print)",
        "",
        "| attack | n | window AUC | vs print windows | page AUC"
        " | untouched windows above the edit (median) | edit tops its page"
        " | paper in those windows | paper in untouched windows |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def f(v: float | None, fmt: str = ".3f") -> str:
        return "" if v is None else format(v, fmt)

    for kind, r in res["perKind"].items():
        lines.append(
            f"| {kind} | {r['n']} | {f(r['windowAuc'])} | {f(r['windowAucPrint'])}"
            f" | {f(r['pageAuc'])}"
            f" | {f(r['outrankedMedian'], '.0f')} | {f(r['topOfPage'], '.2f')}"
            f" | {f(r['flatShareOutranking'], '.2f')} | {f(r['flatShareUntouched'], '.2f')} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=40)
    parser.add_argument("--genuine", type=int, default=80)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    pages = collect(args.per_kind, args.genuine, edits.load_installed())
    res = summarise(pages, np.random.default_rng(0))
    command = "python -m models.eval.edit_windows " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    print(report(res, command.strip(), time.perf_counter() - t0))
    if args.json:
        print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

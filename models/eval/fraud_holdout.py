"""The tampering signals against a forger they were not built or trained on.

``models.eval.fraud`` measures the signals on ``tools.tampergen``'s forgeries, the same
forger the learned detector (:mod:`models.fraud.edits`) was trained on (other seeds).
This command measures them on :mod:`tools.holdout_forger`, written apart, with other
tools (inpainting, Poisson cloning, Hershey fonts, Pillow's encoder), and one edit the
training never saw (a field erased)::

    python -m models.eval.fraud_holdout --per-kind 60 --controls 200 --out out/eval-fraud-holdout

Negatives are *controls*: the same genuine uploads opened and saved by the same editor
with no edit (:func:`tools.holdout_forger.resaved`), so that a signal scores the edit,
not the encoder. Seeds from :data:`SEED0` (6,000,000+), used by nothing else.

Each upload goes through :func:`models.eval.fraud.analyse` (every pixel signal,
in process, no services needed) with the face detector's portrait box, then the default
risk policy. Reported per attack: ROC AUC and detection at 1% false positives of the
learned detector alone, of the maximum of the signals relevant to the closest
``tools.tampergen`` attack (:data:`AS_TAMPERGEN`), and of the risk score; the share the
policy does not approve. On the controls: the share with any reason code and not
approved. Blocking, CPU: about 0.7 s per upload on this machine (5 minutes for the default set).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from models.eval.fraud import (
    LEARNED,
    RELEVANT,
    analyse,
    auc,
    auc_interval,
    detection_at_fpr,
    portrait_box,
    upload_row,
)
from models.face.detect import FaceModels
from models.fraud.score import RiskPolicy, score
from tools.holdout_forger import KINDS, iter_set
from tools.tampergen import PHOTO_CONDITIONS

SEED0 = 6_000_000
CONTROL = "resaved"
#: The ``tools.tampergen`` attack each hold-out attack is closest to: its relevant
#: signals (``models.eval.fraud.RELEVANT``) are the ones this attack is scored with.
AS_TAMPERGEN: dict[str, str] = {
    "inpaint_retype": "retype",
    "erase_field": "retype",
    "clone_digits": "copy_move",
    "poisson_splice": "splice",
}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's figures from per-upload rows (``kind``, ``scores``, ``risk``,
    ``decision``, ``triggered``, ``details``). Pure."""
    neg = [r for r in rows if r["kind"] == CONTROL]
    per_attack: dict[str, Any] = {}
    for kind, like in AS_TAMPERGEN.items():
        pos = [r for r in rows if r["kind"] == kind]
        if not pos:
            continue
        names = RELEVANT[like]

        def top(r: dict[str, Any], names: tuple[str, ...] = names) -> float:
            return float(max(r["scores"].get(n, 0.0) for n in names))

        pairs = {
            "learned": (
                [r["scores"].get(LEARNED, 0.0) for r in pos],
                [r["scores"].get(LEARNED, 0.0) for r in neg],
            ),
            "signal": ([top(r) for r in pos], [top(r) for r in neg]),
            "risk": ([r["risk"] for r in pos], [r["risk"] for r in neg]),
        }
        entry: dict[str, Any] = {"n": len(pos), "signals": list(names)}
        for what, (p, n) in pairs.items():
            entry[f"auc_{what}"] = auc(p, n)
            entry[f"det1pct_{what}"] = detection_at_fpr(p, n)
        entry["auc_learned_interval"] = auc_interval(*pairs["learned"])
        entry["learnedOverCut"] = float(np.mean([LEARNED in r["triggeredSignals"] for r in pos]))
        entry["notApproved"] = float(np.mean([r["decision"] != "approve" for r in pos]))
        careful = [r for r in pos if r["details"].get("careful") is True]
        if careful:
            entry["aucLearnedCareful"] = auc(
                [r["scores"].get(LEARNED, 0.0) for r in careful], pairs["learned"][1]
            )
        per_attack[kind] = entry
    codes: Counter[str] = Counter(c for r in neg for c in r["triggered"])
    return {
        "perAttack": per_attack,
        "controls": {
            "n": len(neg),
            "anyReason": float(np.mean([bool(r["triggered"]) for r in neg])) if neg else None,
            "learnedOverCut": float(np.mean([LEARNED in r["triggeredSignals"] for r in neg]))
            if neg
            else None,
            "notApproved": float(np.mean([r["decision"] != "approve" for r in neg]))
            if neg
            else None,
            "byReason": dict(sorted(codes.items())),
        },
    }


def report(summary: dict[str, Any], command: str, seconds: float) -> str:
    """Markdown of :func:`summarise`'s figures."""
    c = summary["controls"]
    lines = [
        f"# Fraud signals against the hold-out forger (seeds {SEED0:,}+)",
        "",
        "| attack | n | AUC learned (95% bootstrap interval) | det@1% learned | AUC max relevant "
        "| det@1% max relevant | AUC risk | learned over its cut | not approved |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, e in summary["perAttack"].items():
        lo, hi = e.get("auc_learned_interval") or (float("nan"), float("nan"))
        lines.append(
            f"| {kind} | {e['n']} | {e['auc_learned']:.3f} ({lo:.3f}–{hi:.3f}) | "
            f"{e['det1pct_learned']:.2f} | "
            f"{e['auc_signal']:.3f} | {e['det1pct_signal']:.2f} | {e['auc_risk']:.3f} | "
            f"{e['learnedOverCut']:.2f} | {e['notApproved']:.2f} |"
        )
    lines += [
        "",
        f"Controls (re-saved, untouched): {c['n']}; any reason code {c['anyReason']:.3f}; "
        f"`{LEARNED}` over its cut {c['learnedOverCut']:.3f}; not approved "
        f"{c['notApproved']:.3f}; by reason {c['byReason']}",
        "",
        f"{seconds:.0f} s. reproduce: {command}",
    ]
    return "\n".join(lines)


def run(per_kind: int, controls: int) -> list[dict[str, Any]]:
    """Make and score the set; one row per upload. Blocking, CPU."""
    faces = FaceModels.load()
    policy = RiskPolicy()
    rows: list[dict[str, Any]] = []
    plan = [(CONTROL, controls)] + [(k, per_kind) for k in KINDS if k != CONTROL]
    for kind, n in plan:
        for i, (_, sample, upload) in enumerate(iter_set(n, SEED0, (kind,))):
            box = portrait_box(faces, upload.image_bytes) if sample.portrait_box else None
            signals, _ = analyse(upload.image_bytes, box, sample.condition in PHOTO_CONDITIONS)
            risk = score(signals, policy)
            rows.append(
                {
                    **upload_row(kind, sample, signals, risk),
                    "triggeredSignals": sorted(s.name for s in signals if s.triggered),
                    "details": upload.details,
                }
            )
            print(
                f"  {kind:15s} {i + 1}/{n} {sample.condition:12s} "
                f"{LEARNED} {rows[-1]['scores'].get(LEARNED, 0.0):.3f} risk {risk.score:5.1f}",
                file=sys.stderr,
                flush=True,
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--per-kind", type=int, default=60)
    ap.add_argument("--controls", type=int, default=200)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    command = (
        f"python -m models.eval.fraud_holdout --per-kind {args.per_kind} "
        f"--controls {args.controls}" + (f" --out {args.out}" if args.out else "")
    )
    t0 = time.time()
    rows = run(args.per_kind, args.controls)
    summary = summarise(rows)
    text = report(summary, command, time.time() - t0)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps({**summary, "rows": rows}, indent=1))
        (args.out / "report.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

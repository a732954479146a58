"""Evaluate the template-layout check: ``python -m models.eval.layout``.

Genuine uploads of every template of every document type (``--per-template``
each, every capture condition) and counterfeits made from scratch
(``tools.counterfeit``: ``--per-kind`` of each kind of layout mistake, every
type, template and condition), read by the production OCR in process (no
services; readings cached in ``--readings``, by default
``out/layout/readings-SEED.jsonl`` whatever ``--out`` is) and checked against the
shipped profiles (``models/fraud/layout_profiles.json``).

Reports, per kind of counterfeit: ROC AUC of the layout score against the
genuine uploads (95% bootstrap interval), the share flagged at the signal's
threshold and at the score that flags 1% of genuine uploads; and the genuine
uploads flagged per capture condition (with 95% Wilson upper bounds) and the
share the check could not judge (not applicable). ``--dev`` runs on the
development seeds the constants of ``models.fraud.layout`` were set on;
without it, on evaluation seeds nothing was fitted or tuned on.

Blocking, CPU: about a second of OCR per upload on 2 cores (the defaults: about
8 minutes cold, seconds with the readings cached).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from models.doctypes import DocumentType
from models.eval.fraud import auc, auc_interval, detection_at_fpr
from models.eval.fraud_genuine import wilson_upper
from models.fraud.layout import LAYOUT_THRESHOLD, PROFILES_FILE, check, load_profiles
from models.fraud.layout_data import Job, Read, read_uploads
from models.fraud.train_layout import DEV_SEED0, TYPES, genuine_jobs
from tools.counterfeit import KINDS, NotApplicable, counterfeit, counterfeit_doc
from tools.docgen import CONDITIONS, TEMPLATES_PER_TYPE

EVAL_SEED0 = 5_700_000
#: Where the OCR readings are cached by default: beside ``make train-layout``'s, and not in
#: the report directory, so that ``--out NEW_DIR`` reuses them.
READINGS_DIR = Path("out/layout")
COUNTERFEIT_OFFSET = 500_000  # counterfeits start this far above the genuine seeds


def counterfeit_jobs(seed0: int, per_kind: int, condition: str | None = None) -> Iterator[Job]:
    """``per_kind`` counterfeits of each kind of the types with layout profiles (``TYPES``),
    types, templates and conditions (or only ``condition``) in turn, seed ``seed0 + 1000 *
    kind + i`` (a seed the kind cannot change is passed over). A job renders its page only
    when asked for its bytes (a cached reading needs none). Deterministic."""
    for ki, kind in enumerate(KINDS):
        made, i = 0, 0
        while made < per_kind and i < per_kind * 4:
            doc_type = TYPES[(made + ki) % len(TYPES)]
            template = (made + i) % TEMPLATES_PER_TYPE
            cond = condition or CONDITIONS[(made + ki) % len(CONDITIONS)]
            seed = seed0 + 1000 * ki + i
            i += 1
            try:  # the content only: the page is rendered when its reading is not cached
                counterfeit_doc(seed, doc_type, template, kind)
            except NotApplicable:
                continue
            made += 1
            yield Job(
                f"{kind}/{doc_type.value}/{template}/{seed}/{cond}",
                doc_type,
                template,
                cond,
                kind,
                functools.partial(_upload, seed, doc_type, template, cond, kind),
            )


def _upload(seed: int, doc_type: DocumentType, template: int, cond: str, kind: str) -> bytes:
    return counterfeit(seed, doc_type, template, cond, kind)[0]


def evaluate(reads: list[Read], profiles_path: Path = PROFILES_FILE) -> dict[str, Any]:
    """The figures of the module docstring from readings."""
    profiles = load_profiles(profiles_path)
    rows = []
    ms: list[float] = []
    for r in reads:
        t = time.perf_counter()
        sig = check(r.page, profiles.get(r.doc_type.value, ()))
        ms.append(1000 * (time.perf_counter() - t))
        rows.append(
            {
                "kind": r.kind,
                "docType": r.doc_type.value,
                "template": r.template,
                "condition": r.condition,
                "score": sig.score,
                "applicable": sig.applicable,
                "triggered": sig.triggered,
                "details": sig.to_dict()["details"],
            }
        )
    genuine = [x for x in rows if x["kind"] == "genuine"]
    neg = [x["score"] for x in genuine]
    per_kind: dict[str, Any] = {}
    for kind in KINDS:
        mine = [x for x in rows if x["kind"] == kind]
        pos = [x["score"] for x in mine]
        if not pos:
            continue
        per_kind[kind] = {
            "n": len(pos),
            "auc": auc(pos, neg),
            "aucInterval": auc_interval(pos, neg),
            "flagged": sum(x["triggered"] for x in mine) / len(mine),
            "detAt1pctFpr": detection_at_fpr(pos, neg),
            "notApplicable": sum(not x["applicable"] for x in mine) / len(mine),
        }
    by_cond: dict[str, Any] = {}
    for cond in CONDITIONS:
        mine = [x for x in genuine if x["condition"] == cond]
        if mine:
            k = sum(x["triggered"] for x in mine)
            by_cond[cond] = {
                "n": len(mine),
                "flagged": k,
                "upper95": wilson_upper(k, len(mine)),
                "notApplicable": sum(not x["applicable"] for x in mine),
            }
    k = sum(x["triggered"] for x in genuine)
    by_type = Counter(x["docType"] for x in genuine if x["triggered"])
    return {
        "perKind": per_kind,
        "genuine": {
            "n": len(genuine),
            "flagged": k,
            "upper95": wilson_upper(k, len(genuine)) if genuine else None,
            "notApplicable": sum(not x["applicable"] for x in genuine),
            "byCondition": by_cond,
            "flaggedByType": dict(by_type),
        },
        "msPerCheck": {"median": _quantile(ms, 0.5), "p95": _quantile(ms, 0.95)},
        "rows": rows,
    }


def _quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def report(res: dict[str, Any], command: str, seconds: float) -> str:
    """Markdown tables of :func:`evaluate`'s figures."""
    g = res["genuine"]
    out = [
        f"`{command}` ({seconds:.0f} s)\n",
        f"Threshold {LAYOUT_THRESHOLD}. Genuine uploads: {g['n']}, flagged {g['flagged']} "
        f"({g['flagged'] / max(1, g['n']):.1%}, 95% upper bound {g['upper95'] or 0:.1%}), "
        f"not applicable {g['notApplicable']}. The check itself (OCR done): median "
        f"{res['msPerCheck']['median']:.2f} ms, p95 {res['msPerCheck']['p95']:.2f} ms a page.\n",
        "| counterfeit | n | AUC | 95% interval | flagged at threshold | det@1%FPR "
        "| not applicable |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for kind, f in res["perKind"].items():
        lo, hi = f["aucInterval"] or (float("nan"), float("nan"))
        out.append(
            f"| {kind} | {f['n']} | {f['auc']:.3f} | {lo:.3f}–{hi:.3f} | {f['flagged']:.3f} | "
            f"{f['detAt1pctFpr']:.3f} | {f['notApplicable']:.3f} |"
        )
    out += [
        "",
        "| genuine, condition | n | flagged | 95% upper bound | not applicable |",
        "|---|---:|---:|---:|---:|",
    ]
    for cond, f in g["byCondition"].items():
        out.append(
            f"| {cond} | {f['n']} | {f['flagged']} | {f['upper95']:.1%} | {f['notApplicable']} |"
        )
    if g["flaggedByType"]:
        out.append(
            "\nGenuine uploads flagged, by type: "
            + ", ".join(f"{t} {n}" for t, n in sorted(g["flaggedByType"].items()))
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-template", type=int, default=10, help="genuine uploads per template")
    parser.add_argument("--per-kind", type=int, default=48, help="counterfeits per kind")
    parser.add_argument(
        "--dev", action="store_true", help="development seeds (tuning), not evaluation"
    )
    parser.add_argument(
        "--readings",
        type=Path,
        default=None,
        help="OCR readings cache (default: out/layout/readings-SEED.jsonl, shared by every"
        " --out, so a new report directory does not repeat the OCR)",
    )
    parser.add_argument(
        "--condition",
        choices=CONDITIONS,
        default=None,
        help="every upload under this capture condition (default: all, in turn)",
    )
    parser.add_argument("--profiles", type=Path, default=PROFILES_FILE)
    parser.add_argument("--out", type=Path, default=Path("out/eval-layout"))
    args = parser.parse_args(argv)
    seed0 = DEV_SEED0 if args.dev else EVAL_SEED0
    args.out.mkdir(parents=True, exist_ok=True)
    readings = args.readings or READINGS_DIR / f"readings-{seed0}.jsonl"
    readings.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    jobs = [
        *genuine_jobs(seed0, args.per_template, condition=args.condition),
        *counterfeit_jobs(seed0 + COUNTERFEIT_OFFSET, args.per_kind, args.condition),
    ]
    reads = list(read_uploads(jobs, readings))
    res = evaluate(reads, args.profiles)
    seconds = time.perf_counter() - t0
    command = "python -m models.eval.layout " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(res, command, seconds)
    (args.out / "report.md").write_text(text)
    (args.out / "results.json").write_text(
        json.dumps({"command": command, "seconds": seconds, **res}, indent=1)
    )
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

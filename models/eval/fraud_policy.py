"""Risk policies compared on a labelled tampering set: decisions and risk AUC per kind.

``make eval-fraud-policy`` (``python -m models.eval.fraud_policy``) analyses the
tampering set on the *development* seeds (:data:`DEV_SEED0`, 4,000,000+; the
evaluation seeds of ``make eval-fraud`` stay unseen while a policy is tuned),
without Triton (pixel and file signals; no extraction checks), and scores every
upload under each policy: the one the default replaced (:data:`PREVIOUS`), the
default, and optionally a candidate (``--policy FILE``: a ``PUT /risk-policy``
body). ``--rows results.json`` re-scores the stored rows of an earlier run
instead (``make eval-fraud --out``, rows with ``signals``), in seconds.

Per kind it prints how many uploads each policy does not approve and declines,
and the ROC AUC of the risk score against the genuine uploads (and against
every untouched upload: genuine plus re-encoded). Re-scoring is exact
(:mod:`models.fraud.whatif`): the signals are measured once.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from models.eval.fraud import auc, tampering
from models.fraud.score import DEFAULT_WEIGHTS, RiskPolicy, policy_from_body
from models.fraud.whatif import rescore

DEV_SEED0 = 4_000_000
# The default before graded evidence (fraud-2026.3): no graded evidence, double JPEG at 45.
# (fraud-2026.5 only adds the template layout, which a pixel forgery does not change.)
PREVIOUS = RiskPolicy(
    version="fraud-2026.3",
    weights={**DEFAULT_WEIGHTS, "double_compression": 45.0},
    graded=(),
    graded_share=0.0,
)
UNTOUCHED = ("genuine", "recompressed")


def compare(rows: list[dict[str, Any]], policies: list[RiskPolicy]) -> dict[str, Any]:
    """Per kind and policy: ``n``, ``notApproved``, ``declined`` (counts), ``aucRisk``
    (against genuine uploads) and ``aucRiskVsUntouched``; attacks only for the AUCs."""
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    out: dict[str, Any] = {}
    for policy in policies:
        risks: dict[str, list[Any]] = {k: [] for k in kinds}
        for r in rows:
            risks[r["kind"]].append(rescore({"documents": [{"signals": r["signals"]}]}, policy))
        gen = [x.score for x in risks.get("genuine", [])]
        untouched = gen + [x.score for x in risks.get("recompressed", [])]
        per: dict[str, Any] = {}
        for kind, got in risks.items():
            entry: dict[str, Any] = {
                "n": len(got),
                "notApproved": sum(x.decision != "approve" for x in got),
                "declined": sum(x.decision == "decline" for x in got),
            }
            if kind not in UNTOUCHED and gen:
                scores = [x.score for x in got]
                entry["aucRisk"] = auc(scores, gen)
                entry["aucRiskVsUntouched"] = auc(scores, untouched)
            per[kind] = entry
        out[policy.version] = per
    return out


def report(res: dict[str, Any], command: str) -> str:
    versions = list(res)
    kinds = list(res[versions[0]])
    head = " | ".join(
        f"{v}: not approved / declined | {v}: AUC risk (vs untouched)" for v in versions
    )
    lines = [
        f"Reproduce: `{command}`",
        "",
        f"| kind | n | {head} |",
        "|---|---:|" + "---:|---:|" * len(versions),
    ]
    for kind in kinds:
        cells = []
        for v in versions:
            e = res[v][kind]
            cells.append(f"{e['notApproved']} / {e['declined']}")
            if "aucRisk" in e:
                cells.append(f"{e['aucRisk']:.3f} ({e['aucRiskVsUntouched']:.3f})")
            else:
                cells.append("")
        lines.append(f"| {kind} | {res[versions[0]][kind]['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rows", type=Path, default=None, help="a stored results.json to re-score")
    ap.add_argument("--per-kind", type=int, default=40)
    ap.add_argument("--genuine", type=int, default=120)
    ap.add_argument("--recompressed", type=int, default=60)
    ap.add_argument("--policy", type=Path, default=None, help="a candidate: PUT body JSON")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.rows is not None:
        rows = json.loads(args.rows.read_text())["tampering"]["rows"]
        if not rows or "signals" not in rows[0]:
            print(f"{args.rows}: rows without signals (made before they were stored)")
            return 2
    else:
        rows = tampering(args.per_kind, args.genuine, args.recompressed, None, DEV_SEED0)["rows"]
    policies = [PREVIOUS, RiskPolicy()]
    if args.policy is not None:
        policies.append(policy_from_body(json.loads(args.policy.read_text()), "candidate"))
    res = compare(rows, policies)
    given = sys.argv[1:] if argv is None else argv
    text = report(res, " ".join(["python -m models.eval.fraud_policy", *given]))
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps({"policies": res, "rows": rows}))
        (args.out / "report.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

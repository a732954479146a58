"""Evaluate the fraud signals on the generated tampering set, document reuse and face reuse.

    python -m models.eval.fraud [--out DIR] [--per-kind N] [--genuine N]

The set (``tools.tampergen.iter_set``, seeds from ``EVAL_SEED0``; the
thresholds were set on other seeds): ``--per-kind`` uploads of every attack
and ``--genuine`` untouched uploads across all capture conditions. Each
upload goes through :func:`models.fraud.tamper.analyse_image` (with the
document's portrait box when the geometry is unchanged) and
:func:`models.fraud.forensics.image_metadata`, then the default
:func:`models.fraud.score.score`.

Reported (Markdown on stdout, ``results.json`` in ``--out``):

- per attack: ROC AUC against the genuine uploads of the relevant signals
  (their maximum, :data:`RELEVANT`) and of the combined risk score, and the
  detection rate at the score that flags 1% of genuine uploads;
- false-positive rate of every reason code on genuine uploads, overall and
  on phone photos; the share of genuine uploads the policy sends to review
  or declines;
- document reuse: the same document re-captured (scan against phone, jpeg,
  shadow, low light) vs other people's documents of the same type and
  template, precision and recall of ``hashing.same_document``;
- face reuse: real photos (``tools.facedata.real_faces``: 4 identities, 6
  photos) stored with generated distractor vectors in ``search.FaceIndex``;
  queries are re-captures of each photo (re-encoded, rescaled, darker,
  blurred) and the other photos of the same person;
- milliseconds per document of each signal on this CPU.

Minutes: about 2-4 s per upload on 2 shared cores (generation dominates).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from models.doctypes import DocumentType
from models.fraud import forensics, hashing, tamper
from models.fraud.score import RiskPolicy, score
from models.fraud.search import SAME_PERSON_DISTANCE, FaceIndex
from models.fraud.signal import Signal
from tools.docgen import generate
from tools.tampergen import KINDS, PHOTO_CONDITIONS, SUBMITTED_AT, iter_set

EVAL_SEED0 = 5_000_000
GEOMETRY_KEPT = frozenset(KINDS) - {"screen_recapture", "print_recapture"}
RELEVANT: dict[str, tuple[str, ...]] = {
    "retype": ("double_compression", "error_level", "noise_inconsistency", "font_inconsistency"),
    "copy_move": ("copy_move",),
    "portrait_swap": ("portrait_substitution",),
    "splice": ("splice", "noise_inconsistency", "double_compression", "error_level"),
    "screen_recapture": ("screen_recapture",),
    "print_recapture": ("print_recapture",),
    "metadata": ("exif_software", "exif_dates"),
}
FPR_TARGET = 0.01
REUSE_TYPES = (
    DocumentType.NATIONAL_ID_FRONT,
    DocumentType.PASSPORT,
    DocumentType.DRIVERS_LICENCE,
    DocumentType.PAYSLIP,
    DocumentType.ELECTRICITY_BILL,
    DocumentType.BANK_STATEMENT,
    DocumentType.TAX_CERTIFICATE,
    DocumentType.LEASE_AGREEMENT,
)
RECAPTURES = ("phone", "jpeg", "shadow", "low_light")


def auc(pos: list[float], neg: list[float]) -> float:
    """ROC AUC (ties count half)."""
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def detection_at_fpr(pos: list[float], neg: list[float], fpr: float = FPR_TARGET) -> float:
    """Share of ``pos`` strictly above the score that flags ``fpr`` of ``neg``."""
    if not pos or not neg:
        return float("nan")
    cut = float(np.quantile(np.asarray(neg), 1 - fpr, method="higher"))
    return float(np.mean(np.asarray(pos) > cut))


def analyse(
    data: bytes, portrait_box: tuple[int, int, int, int] | None, photo: bool
) -> tuple[list[Signal], dict[str, float]]:
    """All signals of one upload and the seconds each took."""
    times: dict[str, float] = {}
    t = time.perf_counter()
    img = tamper.load_image(data)
    times["decode"] = time.perf_counter() - t
    signals: list[Signal] = []
    steps: list[tuple[str, Any]] = [
        ("error_level", lambda: [tamper.error_level(img)]),
        ("double_compression", lambda: [tamper.double_compression(img)]),
        ("noise_inconsistency", lambda: [tamper.noise_inconsistency(img, portrait_box)]),
        ("copy_move", lambda: [tamper.copy_move(img)]),
        ("splice", lambda: [tamper.splice(img)]),
        ("font_inconsistency", lambda: [tamper.font_inconsistency(img)]),
        ("portrait_substitution", lambda: [tamper.portrait_substitution(img, portrait_box)]),
        ("recapture", lambda: list(tamper.recapture(img))),
        ("metadata", lambda: forensics.image_metadata(data, SUBMITTED_AT, photo)),
    ]
    for name, fn in steps:
        t = time.perf_counter()
        signals.extend(fn())
        times[name] = time.perf_counter() - t
    return signals, times


def tampering(per_kind: int, genuine: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    plan = [("genuine", genuine)] + [(k, per_kind) for k in KINDS if k != "genuine"]
    policy = RiskPolicy()
    for kind, n in plan:
        for i, (_, sample, upload) in enumerate(iter_set(n, EVAL_SEED0, (kind,))):
            pb = None
            if kind in GEOMETRY_KEPT and sample.portrait_box is not None:
                x0, y0, x1, y1 = sample.portrait_box
                pb = (x0, y0, x1 - x0, y1 - y0)
            photo = sample.condition in PHOTO_CONDITIONS or "recapture" in kind
            signals, times = analyse(upload.image_bytes, pb, photo)
            risk = score(signals, policy)
            rows.append(
                {
                    "kind": kind,
                    "condition": sample.condition,
                    "docType": sample.doc_type.value,
                    "scores": {s.name: s.score for s in signals},
                    "triggered": sorted({s.reason_code.value for s in signals if s.triggered}),
                    "risk": risk.score,
                    "decision": risk.decision,
                    "times": times,
                }
            )
            print(
                f"  {kind:17s} {i + 1}/{n} {sample.condition:12s} risk {risk.score:5.1f}",
                file=sys.stderr,
                flush=True,
            )
    gen = [r for r in rows if r["kind"] == "genuine"]
    per_attack: dict[str, Any] = {}
    for kind, names in RELEVANT.items():
        pos = [r for r in rows if r["kind"] == kind]
        rel_p = [max(r["scores"].get(n, 0.0) for n in names) for r in pos]
        rel_n = [max(r["scores"].get(n, 0.0) for n in names) for r in gen]
        risk_p, risk_n = [r["risk"] for r in pos], [r["risk"] for r in gen]
        per_attack[kind] = {
            "n": len(pos),
            "signals": list(names),
            "aucSignal": auc(rel_p, rel_n),
            "aucRisk": auc(risk_p, risk_n),
            "detectionAt1pctFprSignal": detection_at_fpr(rel_p, rel_n),
            "detectionAt1pctFprRisk": detection_at_fpr(risk_p, risk_n),
            "notApproved": float(np.mean([r["decision"] != "approve" for r in pos])),
        }
    codes = sorted({c for r in rows for c in r["triggered"]})
    phone = [r for r in gen if r["condition"] == "phone"]
    fp = {
        c: {
            "all": float(np.mean([c in r["triggered"] for r in gen])) if gen else None,
            "phone": float(np.mean([c in r["triggered"] for r in phone])) if phone else None,
        }
        for c in codes
    }
    by_cond: dict[str, list[bool]] = defaultdict(list)
    for r in gen:
        by_cond[r["condition"]].append(r["decision"] != "approve")
    timing = defaultdict(list)
    for r in rows:
        for k, v in r["times"].items():
            timing[k].append(v * 1000)
    return {
        "perAttack": per_attack,
        "genuine": {
            "n": len(gen),
            "phone": len(phone),
            "falsePositiveByReason": fp,
            "notApprovedByCondition": {c: float(np.mean(v)) for c, v in sorted(by_cond.items())},
            "notApproved": float(np.mean([r["decision"] != "approve" for r in gen])),
        },
        "msPerDocument": {k: float(np.median(v)) for k, v in timing.items()},
        "msPerDocumentTotalMedian": float(
            np.median([sum(r["times"].values()) * 1000 for r in rows])
        ),
        "rows": rows,
    }


def document_reuse(per_type: int) -> dict[str, Any]:
    pos: list[float] = []
    neg: list[float] = []
    t_hash: list[float] = []
    t_cmp: list[float] = []
    for ti, doc_type in enumerate(REUSE_TYPES):
        for k in range(per_type):
            template = k % 3
            seed_a, seed_b = EVAL_SEED0 + 7000 + 10 * ti + k, EVAL_SEED0 + 8000 + 10 * ti + k
            t = time.perf_counter()
            base = hashing.document_hash(generate(seed_a, doc_type, template, "scan").image)
            t_hash.append(time.perf_counter() - t)
            cond = RECAPTURES[(ti + k) % len(RECAPTURES)]
            again = hashing.document_hash(generate(seed_a, doc_type, template, cond).image)
            other = hashing.document_hash(generate(seed_b, doc_type, template, cond).image)
            t = time.perf_counter()
            pos.append(hashing.hash_distance(base, again))
            t_cmp.append(time.perf_counter() - t)
            neg.append(hashing.hash_distance(base, other))
            print(
                f"  reuse {doc_type.value} t{template} {cond}: same {pos[-1]:.3f} "
                f"other {neg[-1]:.3f}",
                file=sys.stderr,
                flush=True,
            )
    thr = hashing.SAME_DOCUMENT_DISTANCE
    tp = sum(d <= thr for d in pos)
    fp = sum(d <= thr for d in neg)
    return {
        "pairs": len(pos),
        "threshold": thr,
        "recall": tp / len(pos) if pos else None,
        "precision": tp / (tp + fp) if tp + fp else None,
        "maxSameDistance": max(pos) if pos else None,
        "minOtherDistance": min(neg) if neg else None,
        "msHash": float(np.median(t_hash) * 1000),
        "msCompare": float(np.median(t_cmp) * 1000),
    }


def _variants(img: np.ndarray[Any, Any]) -> list[tuple[str, np.ndarray[Any, Any]]]:
    out = []
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 40])
    if ok:
        out.append(("jpeg40", np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR))))
    h, w = img.shape[:2]
    out.append(
        ("half", np.asarray(cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)))
    )
    out.append(("darker", np.clip(img.astype(np.float32) * 0.6, 0, 255).astype(np.uint8)))
    out.append(("blur", np.asarray(cv2.GaussianBlur(img, (0, 0), 1.2))))
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), 5, 1.0)
    out.append(
        ("rot5", np.asarray(cv2.warpAffine(img, rot, (w, h), borderMode=cv2.BORDER_REFLECT)))
    )
    return out


def face_reuse(distractors: int) -> dict[str, Any]:
    try:
        from models.face.detect import FaceModels
        from tools.facedata import real_faces

        photos = real_faces()
        models = FaceModels.load()
    except Exception as exc:  # the photos come from PyPI sdists; offline machines skip
        return {"skipped": f"real faces unavailable: {exc}"}

    def embed(img: np.ndarray[Any, Any]) -> np.ndarray[Any, Any] | None:
        faces = models.detect(img)
        if not faces:
            return None
        return models.embed(img, faces[0])

    index = FaceIndex()
    rng = np.random.default_rng(EVAL_SEED0)
    vecs = rng.normal(size=(distractors, 128)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    items: list[tuple[int, Any]] = [(1000 + i, v) for i, v in enumerate(vecs)]
    identity_of: dict[int, str] = {}
    stored: list[int] = []
    for k, p in enumerate(photos):
        e = embed(p.image_bgr)
        if e is None:
            continue
        items.append((k, e))
        identity_of[k] = p.identity
        stored.append(k)
    index.rebuild(items)
    queries: list[tuple[str, str, Any]] = []
    for k in stored:
        for label, img in _variants(photos[k].image_bgr):
            queries.append((photos[k].identity, f"{photos[k].photo_id}/{label}", img))
    tp = fp = fn = 0
    details = []
    for identity, label, img in queries:
        e = embed(img)
        if e is None:
            fn += 1
            details.append([label, "no face"])
            continue
        hits = index.search(e, k=5, max_distance=SAME_PERSON_DISTANCE)
        right = [h for h in hits if identity_of.get(h[0]) == identity]
        wrong = [h for h in hits if identity_of.get(h[0]) != identity]
        tp += bool(right)
        fn += not right
        fp += len(wrong)
        details.append([label, [[identity_of.get(k, "distractor"), round(d, 3)] for k, d in hits]])
    return {
        "photos": len(stored),
        "identities": len(set(identity_of.values())),
        "distractors": distractors,
        "queries": len(queries),
        "recall": tp / (tp + fn) if tp + fn else None,
        "precision": tp / (tp + fp) if tp + fp else None,
        "details": details,
    }


def _fmt(x: Any) -> str:
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--per-kind", type=int, default=20)
    ap.add_argument("--genuine", type=int, default=0, help="default: 3 x per-kind")
    ap.add_argument("--reuse-per-type", type=int, default=4)
    ap.add_argument("--distractors", type=int, default=10_000)
    args = ap.parse_args(argv)
    t0 = time.time()
    res: dict[str, Any] = {
        "tampering": tampering(args.per_kind, args.genuine or 3 * args.per_kind),
        "documentReuse": document_reuse(args.reuse_per_type),
        "faceReuse": face_reuse(args.distractors),
    }
    res["seconds"] = time.time() - t0
    tam = res["tampering"]
    print("## Tampering (generated set; AUC vs genuine)\n")
    print(
        "| attack | n | relevant signals | AUC signal | AUC risk | det@1%FPR signal | "
        "det@1%FPR risk | not approved |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for kind, r in tam["perAttack"].items():
        print(
            f"| {kind} | {r['n']} | {', '.join(r['signals'])} | {_fmt(r['aucSignal'])} | "
            f"{_fmt(r['aucRisk'])} | {_fmt(r['detectionAt1pctFprSignal'])} | "
            f"{_fmt(r['detectionAt1pctFprRisk'])} | {_fmt(r['notApproved'])} |"
        )
    g = tam["genuine"]
    print(
        f"\n## Genuine uploads: {g['n']} ({g['phone']} phone); "
        f"not approved {_fmt(g['notApproved'])}\n"
    )
    print("| reason code | FP all | FP phone |\n|---|---|---|")
    for code, v in g["falsePositiveByReason"].items():
        print(f"| {code} | {_fmt(v['all'])} | {_fmt(v['phone'])} |")
    print(
        "\nnot approved by condition: "
        + ", ".join(f"{c} {v:.2f}" for c, v in g["notApprovedByCondition"].items())
    )
    print("\n## ms per document (median)\n")
    print(
        ", ".join(f"{k} {v:.0f}" for k, v in tam["msPerDocument"].items())
        + f"; total {tam['msPerDocumentTotalMedian']:.0f}"
    )
    d = res["documentReuse"]
    print(
        f"\n## Document reuse: {d['pairs']} pairs, recall {_fmt(d['recall'])}, precision "
        f"{_fmt(d['precision'])} (max same {_fmt(d['maxSameDistance'])}, min other "
        f"{_fmt(d['minOtherDistance'])}); hash {d['msHash']:.0f} ms, "
        f"compare {d['msCompare']:.0f} ms"
    )
    f = res["faceReuse"]
    if "skipped" in f:
        print(f"\n## Face reuse: skipped ({f['skipped']})")
    else:
        print(
            f"\n## Face reuse: {f['queries']} queries over {f['photos']} real photos "
            f"({f['identities']} identities) + {f['distractors']} generated vectors: recall "
            f"{_fmt(f['recall'])}, precision {_fmt(f['precision'])}"
        )
    print(
        f"\n{res['seconds']:.0f} s; reproduce: python -m models.eval.fraud --per-kind "
        f"{args.per_kind} --genuine {args.genuine or 3 * args.per_kind}"
    )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(res, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Evaluate selfie liveness on generated sessions, with ISO/IEC 30107-3 figures.

    python -m models.eval.liveness [--out DIR] [--sessions 50] [--workers 2] [--seed0 S]
                                   [--latency-clips 12]

The set: for each of ``N`` seeds from ``EVAL_SEED0`` (default 50 seeds: 3,000,000 to
3,000,049), one challenge drawn by :func:`models.liveness.challenge.new_challenge` and one
session of every kind of :mod:`tools.livegen` answering or attacking it (300 sessions).
Every clip goes through MP4 encoding and :func:`models.liveness.video.decode_video`, then
:func:`models.liveness.session.assess`, exactly as an upload would.

Seeds. Tuning (thresholds, the turn and blink logic, the PAD half points) looked at seeds
0-99 (``models.liveness.calibrate``'s ``TRAIN_SEED0`` range) and at failures of the earlier
evaluations (seeds from 1,000,000 and from 2,000,000): those are not held out any more. The
evaluation seeds from ``EVAL_SEED0`` = 3,000,000 were not looked at while tuning up to their
evaluation; its genuine rejections (FACE_CHANGED on a lone embedded frame) were then
addressed on tuning seeds 0-99 only, and the next evaluation used ``--seed0 3100000``.

Reported (Markdown on stdout, ``results.json`` and ``report.md`` in ``--out``):

- APCER per attack type (attack presentation classification error rate: the share of
  attack sessions of that type accepted as live) and BPCER (bona fide presentation
  classification error rate: the share of genuine sessions rejected), each with its number
  of sessions and a 95% Wilson interval (50 sessions cannot show 5% precisely: 0 errors in
  50 bounds the rate below ~7%); the operating point (every signal's threshold and the
  challenge rules);
- per-signal score distributions (percentiles per kind) and how often each reason fires;
- time: end-to-end assessment (decode + observe + decide) of each genuine clip, wall and
  CPU, while the evaluation's workers load the machine; then ``--latency-clips`` genuine
  clips assessed one after the other in one process with nothing else of the evaluation
  running (p50/p95 wall and CPU): the latency of one assessment on this machine.

The genuine sessions are synthesised from the few real identities of ``tools.facedata``
(the count is printed): that, not the number of sessions, bounds what these figures mean.
Time: ~10-14 s of CPU per seed (six sessions generated and assessed; a seed's jobs run in
one worker, which renders the genuine clip once for itself and for the screen replay), so
~10-15 minutes for 50 seeds on 2 free cores; ~30-40 minutes on 2 cores shared with other
work.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.liveness import challenge as challenge_rules
from models.liveness import pad
from models.liveness.challenge import new_challenge
from models.liveness.session import assess
from models.liveness.video import decode_video

# Seeds 1_000_000.. and 2_000_000.. were earlier evaluations whose failures were then
# diagnosed (turns towards an already-turned photo, landmark glitches, false blinks at the
# end of a turn): looked at, so no longer held out.
EVAL_SEED0 = 3_000_000
DEFAULT_SESSIONS = 50
TARGET_APCER = 0.05
TARGET_BPCER = 0.05


@dataclass(frozen=True)
class Outcome:
    kind: str
    seed: int
    identities: tuple[str, ...]
    challenge: tuple[str, ...]
    live: bool
    confidence: int
    reasons: tuple[str, ...]
    scores: dict[str, float]
    raws: dict[str, float | None]
    wall_ms: float
    cpu_ms: float
    frames: int


_MODELS: Any = None


def _models() -> Any:
    global _MODELS  # one model set per worker process
    if _MODELS is None:
        from tools.livegen.genuine import face_models

        _MODELS = face_models()
    return _MODELS


def _assess(kind: str, seed: int, session: Any, challenge: Any) -> Outcome:
    """Encode, decode and assess one generated session."""
    from tools.livegen import encode_mp4

    data = encode_mp4(session.images)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    clip = decode_video(data)
    result = assess(clip, challenge, _models())
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return Outcome(
        kind=kind,
        seed=seed,
        identities=session.identities,
        challenge=tuple(x.value for x in challenge.steps),
        live=result.is_live,
        confidence=result.confidence,
        reasons=tuple(result.reasons),
        scores={k: v.score for k, v in result.signals.items()},
        raws={k: v.raw for k, v in result.signals.items()},
        wall_ms=wall * 1000,
        cpu_ms=cpu * 1000,
        frames=len(clip.frames),
    )


def run_one(job: tuple[str, int]) -> Outcome:
    """Generate, encode, decode and assess one session (in a worker process)."""
    from tools.livegen import session

    kind, seed = job
    challenge = new_challenge(random.Random(seed))  # noqa: S311 - reproducible test data
    return _assess(kind, seed, session(kind, seed, challenge), challenge)


def run_seed(job: tuple[tuple[str, ...], int]) -> list[Outcome]:
    """Every kind of one seed (in a worker process); the genuine clip is rendered once, for
    itself and for the screen replay of it."""
    from tools.livegen import session
    from tools.livegen.attacks import screen_replay
    from tools.livegen.genuine import genuine_session

    kinds, seed = job
    challenge = new_challenge(random.Random(seed))  # noqa: S311 - reproducible test data
    genuine = None
    out = []
    for kind in kinds:
        if kind in ("genuine", "screen_replay"):
            genuine = genuine or genuine_session(seed, challenge)
            s = genuine if kind == "genuine" else screen_replay(genuine, seed)
        else:
            s = session(kind, seed, challenge)
        out.append(_assess(kind, seed, s, challenge))
    return out


def run(kinds: Iterable[str], seeds: Iterable[int], workers: int = 2) -> list[Outcome]:
    """Every (kind, seed) session assessed, with progress on stderr."""
    kinds = tuple(kinds)
    jobs = [(kinds, s) for s in seeds]
    out: list[Outcome] = []
    started = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(max(1, workers)) as pool:
        for outcomes in pool.imap_unordered(run_seed, jobs):
            for outcome in outcomes:
                out.append(outcome)
                elapsed = time.perf_counter() - started
                print(
                    f"[{len(out)}/{len(jobs) * len(kinds)}] {outcome.kind:13s} seed "
                    f"{outcome.seed} live={outcome.live} "
                    f"{','.join(outcome.reasons) or '-'} ({elapsed:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
    return sorted(out, key=lambda o: (o.seed, kinds.index(o.kind)))


def latency(seeds: Iterable[int]) -> dict[str, float]:
    """Assess genuine clips one after the other in this process: p50/p95 wall and CPU (ms)."""
    from tools.livegen import encode_mp4
    from tools.livegen.genuine import genuine_session

    walls, cpus = [], []
    for seed in seeds:
        challenge = new_challenge(random.Random(seed))  # noqa: S311 - reproducible test data
        data = encode_mp4(genuine_session(seed, challenge).images)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        assess(decode_video(data), challenge, _models())
        walls.append((time.perf_counter() - wall0) * 1000)
        cpus.append((time.process_time() - cpu0) * 1000)
    if not walls:
        return {}
    return {
        "clips": float(len(walls)),
        "wallP50": float(np.percentile(walls, 50)),
        "wallP95": float(np.percentile(walls, 95)),
        "cpuP50": float(np.percentile(cpus, 50)),
        "cpuP95": float(np.percentile(cpus, 95)),
    }


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a rate k/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _rate(n: int, d: int) -> float | None:
    return n / d if d else None


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _ci(interval: tuple[float, float] | list[float]) -> str:
    return f"{100 * interval[0]:.1f}-{100 * interval[1]:.1f}%"


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.kind].append(o)
    genuine = by_kind.get("genuine", [])
    rejected = sum(1 for o in genuine if not o.live)
    apcer: dict[str, dict[str, Any]] = {
        k: {
            "n": len(v),
            "accepted": sum(o.live for o in v),
            "apcer": _rate(sum(o.live for o in v), len(v)),
            "ci95": wilson(sum(o.live for o in v), len(v)),
        }
        for k, v in sorted(by_kind.items())
        if k != "genuine"
    }
    distributions: dict[str, dict[str, dict[str, float]]] = {}
    for name in pad.THRESHOLDS:
        distributions[name] = {}
        for kind, items in sorted(by_kind.items()):
            values = np.array([o.scores[name] for o in items if name in o.scores])
            raws = np.array([o.raws[name] for o in items if o.raws.get(name) is not None], float)
            if len(values):
                distributions[name][kind] = {
                    "p5": float(np.percentile(values, 5)),
                    "p50": float(np.percentile(values, 50)),
                    "p95": float(np.percentile(values, 95)),
                    "failRate": float(np.mean(values >= pad.THRESHOLDS[name])),
                    "rawP50": float(np.median(raws)) if len(raws) else float("nan"),
                }
    reasons = {
        k: dict(Counter(r for o in v for r in o.reasons)) for k, v in sorted(by_kind.items())
    }
    walls = [o.wall_ms for o in genuine]
    cpus = [o.cpu_ms for o in genuine]
    return {
        "sessionsPerKind": {k: len(v) for k, v in sorted(by_kind.items())},
        "identities": sorted({i for o in outcomes for i in o.identities}),
        "seeds": [min(o.seed for o in outcomes), max(o.seed for o in outcomes)] if outcomes else [],
        "bpcer": {
            "n": len(genuine),
            "rejected": rejected,
            "bpcer": _rate(rejected, len(genuine)),
            "ci95": wilson(rejected, len(genuine)),
        },
        "apcer": apcer,
        "operatingPoint": {
            "signalThresholds": dict(pad.THRESHOLDS),
            "halfPoints": {
                "flatnessPct": pad.FLAT_HALF_PCT,
                "naturalMotionPct": pad.MOTION_HALF_PCT,
                "moireLogExcess": pad.MOIRE_HALF,
                "bandingPeakRatio": pad.BANDING_HALF,
            },
            "turnYawDeg": challenge_rules.TURN_YAW_DEG,
            "blinkClosedRatio": challenge_rules.BLINK_CLOSED_RATIO,
            "closerFactor": challenge_rules.CLOSER_FACTOR,
        },
        "signalScores": distributions,
        "reasons": reasons,
        "timeMs": {
            "wallP50": float(np.median(walls)) if walls else None,
            "wallP90": float(np.percentile(walls, 90)) if walls else None,
            "wallP95": float(np.percentile(walls, 95)) if walls else None,
            "cpuP50": float(np.median(cpus)) if cpus else None,
            "framesP50": float(np.median([o.frames for o in genuine])) if genuine else None,
        },
        "targetsMet": bool(
            genuine
            and (_rate(rejected, len(genuine)) or 0.0) <= TARGET_BPCER
            and all((v["apcer"] or 0.0) <= TARGET_APCER for v in apcer.values())
        ),
    }


def markdown(summary: dict[str, Any]) -> str:
    lines = [
        "## Liveness (ISO/IEC 30107-3) on generated sessions",
        "",
        f"Genuine sessions synthesised from {len(summary['identities'])} real identities "
        f"({', '.join(summary['identities'])}); attacks simulated from the same photos.",
        "",
        f"Seeds {summary['seeds'][0]:,}-{summary['seeds'][-1]:,} (held out from tuning, "
        "which used seeds 0-99 and earlier evaluations' seeds).",
        "",
        "| presentation | sessions | error | rate | 95% interval |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    b = summary["bpcer"]
    lines.append(
        f"| genuine | {b['n']} | BPCER (rejected) | {_pct(b['bpcer'])} ({b['rejected']}) "
        f"| {_ci(b['ci95'])} |"
    )
    for kind, a in summary["apcer"].items():
        lines.append(
            f"| {kind} | {a['n']} | APCER (accepted) | {_pct(a['apcer'])} ({a['accepted']}) "
            f"| {_ci(a['ci95'])} |"
        )
    lines += ["", "Signal scores (median [p5-p95], share at or over the threshold):", ""]
    kinds = list(summary["sessionsPerKind"])
    lines.append("| signal (threshold) | " + " | ".join(kinds) + " |")
    lines.append("| --- |" + " --- |" * len(kinds))
    for name, per_kind in summary["signalScores"].items():
        cells = []
        for k in kinds:
            d = per_kind.get(k)
            cells.append(
                "-"
                if d is None
                else f"{d['p50']:.2f} [{d['p5']:.2f}-{d['p95']:.2f}] {_pct(d['failRate'])}"
            )
        lines.append(f"| {name} ({pad.THRESHOLDS[name]}) | " + " | ".join(cells) + " |")
    lines += ["", "Reasons per kind:", ""]
    for kind, counts in summary["reasons"].items():
        text = ", ".join(f"{r} {n}" for r, n in sorted(counts.items(), key=lambda x: -x[1]))
        lines.append(f"- {kind}: {text or '-'}")
    t = summary["timeMs"]
    if t["wallP50"] is not None:
        lines += [
            "",
            f"Assessment of a genuine clip ({t['framesP50']:.0f} frames at 15 fps, "
            f"decode + observe + decide) while the evaluation's workers generate and assess "
            f"other sessions: median {t['wallP50']:.0f} ms wall (p95 {t['wallP95']:.0f} ms), "
            f"{t['cpuP50']:.0f} ms CPU.",
        ]
    lat = summary.get("latency") or {}
    if lat:
        lines += [
            "",
            f"Latency of one assessment ({lat['clips']:.0f} genuine clips assessed one after "
            f"the other in one process, the evaluation's workers stopped): wall p50 "
            f"{lat['wallP50']:.0f} ms, p95 {lat['wallP95']:.0f} ms; CPU p50 "
            f"{lat['cpuP50']:.0f} ms, p95 {lat['cpuP95']:.0f} ms.",
        ]
    lines.append(f"\nTargets (APCER <= 5% per type at BPCER <= 5%) met: {summary['targetsMet']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from tools.livegen import KINDS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--sessions", type=int, default=DEFAULT_SESSIONS, help="seeds (sessions per kind)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed0", type=int, default=EVAL_SEED0)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument(
        "--latency-clips", type=int, default=12, help="genuine clips timed one at a time"
    )
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    outcomes = run(kinds, range(args.seed0, args.seed0 + args.sessions), args.workers)
    summary = summarise(outcomes)
    summary["latency"] = latency(range(args.seed0, args.seed0 + args.latency_clips))
    report = markdown(summary)
    print(report)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.md").write_text(report + "\n")
        (args.out / "results.json").write_text(
            json.dumps(
                {"summary": summary, "sessions": [o.__dict__ for o in outcomes]},
                indent=1,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The main job's demo: verifications submitted through the public API, results printed.

Generated documents (tools/docgen: synthetic data, no real person's): a
phone photo of an Omang, answered synchronously; a blurred, dark capture
submitted asynchronously and polled; a payslip sent to the identity route
(declined as the wrong document); a text file posing as a JPEG (refused);
the Omang again under another client account (document reuse) and saved by
an image editor (its EXIF names it), each with the risk score it earns;
face comparisons of real photographs (registry packages: one person twice,
then two people); and a liveness session answered by a clip synthesised from
a real photo.
What the pipeline concludes is printed as the API returns it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import cv2
import httpx
import numpy as np

from core.settings import Settings
from ingest.admin import provision
from models.doctypes import DocumentType
from models.liveness.challenge import Challenge
from tools.docgen import generate
from tools.facedata import real_faces
from tools.livegen import encode_mp4, session
from tools.tampergen.exif import CameraExif, build_exif, with_exif

DEMO_SEED = 20_261_126


def specimen(doc_type: DocumentType, condition: str, blurred: bool = False) -> bytes:
    """A generated document (tools/docgen: synthetic data, no real person's) as a JPEG."""
    image = generate(DEMO_SEED, doc_type, 0, condition).image
    if blurred:
        image = np.asarray(cv2.GaussianBlur(image, (0, 0), 7) * 0.35, np.uint8)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(buf.tobytes())


def _summary(body: dict[str, Any]) -> str:
    result = body.get("result", {})
    docs = result.get("documents", [])
    quality = [d.get("quality", {}) for d in docs]
    lines = [
        f"  id           {body['id']}",
        f"  status       {body['status']}   decision {body.get('decision')}"
        f"   reasons {result.get('decisionReasons')}",
        f"  documents    {result.get('documentsFound')}/{result.get('totalDocuments')} readable;"
        f" quality {[(q.get('score'), q.get('issues')) for q in quality]}",
        *(
            f"  document     {d.get('documentType')} {d.get('documentSide') or ''}"
            f" (p={d.get('confidence')}), {len(d.get('ocr', {}).get('lines', []))} OCR lines: "
            + " | ".join(line["text"] for line in d.get("ocr", {}).get("lines", [])[:6])
            for d in docs
            if "documentType" in d
        ),
        *(
            f"  data         {json.dumps(d['extractedData'])}"
            for d in docs
            if d.get("extractedData")
        ),
        *(
            f"  fraud risk   {risk['score']} ({risk['band']}, policy {risk['policyVersion']});"
            f" contributing: {_contributing(risk)}"
            for risk in [result.get("fraud", {}).get("risk")]
            if risk
        ),
        f"  timings      {json.dumps(body.get('metrics', {}).get('stages'))}"
        f"  total {body.get('metrics', {}).get('processingTimeMs')} ms",
    ]
    return "\n".join(lines)


def _contributing(risk: dict[str, Any]) -> str:
    added = [c for c in risk["contributions"] if c["contribution"] > 0]
    hits = [f"{c['reasonCode']} +{c['contribution']}" for c in added if c["triggered"]]
    # Graded evidence: points from signals under their thresholds, not reasons.
    faint = [f"{c['signal']} +{c['contribution']}" for c in added if not c["triggered"]]
    parts = hits + ([f"below thresholds: {', '.join(faint)}"] if faint else [])
    return "; ".join(parts) or "none"


def fraud_demo(client: httpx.Client, omang: bytes) -> None:
    """The same Omang under another client account, then with an editor's EXIF."""
    img = cv2.imdecode(np.frombuffer(omang, np.uint8), cv2.IMREAD_COLOR)
    again = _jpeg(cv2.convertScaleAbs(img, alpha=0.92, beta=12))  # another capture of it
    cam = CameraExif(
        make="samsung",
        model="SM-A155F",
        software="Adobe Photoshop 25.1",
        taken=dt.datetime.now() - dt.timedelta(days=2),
    )
    for n, (what, data, reference) in enumerate(
        (
            ("the same Omang, another client account", again, "demo-other-account"),
            ("the Omang saved by Photoshop", with_exif(omang, build_exif(cam)), "demo-clean"),
        ),
        5,
    ):
        resp = client.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("omang.jpg", data, "image/jpeg")},
            data={"reference": reference},
            headers={"Prefer": "wait=20"},
        )
        resp.raise_for_status()
        body = resp.json()
        risk = body.get("result", {}).get("fraud", {}).get("risk", {})
        print(
            f"{n}. fraud: {what}: decision {body.get('decision')} reasons "
            f"{body.get('result', {}).get('decisionReasons')} risk {risk.get('score')}"
            f" ({risk.get('band')}): {_contributing(risk) if risk else '-'}"
        )


def run_demo(settings: Settings) -> None:
    """Submit the two specimens and print what the API answers. Raises on failure."""
    base = f"http://{settings.api.host}:{settings.api.port}"
    org, key = provision(settings, "Demo organisation")
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, timeout=40, headers=auth) as client:
        print(
            f"demo against {base} as a new organisation {org} with an API key "
            f"({key.rsplit('_', 1)[0]}_…)"
        )
        omang = specimen(DocumentType.NATIONAL_ID_FRONT, "phone")
        t0 = time.perf_counter()
        resp = client.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("omang-front.jpg", omang, "image/jpeg")},
            data={"reference": "demo-clean"},
            headers={"Prefer": "wait=15"},
        )
        elapsed = 1000 * (time.perf_counter() - t0)
        print(
            f"1. synchronous POST /verify/identity (phone photo of an Omang): "
            f"HTTP {resp.status_code} in {elapsed:.0f} ms"
        )
        resp.raise_for_status()
        print(_summary(resp.json()) if resp.status_code == 200 else f"  {resp.json()}")

        resp = client.post(
            "/api/v1/kyc/verify/identity",
            files={
                "documents": (
                    "omang-blurred.jpg",
                    specimen(DocumentType.NATIONAL_ID_FRONT, "scan", blurred=True),
                    "image/jpeg",
                )
            },
            data={"reference": "demo-blurred"},
            headers={"Prefer": "respond-async"},
        )
        print(
            f"2. asynchronous POST (blurred, dark capture): HTTP {resp.status_code}, "
            f"Location {resp.headers.get('location')}"
        )
        resp.raise_for_status()
        location = resp.headers["location"]
        deadline = time.monotonic() + 30
        body = resp.json()
        while body["status"] not in ("completed", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
            body = client.get(location).json()
        print(_summary(body))
        if body["status"] not in ("completed", "failed"):
            raise RuntimeError(f"verification {body['id']} did not finish within 30 s")

        resp = client.post(
            "/api/v1/kyc/verify/identity",
            files={
                "documents": ("payslip.jpg", specimen(DocumentType.PAYSLIP, "scan"), "image/jpeg")
            },
            data={"reference": "demo-wrong-document"},
            headers={"Prefer": "wait=15"},
        )
        print(f"3. synchronous POST /verify/identity with a payslip: HTTP {resp.status_code}")
        resp.raise_for_status()
        print(_summary(resp.json()) if resp.status_code == 200 else f"  {resp.json()}")

        resp = client.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("notes.jpg", b"this is a text file, not a photo", "image/jpeg")},
        )
        print(
            f"4. a text file named .jpg: HTTP {resp.status_code} "
            f"{resp.headers.get('content-type')}: {resp.json()['code']}"
        )
        fraud_demo(client, omang)
        face_demo(client)
        liveness_demo(client)
    print("demo passed")


def _jpeg(image: Any) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


def face_demo(client: httpx.Client) -> None:
    """Two real photographs of one person, then of two people (fetched from PyPI once)."""
    photos = {p.photo_id: p.image_bgr for p in real_faces()}
    for n, (a, b) in enumerate((("obama-1", "obama-2"), ("obama-1", "biden-1")), 7):
        resp = client.post(
            "/api/v1/kyc/face/compare",
            files={
                "image": ("reference.jpg", _jpeg(photos[a]), "image/jpeg"),
                "selfie": ("selfie.jpg", _jpeg(photos[b]), "image/jpeg"),
            },
            headers={"Prefer": "wait=20"},
        )
        resp.raise_for_status()
        body = resp.json()
        print(
            f"{n}. POST /face/compare ({a} vs {b}, real photos): HTTP {resp.status_code} "
            f"similarity {body['similarity']} match {body['match']} decision {body['decision']} "
            f"reasons {body['reasons']}"
        )


def liveness_demo(client: httpx.Client) -> None:
    """A session, a synthesised genuine clip answering its challenge, the results."""
    resp = client.post("/api/v1/kyc/liveness/session", json={"auditImagesLimit": 2})
    resp.raise_for_status()
    created = resp.json()
    steps = [s["step"] for s in created["challenge"]["steps"]]
    print(f"9. POST /liveness/session: {created['sessionId']} challenge {steps}")
    clip = session("genuine", 7, Challenge.from_dict(created["challenge"]))
    resp = client.post(
        f"/api/v1/kyc/liveness/session/{created['sessionId']}/media",
        files={"video": ("clip.mp4", encode_mp4(clip.images), "video/mp4")},
        headers={"Prefer": "wait=25"},
    )
    resp.raise_for_status()
    body = resp.json()
    if body["status"] in ("CREATED", "IN_PROGRESS"):
        body = client.get(body["links"]["results"]).json()
    signals = {k: v["score"] for k, v in body.get("signals", {}).items()}
    print(
        f"   results: {body['status']} isLive {body['isLive']} confidence {body['confidence']} "
        f"steps {[(s['step'], s['passed']) for s in body.get('steps', [])]} "
        f"signals {signals} reasons {body.get('reasons')}"
    )

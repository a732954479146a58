"""The main job's demo: verifications submitted through the public API, results printed.

Two synthetic specimen documents (generated here, no real person's data):
a clean capture, answered synchronously, and a blurred, dark phone capture
submitted asynchronously and polled. What the pipeline concludes is printed
as the API returns it.
"""

from __future__ import annotations

import json
import time
from typing import Any

import cv2
import httpx
import numpy as np

from core.settings import Settings
from ingest.admin import provision


def specimen(blurred: bool = False) -> bytes:
    """A specimen identity card as a JPEG (synthetic; 'SPECIMEN' printed across it)."""
    img = np.full((638, 1012, 3), (228, 236, 240), np.uint8)
    cv2.rectangle(img, (0, 0), (1011, 90), (120, 80, 20), -1)
    cv2.putText(
        img, "REPUBLIC OF BOTSWANA", (40, 60), cv2.FONT_HERSHEY_DUPLEX, 1.3, (255, 255, 255), 2
    )
    cv2.rectangle(img, (40, 130), (290, 450), (170, 170, 170), -1)
    rows = [
        ("SURNAME", "MOGAPI"),
        ("FORENAMES", "NALEDI K"),
        ("ID NO", "123421789"),
        ("DATE OF BIRTH", "14/03/1991"),
        ("EXPIRY", "14/03/2031"),
    ]
    for i, (label, value) in enumerate(rows):
        y = 160 + 70 * i
        cv2.putText(img, label, (330, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (60, 60, 60), 1)
        cv2.putText(img, value, (330, y + 32), cv2.FONT_HERSHEY_DUPLEX, 1.0, (10, 10, 10), 2)
    cv2.putText(img, "SPECIMEN", (300, 600), cv2.FONT_HERSHEY_DUPLEX, 1.6, (40, 40, 200), 3)
    if blurred:
        img = np.asarray(cv2.GaussianBlur(img, (0, 0), 7) * 0.35, np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
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
        f"  timings      {json.dumps(body.get('metrics', {}).get('stages'))}"
        f"  total {body.get('metrics', {}).get('processingTimeMs')} ms",
    ]
    return "\n".join(lines)


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
        t0 = time.perf_counter()
        resp = client.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("specimen-front.jpg", specimen(), "image/jpeg")},
            data={"reference": "demo-clean"},
            headers={"Prefer": "wait=10"},
        )
        elapsed = 1000 * (time.perf_counter() - t0)
        print(
            f"1. synchronous POST /verify/identity (clean capture): HTTP {resp.status_code} "
            f"in {elapsed:.0f} ms"
        )
        resp.raise_for_status()
        print(_summary(resp.json()) if resp.status_code == 200 else f"  {resp.json()}")

        resp = client.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("specimen-blurred.jpg", specimen(blurred=True), "image/jpeg")},
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
            files={"documents": ("notes.jpg", b"this is a text file, not a photo", "image/jpeg")},
        )
        print(
            f"3. a text file named .jpg: HTTP {resp.status_code} "
            f"{resp.headers.get('content-type')}: {resp.json()['code']}"
        )
    print("demo passed")

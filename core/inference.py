"""Calls to Triton Inference Server over HTTP (``tritonclient.http``).

Blocking; each call is bounded by ``BOTSKYC_TRITON_REQUEST_TIMEOUT_S``.
Connection failures and timeouts raise :class:`InferenceUnavailable`
(transient: retry later); a model error raises :class:`InferenceError`
(not transient).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from core.settings import TritonSettings


class InferenceError(RuntimeError):
    """The model rejected the request (bad input, model bug): do not retry."""


class InferenceUnavailable(RuntimeError):
    """Triton could not be reached or timed out: transient, retry with backoff."""


@dataclass(frozen=True)
class QualityResult:
    """Output of the ``image_quality`` model for one image."""

    report: dict[str, Any]
    score: float


class TritonGateway:
    """A connection to one Triton server, safe to call from several threads.

    ``tritonclient.http`` sits on geventhttpclient, whose connection pool must
    not be shared between threads (two threads on one client can hang each
    other): each thread gets a client of its own.
    """

    def __init__(self, settings: TritonSettings) -> None:
        self.settings = settings
        self._local = threading.local()

    @property
    def client(self) -> httpclient.InferenceServerClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpclient.InferenceServerClient(
                self.settings.http_url,
                connection_timeout=self.settings.request_timeout_s,
                network_timeout=self.settings.request_timeout_s,
            )
            self._local.client = client
        return client

    def ready(self) -> bool:
        """True when the server answers ready (never raises)."""
        try:
            return bool(self.client.is_server_ready())
        except Exception:
            return False

    def _infer(
        self, model: str, inputs: list[httpclient.InferInput], outputs: list[str]
    ) -> httpclient.InferResult:
        try:
            return self.client.infer(
                model,
                inputs,
                outputs=[httpclient.InferRequestedOutput(o) for o in outputs],
                timeout=int(self.settings.request_timeout_s * 1_000_000),
            )
        except InferenceServerException as exc:
            msg = str(exc)
            # tritonclient reports transport failures as InferenceServerException
            # too; only an answer from the server is a model error.
            if exc.status() is None or "unavailable" in msg.lower() or "timed out" in msg.lower():
                raise InferenceUnavailable(f"triton {model}: {msg}") from exc
            raise InferenceError(f"triton {model}: {msg}") from exc
        except (ConnectionError, OSError, TimeoutError) as exc:
            raise InferenceUnavailable(f"triton {model}: {exc}") from exc

    def image_quality(self, images: list[bytes]) -> list[QualityResult]:
        """Quality reports for encoded images, in order."""
        data = np.array(images, dtype=object).reshape(len(images), 1)
        inp = httpclient.InferInput("IMAGE", list(data.shape), "BYTES")
        inp.set_data_from_numpy(data)
        res = self._infer("image_quality", [inp], ["REPORT", "SCORE"])
        reports = res.as_numpy("REPORT").reshape(-1)
        scores = res.as_numpy("SCORE").reshape(-1)
        return [
            QualityResult(json.loads(bytes(r)), float(s))
            for r, s in zip(reports, scores, strict=True)
        ]

    def _strings(self, model: str, name: str, values: list[bytes], output: str) -> list[Any]:
        """One BYTES input row per value; the JSON output row for each, in order."""
        data = np.array(values, dtype=object).reshape(len(values), 1)
        inp = httpclient.InferInput(name, list(data.shape), "BYTES")
        inp.set_data_from_numpy(data)
        res = self._infer(model, [inp], [output])
        return [json.loads(bytes(r)) for r in res.as_numpy(output).reshape(-1)]

    def document_ocr(self, images: list[bytes]) -> list[dict[str, Any]]:
        """``document_ocr``: per encoded image, its lines, page geometry and timings (or error).

        CPU-heavy on the server (about a second per A4 page on 2 cores):
        callers send a verification's pages in one call and let Triton batch.
        """
        return self._strings("document_ocr", "IMAGE", images, "READING")

    def classify_documents(self, texts: list[str]) -> list[dict[str, Any]]:
        """``document_classifier``: per OCR text, the document type, probability, reason, top 3."""
        return self._strings(
            "document_classifier", "TEXT", [t.encode() for t in texts], "PREDICTION"
        )

    def face_analysis(self, images: list[bytes], options: str = "") -> list[dict[str, Any]]:
        """``face_analysis``: per encoded image, its faces (box, landmarks, head pose, eye
        aspect ratio, 128-d embedding) or an error; ``options`` is the model's JSON
        (``models/face/serve.py``), the same for every image of the call.

        CPU on the server: about 0.1-0.5 s an image on 2 cores, more for large
        photos where small faces need upsampling.
        """
        data = np.array(images, dtype=object).reshape(len(images), 1)
        image_in = httpclient.InferInput("IMAGE", list(data.shape), "BYTES")
        image_in.set_data_from_numpy(data)
        inputs = [image_in]
        if options:
            opts = np.array([options.encode()] * len(images), dtype=object).reshape(-1, 1)
            options_in = httpclient.InferInput("OPTIONS", list(opts.shape), "BYTES")
            options_in.set_data_from_numpy(opts)
            inputs.append(options_in)
        res = self._infer("face_analysis", inputs, ["FACES"])
        return [json.loads(bytes(r)) for r in res.as_numpy("FACES").reshape(-1)]

    def liveness_check(
        self, media: bytes, kind: str, challenge_json: str, options: str = ""
    ) -> dict[str, Any]:
        """``liveness_check``: the assessment of one session's clip (``models/liveness/serve.py``).

        CPU on the server: about 1-3 s for a 3 s clip at 15 fps on one core.
        """
        rows = {"MEDIA": media, "KIND": kind.encode(), "CHALLENGE": challenge_json.encode()}
        if options:
            rows["OPTIONS"] = options.encode()
        return self._one_json("liveness_check", rows, "ASSESSMENT")

    def document_forensics(self, image: bytes, options: str = "") -> dict[str, Any]:
        """``document_forensics``: pixel forensics and the page hash of one encoded image
        (``models/fraud/serve.py``); ``options`` is the model's JSON for this image.

        CPU on the server: a few hundred milliseconds for a phone photo on one core.
        """
        rows = {"IMAGE": image}
        if options:
            rows["OPTIONS"] = options.encode()
        return self._one_json("document_forensics", rows, "RESULT")

    def _one_json(self, model: str, rows: dict[str, bytes], output: str) -> dict[str, Any]:
        """One request of named BYTES inputs (one row each); the JSON of its one output row."""
        inputs = []
        for name, value in rows.items():
            data = np.array([value], dtype=object).reshape(1, 1)
            inp = httpclient.InferInput(name, list(data.shape), "BYTES")
            inp.set_data_from_numpy(data)
            inputs.append(inp)
        res = self._infer(model, inputs, [output])
        answer: dict[str, Any] = json.loads(bytes(res.as_numpy(output).reshape(-1)[0]))
        return answer

    def model_stats(self, model: str) -> dict[str, Any]:
        """Triton's inference statistics for a model (counts and cumulative ns)."""
        return dict(self.client.get_inference_statistics(model))

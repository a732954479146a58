"""Triton Python-backend adapter over models.quality (no logic here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import triton_python_backend_utils as pb_utils  # provided by Triton at run time


def _add_repo_to_path() -> None:
    # triton-repo/<model>/<version>/model.py: the checkout (holding the
    # models package) is three levels up. The stub does not inherit PYTHONPATH.
    root = str(Path(__file__).resolve().parents[3])
    if root not in sys.path:
        sys.path.insert(0, root)


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        _add_repo_to_path()
        from models import quality

        self.quality = quality

    def execute(self, requests: list) -> list:  # type: ignore[type-arg]
        responses = []
        for request in requests:
            images = pb_utils.get_input_tensor_by_name(request, "IMAGE").as_numpy()
            reports, scores = [], []
            for row in images.reshape(-1):
                try:
                    report = self.quality.assess(self.quality.decode_image(bytes(row)))
                    reports.append(json.dumps(report.to_dict()))
                    scores.append(report.score)
                except self.quality.UndecodableImage as exc:
                    reports.append(json.dumps({"error": "UNDECODABLE_IMAGE", "detail": str(exc)}))
                    scores.append(0.0)
            n = len(reports)
            out_report = np.array(reports, dtype=object).reshape(n, 1)
            out_score = np.array(scores, dtype=np.float32).reshape(n, 1)
            responses.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor("REPORT", out_report),
                        pb_utils.Tensor("SCORE", out_score),
                    ]
                )
            )
        return responses

"""Triton Python-backend adapter over models.doctype (no logic here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import triton_python_backend_utils as pb_utils  # provided by Triton at run time


def _add_repo_to_path() -> None:
    # The checkout is three levels up; the stub does not inherit PYTHONPATH.
    root = str(Path(__file__).resolve().parents[3])
    if root not in sys.path:
        sys.path.insert(0, root)


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        _add_repo_to_path()
        from models.doctype.classifier import DocTypeClassifier

        self.classifier = DocTypeClassifier.load(Path(__file__).parent / "weights")

    def execute(self, requests: list) -> list:  # type: ignore[type-arg]
        responses = []
        for request in requests:
            texts = pb_utils.get_input_tensor_by_name(request, "TEXT").as_numpy().reshape(-1)
            preds = [
                json.dumps(self.classifier.predict(bytes(t).decode("utf-8", "replace")).to_dict())
                for t in texts
            ]
            out = np.array(preds, dtype=object).reshape(len(preds), 1)
            responses.append(
                pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("PREDICTION", out)])
            )
        return responses

"""Triton Python-backend adapter over models.liveness.serve (no logic here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import triton_python_backend_utils as pb_utils  # provided by Triton at run time


def _add_repo_to_path() -> None:
    # triton-repo/<model>/<version>/model.py: the checkout is three levels up.
    # The stub does not inherit PYTHONPATH.
    root = str(Path(__file__).resolve().parents[3])
    if root not in sys.path:
        sys.path.insert(0, root)


def _rows(request: object, name: str) -> list[bytes] | None:
    tensor = pb_utils.get_input_tensor_by_name(request, name)
    if tensor is None:
        return None
    return [bytes(v) for v in tensor.as_numpy().reshape(-1)]


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        _add_repo_to_path()
        from models.liveness.serve import check, default_models

        self.models = default_models()
        self.check = check

    def execute(self, requests: list) -> list:  # type: ignore[type-arg]
        responses = []
        for request in requests:
            media = _rows(request, "MEDIA") or []
            kinds = _rows(request, "KIND") or []
            challenges = _rows(request, "CHALLENGE") or []
            options = _rows(request, "OPTIONS") or [b""] * len(media)
            answers = [
                json.dumps(self.check(m, k.decode(), c.decode(), o.decode(), self.models))
                for m, k, c, o in zip(media, kinds, challenges, options, strict=False)
            ]
            out = np.array(answers, dtype=object).reshape(len(answers), 1)
            responses.append(
                pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("ASSESSMENT", out)])
            )
        return responses

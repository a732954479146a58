"""Triton Python-backend adapter over models.fraud.serve (no logic here)."""

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


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        _add_repo_to_path()
        from concurrent.futures import ThreadPoolExecutor

        from models.fraud.edits import EditModel
        from models.fraud.serve import analyse

        self.analyse = analyse
        # Trained by `make up` (infra/install.sh models) and linked here; a missing model
        # fails the load, so that the server never reports forensics without it.
        self.edit_model = EditModel.load(Path(__file__).parent / "edits")
        params = json.loads(args["model_config"]).get("parameters", {})
        threads = int(params.get("threads", {}).get("string_value", "1"))
        # Threads inside one instance: the signals of one upload run side by side, so a
        # lone verification gets the cores an idle machine has (a second instance would
        # only help under concurrent load).
        self.pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None

    def execute(self, requests: list) -> list:  # type: ignore[type-arg]
        responses = []
        for request in requests:
            images = pb_utils.get_input_tensor_by_name(request, "IMAGE").as_numpy().reshape(-1)
            options_tensor = pb_utils.get_input_tensor_by_name(request, "OPTIONS")
            if options_tensor is None:
                options = [None] * len(images)
            else:
                options = [bytes(o) for o in options_tensor.as_numpy().reshape(-1)]
                # One OPTIONS row for a batch of images applies to all of them.
                if len(options) == 1:
                    options = options * len(images)
            answers = [
                json.dumps(self.analyse(bytes(image), option, self.pool, self.edit_model))
                for image, option in zip(images, options, strict=False)
            ]
            out = np.array(answers, dtype=object).reshape(len(answers), 1)
            responses.append(
                pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("RESULT", out)])
            )
        return responses

    def finalize(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

"""Triton Python-backend adapter over models.ocr (no logic here)."""

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
        import cv2

        from models.ocr.document import read_document
        from models.ocr.engine import OcrEngine

        config = json.loads(args["model_config"])
        params = config.get("parameters", {})
        threads = int(params.get("intra_op_threads", {}).get("string_value", "2"))
        providers = ["CPUExecutionProvider"]
        if args.get("model_instance_kind") == "GPU":
            # Extra CUDA provider options (a JSON object) from the configuration, so that
            # settings such as cudnn_conv_algo_search can be compared without a code change.
            cuda = json.loads(params.get("cuda_provider_options", {}).get("string_value", "{}"))
            cuda["device_id"] = int(args.get("model_instance_device_id", "0"))
            providers = [("CUDAExecutionProvider", cuda), "CPUExecutionProvider"]  # type: ignore[list-item]
        # One input shape per network (OcrEngine's docstring): for the CUDA provider.
        fixed = params.get("fixed_shapes", {}).get("string_value", "false") == "true"
        self.engine = OcrEngine(
            Path(__file__).parent / "ppocr",
            threads=threads,
            providers=providers,
            fixed_shapes=fixed,
        )
        self.engine.warm_up()  # with fixed_shapes: no request pays for a session's first run
        self.read_document = read_document
        self.cv2 = cv2

    def _read(self, data: bytes) -> str:
        image = self.cv2.imdecode(np.frombuffer(data, np.uint8), self.cv2.IMREAD_COLOR)
        if image is None:
            return json.dumps({"error": "UNDECODABLE_IMAGE"})
        return json.dumps(self.read_document(image, self.engine).to_dict())

    def execute(self, requests: list) -> list:  # type: ignore[type-arg]
        responses = []
        for request in requests:
            images = pb_utils.get_input_tensor_by_name(request, "IMAGE").as_numpy()
            readings = [self._read(bytes(row)) for row in images.reshape(-1)]
            out = np.array(readings, dtype=object).reshape(len(readings), 1)
            responses.append(
                pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("READING", out)])
            )
        return responses

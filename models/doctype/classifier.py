"""Document-type classifier: a calibrated linear model over OCR text features.

``predict(text)`` returns the most likely type with a calibrated probability
(multinomial logistic regression whose logits are divided by a temperature
fitted on held-out data). It refuses what it does not know:

- too little readable text (a photo of a cat, a blank page) → ``unknown``
  with reason ``NO_TEXT``;
- the ``unknown`` class itself, trained on web pages, menus and receipts;
- a best probability below ``threshold`` (fitted with the temperature) →
  ``unknown`` with reason ``LOW_CONFIDENCE``.

Weights come from ``python -m models.doctype.train`` (``doctype.npz``). Pure
numpy at inference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from models.doctype.features import feature_indices, readable_chars
from models.doctypes import DocumentType

MIN_READABLE_CHARS = 20
WEIGHTS_FILE = "doctype.npz"


@dataclass(frozen=True)
class Prediction:
    """The answer for one document."""

    document_type: DocumentType
    probability: float
    reason: str | None = None  # why ``unknown`` (NO_TEXT, LOW_CONFIDENCE, UNKNOWN_CLASS)
    top: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "documentType": self.document_type.value,
            "probability": round(self.probability, 4),
            "reason": self.reason,
            "top": [{"documentType": t, "probability": round(p, 4)} for t, p in self.top],
        }


class DocTypeClassifier:
    """Loaded weights; ``predict`` is pure and thread-safe."""

    def __init__(
        self,
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        labels: list[str],
        temperature: float,
        threshold: float,
    ) -> None:
        self.weights = weights
        self.bias = bias
        self.labels = [DocumentType(label) for label in labels]
        self.temperature = temperature
        self.threshold = threshold

    @classmethod
    def load(cls, path: Path) -> DocTypeClassifier:
        """Load ``doctype.npz`` (a directory holding it, or the file). Raises FileNotFoundError."""
        file = path / WEIGHTS_FILE if path.is_dir() else path
        with np.load(file, allow_pickle=False) as data:
            return cls(
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                labels=[str(x) for x in data["labels"]],
                temperature=float(data["temperature"]),
                threshold=float(data["threshold"]),
            )

    def logits(self, text: str) -> npt.NDArray[np.float32]:
        idx = feature_indices(text)
        if len(idx) == 0:
            return self.bias.copy()
        # Binary features, L2-normalised: each present feature weighs 1/sqrt(n).
        return self.weights[idx].sum(axis=0) / np.sqrt(len(idx)) + self.bias  # type: ignore[no-any-return]

    def probabilities(self, text: str) -> npt.NDArray[np.float64]:
        z = self.logits(text).astype(np.float64) / self.temperature
        z -= z.max()
        p = np.exp(z)
        return p / p.sum()  # type: ignore[no-any-return]

    def predict(self, text: str) -> Prediction:
        if readable_chars(text) < MIN_READABLE_CHARS:
            return Prediction(DocumentType.UNKNOWN, 1.0, reason="NO_TEXT")
        p = self.probabilities(text)
        order = np.argsort(-p)[:3]
        top = [(self.labels[i].value, float(p[i])) for i in order]
        best = self.labels[order[0]]
        prob = float(p[order[0]])
        if best is DocumentType.UNKNOWN:
            return Prediction(best, prob, reason="UNKNOWN_CLASS", top=top)
        if prob < self.threshold:
            unknown = float(p[self.labels.index(DocumentType.UNKNOWN)])
            return Prediction(DocumentType.UNKNOWN, max(unknown, 1 - prob), "LOW_CONFIDENCE", top)
        return Prediction(best, prob, top=top)

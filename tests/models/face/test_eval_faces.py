"""The face evaluation's core on a small subset (the full run: python -m models.eval.faces)."""

from __future__ import annotations

import math

from models.eval.faces import (
    VARIANTS,
    equal_error_rate,
    error_rates,
    evaluate_pairs,
    report,
    robustness_cases,
    summarise,
)
from models.face.compare import MATCH_THRESHOLD
from models.face.detect import FaceModels
from tools.facedata import RealPhoto

SUBSET = ("obama-1", "obama-2", "biden-1")
SUBSET_VARIANTS = ("original", "grey", "id_card")


def test_error_rates_and_eer_by_hand() -> None:
    genuine = [99.0, 95.0, 85.0, 92.0]
    impostor = [30.0, 91.0, 50.0, 60.0]
    far, frr = error_rates(genuine, impostor, 90.0)
    assert far == 0.25 and frr == 0.25
    eer, threshold = equal_error_rate(genuine, impostor)
    assert eer == 0.25 and threshold == 91.0
    # Separable scores: EER 0, threshold in the middle of the gap.
    assert equal_error_rate([98.0, 97.0], [40.0, 80.0]) == (0.0, 88.5)
    assert math.isnan(equal_error_rate([], [1.0])[0])


def test_evaluation_on_a_subset(face_models: FaceModels, real_photos: dict[str, RealPhoto]) -> None:
    photos = [real_photos[p] for p in SUBSET]
    variants = {name: VARIANTS[name] for name in SUBSET_VARIANTS}
    pairs = evaluate_pairs(face_models, photos, variants=variants, max_side=500)
    kinds = [p.kind for p in pairs]
    # Genuine: obama-1 vs obama-2 both ways x 3 variants; same photo: 3 photos x 2
    # variants; impostor: obama-x vs biden both ways x 3 variants.
    assert kinds.count("genuine") == 6
    assert kinds.count("same_photo") == 6
    assert kinds.count("impostor") == 12
    figures = summarise(pairs)
    assert figures["genuine"]["compared"] == 6
    # Obama's two photos match under every variant; Obama and Biden never do.
    assert figures["frr"] == 0.0 and figures["far"] == 0.0
    assert figures["genuine"]["similarity"]["min"] >= MATCH_THRESHOLD
    assert figures["impostor"]["similarity"]["max"] < MATCH_THRESHOLD
    assert figures["eer"] == 0.0
    cases = robustness_cases(face_models, [*photos, real_photos["hopper-1"]], max_side=500)
    failed = [c.name for c in cases if not c.passed]
    assert failed == []
    text = report(figures, cases, photos)
    assert "3 distinct photos" in text and "Equal-error rate" in text

"""The local-edit detector: features, the ONNX export, the page evidence, the trained model."""

from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from models.doctypes import DocumentType
from models.fraud import edits, tamper
from models.fraud.train_edits import _region_share, image_features, to_onnx
from tests.fixtures.fraud import sample
from tools.tampergen import copy_move, genuine, retype, splice


def test_window_features_shape_finite_and_deterministic() -> None:
    s = sample(DocumentType.PAYSLIP, "phone")
    up = genuine(s, np.random.default_rng(5))
    a = image_features(up.image_bytes)
    b = image_features(up.image_bytes)
    h, w = s.image.shape[:2]
    assert a.shape[:2] == (h // edits.CELL - 1, w // edits.CELL - 1)
    assert a.dtype == np.float32 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="too small"):
        edits.window_features(np.zeros((40, 400, 3), np.uint8), None, None)


def test_the_dq_map_may_come_late_from_a_function() -> None:
    s = sample(DocumentType.NATIONAL_ID_FRONT, "phone")
    img = tamper.load_image(retype(s, np.random.default_rng(3)).image_bytes)
    dq = np.zeros((s.image.shape[0] // 8, s.image.shape[1] // 8))
    dq[10:20, 10:30] = 5.0  # evidence somewhere, whatever the upload's own map says
    calls: list[int] = []

    def later() -> np.ndarray:
        calls.append(1)
        return dq

    direct = edits.window_features(img.bgr, img.quality, dq)
    np.testing.assert_array_equal(edits.window_features(img.bgr, img.quality, later), direct)
    assert calls == [1]
    assert not np.array_equal(edits.window_features(img.bgr, img.quality, None), direct)
    # without a model nothing is measured, so the map is never asked for
    assert not edits.local_edits(img.bgr, img.quality, later, None).applicable
    assert calls == [1]


def test_labels_are_the_share_of_each_window_inside_the_regions() -> None:
    share = _region_share((96, 96), ((16, 16, 32, 32),))
    assert share.shape == (5, 5)
    assert share[1, 1] == 1.0 and share[0, 0] == 0.25 and share[4, 4] == 0.0


def test_onnx_export_matches_scikit_learn_to_the_threshold() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 6)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] > 0.3).astype(int)
    clf = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, random_state=0)
    clf.fit(x, y)
    session = ort.InferenceSession(to_onnx(clf, 6), providers=["CPUExecutionProvider"])
    # probes on the split thresholds themselves, where float32 rounding would show
    thresholds = np.array(
        [n["num_threshold"] for (p,) in clf._predictors for n in p.nodes if not n["is_leaf"]]
    )
    probe = np.vstack([x[:500], np.tile(thresholds[:, None], (1, 6))]).astype(np.float32)
    ours = session.run(None, {"X": probe})[0].ravel()
    np.testing.assert_allclose(ours, clf.decision_function(probe), atol=1e-4)


def test_page_evidence_ignores_the_border_and_pools_neighbours() -> None:
    logits = np.full((8, 10), -5.0, np.float32)
    logits[0, 4] = 50.0  # a page edge: never reported
    assert edits.page_evidence(logits)[0] == pytest.approx(-5.0)
    logits[3:5, 3:5] = 3.0  # a 2 x 2 group
    logits[6, 7] = 9.0  # a single window is averaged with its neighbours
    assert edits.page_evidence(logits)[0] == pytest.approx(3.0)


def test_page_features_measure_the_map_away_from_the_border() -> None:
    logits = np.full((12, 14), -4.0, np.float32)
    logits[0, :] = 60.0  # the border row: never measured
    f = dict(zip(edits.PAGE_FEATURES, edits.page_features(logits), strict=True))  # type: ignore[arg-type]
    assert f["pooled2x2Max"] == pytest.approx(-4.0) and f["windowMax"] == pytest.approx(-4.0)
    assert f["sharePositive"] == 0.0 and f["countOver2"] == 0.0
    logits[4:6, 4:7] = 5.0  # a field-shaped group of six windows
    logits[9, 11] = 3.0  # and one stray window apart from it
    f = dict(zip(edits.PAGE_FEATURES, edits.page_features(logits), strict=True))  # type: ignore[arg-type]
    assert f["pooled2x2Max"] == pytest.approx(5.0)
    assert f["pooled1x3Max"] == pytest.approx(5.0) and f["pooled2x4Max"] < 5.0
    assert f["pooled2x2Second"] == pytest.approx((3.0 - 4.0 * 3) / 4)
    assert f["windowMax"] == pytest.approx(5.0) and f["top4Mean"] == pytest.approx(5.0)
    assert f["countOver2"] == 7.0
    assert f["sharePositive"] == pytest.approx(7 / (10 * 12))
    assert f["pooled2x2MaxOverQ99"] == pytest.approx(f["pooled2x2Max"] - f["q99"])
    assert edits.page_features(np.zeros((3, 3), np.float32)) is None  # 1 x 1 inside


def test_the_aggregator_is_a_standardised_logistic_model_kept_in_the_card() -> None:
    n = len(edits.PAGE_FEATURES)
    agg = edits.Aggregator(np.zeros(n), np.full(n, 2.0), np.eye(n)[0] * 3.0, -1.0)
    x = np.zeros(n, np.float32)
    x[0] = 4.0
    assert agg.evidence(x) == pytest.approx(4.0 / 2.0 * 3.0 - 1.0)
    again = edits.Aggregator.from_card(json.loads(json.dumps(agg.to_card())))
    assert again.evidence(x) == pytest.approx(agg.evidence(x))
    other = {**agg.to_card(), "features": ["pooled2x2Max"]}
    with pytest.raises(ValueError, match="other features"):
        edits.Aggregator.from_card(other)


def test_without_a_model_the_signal_is_not_applicable() -> None:
    s = sample(DocumentType.PAYSLIP, "scan")
    sig = edits.local_edits(s.image, None, None, None)
    assert not sig.applicable and sig.score == 0.0


@pytest.fixture(scope="module")
def model() -> edits.EditModel:
    # make up trains and links it; the test run starts the stack first
    return edits.load_installed()


def _score(model: edits.EditModel, data: bytes) -> float:
    img = tamper.load_image(data)
    return tamper.local_edits_of(img, model).score


def test_the_trained_model_flags_edits_and_passes_genuine_uploads(
    model: edits.EditModel,
) -> None:
    assert model.card["featureVersion"] == edits.FEATURE_VERSION
    # Held-out seeds (tests' own range): 6 genuine uploads, each forged 3 ways.
    genuine_scores: list[float] = []
    forged: dict[str, list[float]] = {"retype": [], "copy_move": [], "splice": []}
    for k, condition in enumerate(("phone", "scan", "shadow", "phone", "low_light", "scan")):
        s = sample(DocumentType.NATIONAL_ID_FRONT, condition, seed=2_100_100 + k, template=k % 3)
        genuine_scores.append(_score(model, genuine(s, np.random.default_rng(k)).image_bytes))
        for name, attack in (("retype", retype), ("copy_move", copy_move), ("splice", splice)):
            up = attack(s, np.random.default_rng(100 + k))
            forged[name].append(_score(model, up.image_bytes))
    # The cut is set at 1 genuine upload in 200: none of these six is over it.
    assert max(genuine_scores) < edits.THRESHOLD
    # Detection at that cut is partial (validation: about 35-60% of re-typed fields and
    # splices, 10-15% of copy-moves), the ranking is strong: a forgery scores above the
    # genuine upload it was made from. The cut is the 3rd-highest of 500 genuine
    # validation uploads, a noisy statistic: the same code and seeds gave 1.01 on an Intel
    # host and 1.42 on an AMD one (probably image operations whose SIMD paths differ in
    # the last bit), and 7 or more, then 6, of these 18 forgeries over it.
    over = sum(x >= edits.THRESHOLD for scores in forged.values() for x in scores)
    assert over >= 5, forged
    for name, scores in forged.items():
        wins = sum(f > g for f, g in zip(scores, genuine_scores, strict=True))
        assert wins >= 4, (name, scores, genuine_scores)


def test_the_signal_points_at_the_edited_field(model: edits.EditModel) -> None:
    for condition in ("phone", "scan"):
        s = sample(DocumentType.NATIONAL_ID_FRONT, condition, seed=2_100_200)
        up = retype(s, np.random.default_rng(0))  # a careless edit
        img = tamper.load_image(up.image_bytes)
        sig = tamper.local_edits_of(img, model)
        assert sig.triggered and sig.regions
        x, y, w, h = up.regions[0]
        rx, ry, rw, rh = sig.regions[0]
        assert rx < x + w and x < rx + rw and ry < y + h and y < ry + rh  # the boxes overlap
        assert sig.heatmap is not None and sig.heatmap.max() == 255

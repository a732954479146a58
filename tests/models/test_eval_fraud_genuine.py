"""The interval the genuine false-positive evaluation reports."""

from __future__ import annotations

import math

import pytest

from core.settings import get_settings
from models.eval.fraud_genuine import main, wilson_upper


def test_wilson_upper_bounds() -> None:
    # No false positive in 200 uploads bounds the rate below 2% (the target) ...
    assert 0.018 < wilson_upper(0, 200) < 0.019
    # ... one in 50 does not bound it below 10%.
    assert 0.10 < wilson_upper(1, 50) < 0.11
    assert wilson_upper(50, 50) == 1.0 and math.isnan(wilson_upper(0, 0))


def test_ocr_without_a_served_ocr_fails_at_once_naming_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A closed port: "--ocr" must not quietly measure the pixel signals alone.
    monkeypatch.setenv("BOTSKYC_TRITON_HTTP_PORT", "1")
    monkeypatch.setenv("BOTSKYC_TRITON_GRPC_PORT", "1")
    get_settings.cache_clear()
    try:
        assert main(["--n", "1", "--ocr"]) == 2
    finally:
        get_settings.cache_clear()
    assert "make up" in capsys.readouterr().err

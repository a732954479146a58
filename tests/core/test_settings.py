"""The settings object: defaults, environment overrides, clear failures, documented."""

from __future__ import annotations

import re

import pytest

from core.settings import (
    REPO_ROOT,
    KafkaSettings,
    SettingsError,
    env_var_names,
    get_settings,
)


def test_environment_overrides_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOTSKYC_KAFKA_PORT", "19092")
    assert KafkaSettings().port == 19092
    assert KafkaSettings().bootstrap_servers == "127.0.0.1:19092"


def test_malformed_value_fails_fast_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOTSKYC_KAFKA_PORT", "not-a-port")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match=r"KafkaSettings port.*not-a-port"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_settings_are_cached() -> None:
    assert get_settings() is get_settings()


def test_every_variable_is_in_the_readme_configuration_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    documented = set(re.findall(r"`(BOTSKYC_[A-Z0-9_]+)`", readme))
    missing = set(env_var_names()) - documented
    assert not missing, f"README configuration table lacks: {sorted(missing)}"
    stale = documented - set(env_var_names())
    assert not stale, f"README documents variables that no longer exist: {sorted(stale)}"

"""Issue 16, item 2: calibration measurements, the operating curve, and the risk
setting that turns them into an inbox's thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from blockdesk.assistant import configuration
from blockdesk.assistant.models import AssistantSettings
from blockdesk.assistant.nlu.calibration import (
    RISK_TARGETS,
    OperatingCurve,
    expected_calibration_error,
    reliability_table,
)
from blockdesk.assistant.nlu.model import IntentModel
from blockdesk.assistant.selectors import settings_for_inbox


def test_ece_on_a_toy_case() -> None:
    # Bin (0.8, 0.9]: 4 messages at 0.85, 2 right -> |0.5 - 0.85| = 0.35, weight 4/10.
    # Bin (0.2, 0.3]: 6 messages at 0.25, 3 right -> |0.5 - 0.25| = 0.25, weight 6/10.
    conf = [0.85] * 4 + [0.25] * 6
    right = [True, True, False, False, True, True, True, False, False, False]
    assert expected_calibration_error(conf, right) == pytest.approx(0.4 * 0.35 + 0.6 * 0.25)
    table = reliability_table(conf, right)
    assert [(b.lower, b.count) for b in table] == [(pytest.approx(0.2), 6), (pytest.approx(0.8), 4)]
    # Perfectly calibrated: confidence equals the share right in every bin.
    assert expected_calibration_error([1.0, 1.0, 0.5, 0.5], [True, True, True, False]) == 0.0
    # Bin edges: 0.1 belongs to the first bin, 0.0 too.
    assert [b.count for b in reliability_table([0.0, 0.1, 0.1000001], [1, 1, 1])] == [2, 1]
    with pytest.raises(ValueError):
        expected_calibration_error([0.5], [True, False])


def _curve() -> OperatingCurve:
    # Right answers are confident, wrong ones are not: precision rises with t.
    rng = np.random.default_rng(0)
    right_conf = rng.uniform(0.4, 1.0, 700)
    wrong_conf = rng.uniform(0.0, 0.8, 300)
    conf = np.concatenate([right_conf, wrong_conf])
    correct = np.concatenate([np.ones(700, bool), np.zeros(300, bool)])
    top2 = np.concatenate([np.ones(700, bool), rng.uniform(size=300) < 0.6])
    return OperatingCurve.from_predictions(conf, correct, top2)


def test_operating_curve_thresholds_follow_the_target() -> None:
    curve = _curve()
    answer = {risk: curve.answer_threshold(t) for risk, t in RISK_TARGETS.items()}
    assert answer["precision-first"] > answer["balanced"] > answer["coverage-first"]
    for risk, target in RISK_TARGETS.items():
        precision, coverage = curve.at(answer[risk])
        assert precision >= target and coverage > 0
        assert curve.clarify_threshold(target) <= answer[risk]
    # An unreachable target refuses everything rather than pretending.
    assert curve.answer_threshold(1.01) == 1.0


class _Stub:
    def __init__(self, thresholds: dict[str, tuple[float, float]]) -> None:
        self.thresholds = thresholds

    def thresholds_for(self, risk: str) -> tuple[float, float] | None:
        return self.thresholds.get(risk)


def test_risk_setting_changes_the_thresholds() -> None:
    model = _Stub({"precision-first": (0.9, 0.5), "balanced": (0.6, 0.3)})
    config = AssistantSettings(answer_threshold=0.42, clarify_threshold=0.2)
    assert config.risk_profile == "precision-first"  # the default
    assert config.risk_thresholds(model) == (0.9, 0.5)
    config.risk_profile = "balanced"
    assert config.risk_thresholds(model) == (0.6, 0.3)
    config.risk_profile = "custom"
    assert config.risk_thresholds(model) == (0.42, 0.2)
    # No calibrated model yet: the starter model's thresholds.
    config.risk_profile = "coverage-first"
    assert config.risk_thresholds(None) == (0.26, 0.0)


def test_trained_model_reads_thresholds_off_its_held_out_curve(crypto_model: IntentModel) -> None:
    found = {risk: crypto_model.thresholds_for(risk) for risk in RISK_TARGETS}
    assert all(f is not None for f in found.values())
    assert found["precision-first"][0] >= found["balanced"][0] >= found["coverage-first"][0]
    assert 0.0 < crypto_model.meta["ece_held_out"] < crypto_model.meta["ece_held_out_uncalibrated"]


@pytest.mark.django_db
def test_settings_service_applies_the_risk_setting(admin_user, channel, monkeypatch) -> None:
    model = _Stub({"precision-first": (0.91, 0.44), "balanced": (0.66, 0.2)})
    monkeypatch.setattr(configuration, "saved_model", lambda *, account_id: model)
    inbox_id = channel.inbox.pk
    config = configuration.do_update_settings(
        user=admin_user, inbox_id=inbox_id, values={"risk_profile": "balanced"}
    )
    assert (config.answer_threshold, config.clarify_threshold) == (0.66, 0.2)
    # Typed thresholds are ignored under a risk setting, kept under custom.
    config = configuration.do_update_settings(
        user=admin_user,
        inbox_id=inbox_id,
        values={"risk_profile": "precision-first", "answer_threshold": 0.1},
    )
    assert settings_for_inbox(channel.inbox).answer_threshold == 0.91
    config = configuration.do_update_settings(
        user=admin_user,
        inbox_id=inbox_id,
        values={"risk_profile": "custom", "answer_threshold": 0.7, "clarify_threshold": 0.4},
    )
    assert (config.answer_threshold, config.clarify_threshold) == (0.7, 0.4)
    # Retraining re-reads the thresholds of inboxes that follow a risk setting only.
    assert (
        configuration.do_apply_risk_profiles(account_id=channel.inbox.account_id, model=model) == 0
    )
    AssistantSettings.objects.filter(inbox_id=inbox_id).update(risk_profile="balanced")
    assert (
        configuration.do_apply_risk_profiles(account_id=channel.inbox.account_id, model=model) == 1
    )
    assert settings_for_inbox(channel.inbox).answer_threshold == 0.66


@pytest.mark.django_db
def test_settings_form_shows_the_risk_setting(admin_user, channel, client) -> None:
    client.force_login(admin_user)
    page = client.get(f"/app/settings/assistant/{channel.inbox.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="risk_profile"' in body and "precision-first" in body


def test_eval_command_risk_setting(tmp_path, capsys) -> None:
    """``assistant eval --risk``: the refusal threshold comes from the training data's
    held-out curve (stricter setting, higher threshold); the JSON keeps its keys."""
    import json

    from django.core.management import call_command

    from tests.assistant.test_model import REQUIRED_KEYS, _write_crypto_files

    train_csv, test_json = _write_crypto_files(tmp_path)
    found = {}
    for risk in ("precision-first", "coverage-first"):
        call_command(
            "assistant", "eval", "--train", str(train_csv), "--test", str(test_json),
            "--latency-sample", "3", "--risk", risk,
        )  # fmt: skip
        metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert set(metrics) >= REQUIRED_KEYS | {"ece", "risk"} and metrics["risk"] == risk
        assert 0.0 <= metrics["ece"] <= 1.0
        found[risk] = metrics["oos_threshold"]
    assert found["precision-first"] > found["coverage-first"]


def test_the_answering_model_sets_the_thresholds_not_the_stored_copy(monkeypatch) -> None:
    """A model retrained in the background (first use, corrections) moves the thresholds of
    a risk setting at once: the actor reads them off the model that answers, not off the
    copy saved with the settings; a custom setting keeps its typed numbers."""
    from types import SimpleNamespace

    from blockdesk.assistant import engine
    from blockdesk.assistant.services import actor

    model = _Stub({"balanced": (0.55, 0.25)})
    seen: dict[str, float] = {}

    def fake_decide(**kwargs):
        seen.update(answer=kwargs["answer_threshold"], clarify=kwargs["clarify_threshold"])
        return "understood"

    monkeypatch.setattr(engine, "get_model", lambda account_id: model)
    monkeypatch.setattr(engine, "embed_together", lambda **kwargs: None)
    monkeypatch.setattr(engine, "search_opinions", lambda **kwargs: [])
    monkeypatch.setattr(engine, "decide", fake_decide)
    config = AssistantSettings(
        risk_profile="balanced", answer_threshold=0.99, clarify_threshold=0.9
    )
    ctx = SimpleNamespace(
        message=SimpleNamespace(content="where is my deposit"),
        config=config,
        language="en",
        account_id=1,
        answer_threshold=1.0,
        clarify_threshold=1.0,
    )
    assert actor._understand(ctx) == "understood"
    assert seen == {"answer": 0.55, "clarify": 0.25}
    assert (ctx.answer_threshold, ctx.clarify_threshold) == (0.55, 0.25)
    config.risk_profile = "custom"
    actor._understand(ctx)
    assert seen == {"answer": 0.99, "clarify": 0.9}

"""What a path says to the model rules: which names are model artifacts, which folders are run stores."""

from __future__ import annotations

import pytest

from checks.rules.model_paths import may_be_text_model, model_format, run_store


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("models/churn_classifier.pkl", "pickle"),
        ("weights/resnet50.pt", "PyTorch"),
        ("export/detector.onnx", "ONNX"),
        ("llm/model-q4_0.gguf", "GGUF"),
        ("pytorch_model.bin", "binary weights"),
        ("models/encoder/graph.pb", "TensorFlow graph"),
        ("frozen_inference_graph.pb", "TensorFlow graph"),
        ("keras_weights.h5", "HDF5"),
        ("finalized_model.sav", "pickle"),
        ("export/variables/variables.data-00000-of-00001", "TensorFlow checkpoint"),
        ("export/booster.ubj", "XGBoost UBJSON"),
        ("export/ranking.cbm", "CatBoost"),
        ("data/train_model.pkl", "pickle"),
        # Shared formats without a model name or folder, and pickles named like data, are not models.
        ("firmware/board.bin", None),
        ("data/measurements.h5", None),
        ("proto/descriptor.pb", None),
        ("spss/survey.sav", None),
        ("data/processed/X_train.pkl", None),
        ("history.pkl", None),
        ("export/variables/variables.index", None),
        ("src/model.py", None),
        ("README.md", None),
        # Text formats are told by their first lines (`text_model_format`), never by the name alone.
        ("models/fraud_xgb.json", None),
        ("lgbm_model.txt", None),
    ],
)
def test_model_format(path: str, fmt: str | None) -> None:
    assert model_format(path) == fmt


@pytest.mark.parametrize(
    ("path", "candidate"),
    [
        ("models/fraud_xgb.json", True),
        ("lgbm_model.txt", True),
        ("models/churn.json", True),
        ("export/booster.json", True),
        ("configs/params.json", False),
        ("notes.txt", False),
        ("models/fraud_xgb.yaml", False),
    ],
)
def test_may_be_text_model(path: str, candidate: bool) -> None:
    """The names whose first lines are read: named like a model or in a model folder, in a boosting text format."""
    assert may_be_text_model(path) is candidate


@pytest.mark.parametrize(
    ("path", "root", "tracker"),
    [
        ("mlruns/0/3f2a/meta.yaml", "mlruns", "MLflow"),
        ("exp/runs/b/mlruns/0/x/metrics/loss", "exp/runs/b/mlruns", "MLflow"),
        ("mlflow.db", "mlflow.db", "MLflow"),
        ("wandb/run-20240101_120000-abc12def/files/config.yaml", "wandb", "Weights & Biases"),
        ("lightning_logs/version_0/hparams.yaml", "lightning_logs", "Lightning"),
        ("logs/fit/events.out.tfevents.1700000000.host.1.v2", "logs/fit", "TensorBoard"),
        ("runs/detect/train3/weights/best.pt", "runs", "Experiment"),
        ("outputs/2024-05-01/10-11-12/.hydra/config.yaml", "outputs", "Hydra"),
    ],
)
def test_run_store(path: str, root: str, tracker: str) -> None:
    store = run_store(path)
    assert store is not None
    assert (store.root, store.tracker) == (root, tracker)


@pytest.mark.parametrize(
    "path",
    [
        "runs/__init__.py",
        "runs/schedule.yaml",
        "src/mylib/integrations/wandb/callback.yaml",
        "wandb/__init__.py",
        "outputs/predictions.csv",
        "lightning_logs/README.md",
    ],
)
def test_not_a_run_store(path: str) -> None:
    assert run_store(path) is None

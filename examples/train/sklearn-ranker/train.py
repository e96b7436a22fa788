"""Trains a click-through ranker with scikit-learn and writes a Berth model version.

Run by `berth train` (see README.md), which sets:
  BERTH_DATA_DIR     staged data: train (a folder of Parquet or CSV parts, or one file) and holdout
  BERTH_OUTPUT_DIR   empty folder for the version's files (model.onnx, berth.yaml, warmup/, verify/)
  BERTH_PARAMS_FILE  JSON object of the job's params (optional)
  BERTH_METRICS_FILE where the metrics JSON goes (default: $BERTH_OUTPUT_DIR/metrics.json)
The same variables can be given as flags to run it by hand.
"""

import argparse
import json
import os
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

FEATURES = ["query_match", "ctr_7d", "price_rank", "dwell_log", "freshness", "position"]
LABEL = "clicked"
INPUT = "features"
# Rows of the holdout the version carries as its verification samples and warm-up request.
SAMPLE_ROWS = 20
WARMUP_ROWS = 4
DEFAULTS = {"n_estimators": 100, "learning_rate": 0.1, "max_depth": 3, "seed": 0}


def read_table(path: pathlib.Path) -> pa.Table:
    """One file, or every data file of a folder in name order (Hadoop's _SUCCESS and .crc skipped)."""
    if not path.exists():
        # By hand, `data/holdout` may be `data/holdout.parquet`; Berth stages it under its bare name.
        found = [path.with_suffix(s) for s in (".parquet", ".csv") if path.with_suffix(s).exists()]
        if not found:
            raise SystemExit(f"{path}: no such file or folder (nor .parquet/.csv)")
        path = found[0]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(("_", ".")))
        if not files:
            raise SystemExit(f"{path}: no data files in the folder")
        return pa.concat_tables(read_table(p) for p in files)
    # Parquet by its magic bytes rather than the name: a staged single file keeps only the data name.
    with path.open("rb") as file:
        if file.read(4) == b"PAR1":
            return pq.read_table(path)
    return pacsv.read_csv(path)


def features_and_label(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    missing = [name for name in FEATURES + [LABEL] if name not in table.column_names]
    if missing:
        raise SystemExit(f"data has no column(s) {missing}; it has {table.column_names}")
    # float32 here, so that scikit-learn sees exactly the numbers ONNX Runtime will be sent.
    x = np.column_stack([table[name].to_numpy().astype(np.float32) for name in FEATURES])
    return x, table[LABEL].to_numpy().astype(np.int64)


def read_params(path: str | None) -> dict:
    given = json.loads(pathlib.Path(path).read_text()) if path else {}
    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise SystemExit(f"unknown param(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    # `--param key=value` arrives as a string: cast each to its default's type.
    return {key: type(default)(given.get(key, default)) for key, default in DEFAULTS.items()}


def v2_request(rows: np.ndarray, request_id: str) -> dict:
    return {
        "id": request_id,
        "inputs": [{"name": INPUT, "shape": list(rows.shape), "datatype": "FP32", "data": rows.ravel().tolist()}],
    }


def write_json(path: pathlib.Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value) + "\n")


def main() -> None:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=pathlib.Path, default=env("BERTH_DATA_DIR"))
    parser.add_argument("--output-dir", type=pathlib.Path, default=env("BERTH_OUTPUT_DIR"))
    parser.add_argument("--params-file", default=env("BERTH_PARAMS_FILE"))
    parser.add_argument("--metrics-file", type=pathlib.Path, default=env("BERTH_METRICS_FILE"))
    args = parser.parse_args()
    if args.data_dir is None or args.output_dir is None:
        parser.error("BERTH_DATA_DIR and BERTH_OUTPUT_DIR (or --data-dir and --output-dir) are required")
    out: pathlib.Path = args.output_dir
    params = read_params(args.params_file)

    x_train, y_train = features_and_label(read_table(args.data_dir / "train"))
    x_hold, y_hold = features_and_label(read_table(args.data_dir / "holdout"))
    print(f"training on {len(y_train)} rows, holding out {len(y_hold)}; params {params}", flush=True)

    model = GradientBoostingClassifier(
        n_estimators=params["n_estimators"],
        learning_rate=params["learning_rate"],
        max_depth=params["max_depth"],
        random_state=params["seed"],
    )
    model.fit(x_train, y_train)
    proba = model.predict_proba(x_hold)
    metrics = {
        "holdout_auc": float(roc_auc_score(y_hold, proba[:, 1])),
        "holdout_log_loss": float(log_loss(y_hold, proba)),
        "holdout_accuracy": float(accuracy_score(y_hold, proba.argmax(axis=1))),
        "train_rows": int(len(y_train)),
        "holdout_rows": int(len(y_hold)),
    }
    print(f"holdout metrics {metrics}", flush=True)

    # zipmap off: probabilities come out as one [N, 2] FP32 tensor instead of a list of maps,
    # which is what a V2 endpoint can return.
    onnx_model = convert_sklearn(
        model,
        initial_types=[(INPUT, FloatTensorType([None, len(FEATURES)]))],
        options={id(model): {"zipmap": False}},
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.onnx").write_bytes(onnx_model.SerializeToString())
    # berth.yaml only to run the real-looking warm-up request before the version reports READY.
    (out / "berth.yaml").write_text("max_batch_size: 256\nwarmup:\n  requests:\n    - warmup/request.json\n")
    write_json(out / "warmup" / "request.json", v2_request(x_hold[:WARMUP_ROWS], "warmup"))
    samples = v2_request(x_hold[:SAMPLE_ROWS], "verify")
    # The trainer's own predictions, which Berth checks ONNX Runtime reproduces before publishing.
    samples["expected_outputs"] = [{"name": "probabilities", "data": proba[:SAMPLE_ROWS].ravel().tolist()}]
    write_json(out / "verify" / "samples.json", samples)
    write_json(args.metrics_file or out / "metrics.json", metrics)
    print(f"wrote model.onnx ({(out / 'model.onnx').stat().st_size} bytes) to {out}", flush=True)


if __name__ == "__main__":
    main()

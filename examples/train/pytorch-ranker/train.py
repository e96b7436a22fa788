"""Trains a click-through ranker (a small MLP) with PyTorch on CPU and writes a Berth model version.

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
import torch

FEATURES = ["query_match", "ctr_7d", "price_rank", "dwell_log", "freshness", "position"]
LABEL = "clicked"
INPUT = "features"
OUTPUT = "score"
# Rows of the holdout the version carries as its verification samples and warm-up request.
SAMPLE_ROWS = 20
WARMUP_ROWS = 4
DEFAULTS = {"epochs": 20, "learning_rate": 0.01, "hidden": 32, "batch_size": 256, "seed": 0}


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
    x = np.column_stack([table[name].to_numpy().astype(np.float32) for name in FEATURES])
    return x, table[LABEL].to_numpy().astype(np.float32)


def read_params(path: str | None) -> dict:
    given = json.loads(pathlib.Path(path).read_text()) if path else {}
    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise SystemExit(f"unknown param(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    # `--param key=value` arrives as a string: cast each to its default's type.
    return {key: type(default)(given.get(key, default)) for key, default in DEFAULTS.items()}


class Ranker(torch.nn.Module):
    """MLP from the features to a click probability; the sigmoid is inside, so the served model returns one."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(len(FEATURES), hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, 1),
        )

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(x))


def fit(x: np.ndarray, y: np.ndarray, params: dict) -> Ranker:
    torch.manual_seed(params["seed"])
    model = Ranker(params["hidden"])
    optimizer = torch.optim.Adam(model.parameters(), lr=params["learning_rate"])
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xs, ys = torch.from_numpy(x), torch.from_numpy(y).unsqueeze(1)
    generator = torch.Generator().manual_seed(params["seed"])
    for epoch in range(params["epochs"]):
        order = torch.randperm(len(xs), generator=generator)
        total = 0.0
        for start in range(0, len(xs), params["batch_size"]):
            batch = order[start : start + params["batch_size"]]
            optimizer.zero_grad()
            loss = loss_fn(model.logits(xs[batch]), ys[batch])
            loss.backward()
            optimizer.step()
            total += float(loss) * len(batch)
        print(f"epoch {epoch + 1}/{params['epochs']} train loss {total / len(xs):.4f}", flush=True)
    return model.eval()


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC as the rank statistic (Mann-Whitney U), so the venv needs no scikit-learn."""
    ranks = np.empty(len(score))
    ranks[np.argsort(score, kind="mergesort")] = np.arange(1, len(score) + 1)
    positives = y == 1
    count = positives.sum()
    return float((ranks[positives].sum() - count * (count + 1) / 2) / (count * (len(y) - count)))


def v2_request(rows: np.ndarray, request_id: str) -> dict:
    return {
        "id": request_id,
        "inputs": [{"name": INPUT, "shape": list(rows.shape), "datatype": "FP32", "data": rows.ravel().tolist()}],
    }


def write_json(path: pathlib.Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value) + "\n")


def export(model: Ranker, path: pathlib.Path) -> None:
    example = torch.zeros(2, len(FEATURES))
    batch = torch.export.Dim("batch")
    # One self-contained file (no external data) with a dynamic first dimension, so Berth batches it.
    program = torch.onnx.export(
        model,
        (example,),
        input_names=[INPUT],
        output_names=[OUTPUT],
        dynamic_shapes={"x": {0: batch}},
        dynamo=True,
        external_data=False,
    )
    program.save(str(path), external_data=False)


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
    # Two cores are typical for a training pod here; more threads only add contention on small batches.
    torch.set_num_threads(min(2, os.cpu_count() or 1))

    x_train, y_train = features_and_label(read_table(args.data_dir / "train"))
    x_hold, y_hold = features_and_label(read_table(args.data_dir / "holdout"))
    print(f"training on {len(y_train)} rows, holding out {len(y_hold)}; params {params}", flush=True)
    model = fit(x_train, y_train, params)
    with torch.no_grad():
        score = model(torch.from_numpy(x_hold)).numpy().astype(np.float64)
    clipped = np.clip(score[:, 0], 1e-7, 1 - 1e-7)
    metrics = {
        "holdout_auc": auc(y_hold, score[:, 0]),
        "holdout_log_loss": float(-np.mean(y_hold * np.log(clipped) + (1 - y_hold) * np.log(1 - clipped))),
        "holdout_accuracy": float(np.mean((score[:, 0] > 0.5) == (y_hold == 1))),
        "train_rows": int(len(y_train)),
        "holdout_rows": int(len(y_hold)),
    }
    print(f"holdout metrics {metrics}", flush=True)

    out.mkdir(parents=True, exist_ok=True)
    export(model, out / "model.onnx")
    # berth.yaml only to run the real-looking warm-up request before the version reports READY.
    (out / "berth.yaml").write_text("max_batch_size: 256\nwarmup:\n  requests:\n    - warmup/request.json\n")
    write_json(out / "warmup" / "request.json", v2_request(x_hold[:WARMUP_ROWS], "warmup"))
    samples = v2_request(x_hold[:SAMPLE_ROWS], "verify")
    # The trainer's own predictions, which Berth checks ONNX Runtime reproduces before publishing.
    samples["expected_outputs"] = [{"name": OUTPUT, "data": score[:SAMPLE_ROWS].ravel().tolist()}]
    write_json(out / "verify" / "samples.json", samples)
    write_json(args.metrics_file or out / "metrics.json", metrics)
    print(f"wrote model.onnx ({(out / 'model.onnx').stat().st_size} bytes) to {out}", flush=True)


if __name__ == "__main__":
    main()

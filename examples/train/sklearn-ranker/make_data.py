"""Writes deterministic click data for the ranker examples.

    python make_data.py --out data            # data/train/part-0000{0..3}.parquet, data/holdout.parquet

Each row is one shown result: six numeric features and `clicked` (0 or 1), drawn from a logistic
model with one interaction, so a tree ensemble or a small MLP has something to find. The same seed
gives the same rows; `--format csv` writes CSV instead (the trainers read both).
"""

import argparse
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FEATURES = ["query_match", "ctr_7d", "price_rank", "dwell_log", "freshness", "position"]
WEIGHTS = np.array([1.6, 2.2, -0.9, 1.1, 0.4, -0.7])


def make_rows(rng: np.random.Generator, count: int) -> pa.Table:
    x = rng.normal(size=(count, len(FEATURES)))
    # The interaction (query match x recent CTR) is what a linear model cannot see.
    logit = x @ WEIGHTS + 0.9 * x[:, 0] * x[:, 1] - 0.4
    clicked = rng.random(count) < 1.0 / (1.0 + np.exp(-logit))
    columns = {name: x[:, i] for i, name in enumerate(FEATURES)}
    columns["clicked"] = clicked.astype(np.int8)
    return pa.table(columns)


def write(table: pa.Table, path: pathlib.Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, path.with_suffix(".parquet"))
    else:
        pacsv.write_csv(table, path.with_suffix(".csv"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=pathlib.Path, required=True, help="folder to write train/ and holdout into")
    parser.add_argument("--train-rows", type=int, default=20_000)
    parser.add_argument("--holdout-rows", type=int, default=2_000)
    parser.add_argument("--parts", type=int, default=4, help="files the training rows are split into")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    train = make_rows(rng, args.train_rows)
    holdout = make_rows(rng, args.holdout_rows)
    bounds = np.linspace(0, args.train_rows, args.parts + 1).astype(int)
    for part, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        write(train.slice(start, stop - start), args.out / "train" / f"part-{part:05d}", args.format)
    write(holdout, args.out / "holdout", args.format)
    print(f"wrote {args.train_rows} training rows in {args.parts} parts and {args.holdout_rows} holdout rows to {args.out}")


if __name__ == "__main__":
    main()

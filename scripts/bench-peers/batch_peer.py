"""Offline batch peers of bench/batch.ts: score a folder of Parquet parts with onnxruntime.

  python batch_peer.py pyarrow <model.onnx> <input dir> <output dir> <intra_op threads> <batch rows>
  python batch_peer.py spark   <model.onnx> <input dir> <output dir> <intra_op threads> <batch rows>

pyarrow: each part read with iter_batches, the 64 feature columns stacked into a float32 matrix, the
scores written with pyarrow.parquet beside the id column, one output part per input part.
spark: local[2], mapInPandas with one onnxruntime session per Python worker, Parquet in and out.
Prints one line: BATCH_PEER_RESULT {"rows": ..., "seconds": ...}.
"""

import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort


def session(model, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


FEATURES = [f"f{i}" for i in range(64)]


def run_pyarrow(model, input_dir, output_dir, threads, batch_rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    sess = session(model, threads)
    name = sess.get_inputs()[0].name
    os.makedirs(output_dir, exist_ok=True)
    rows = 0
    for part in sorted(p for p in os.listdir(input_dir) if p.endswith(".parquet")):
        reader = pq.ParquetFile(os.path.join(input_dir, part))
        writer = None
        for batch in reader.iter_batches(batch_size=batch_rows, columns=["id", *FEATURES]):
            matrix = np.column_stack(
                [batch.column(i).to_numpy(zero_copy_only=False) for i in range(1, 65)]
            ).astype(np.float32, copy=False)
            score = sess.run(None, {name: matrix})[0].reshape(-1)
            table = pa.table({"id": batch.column(0), "score": pa.array(score, pa.float32())})
            if writer is None:
                writer = pq.ParquetWriter(os.path.join(output_dir, part), table.schema, compression="snappy")
            writer.write_table(table)
            rows += batch.num_rows
        if writer is not None:
            writer.close()
    return rows, time.perf_counter()


def run_spark(model, input_dir, output_dir, threads, batch_rows):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("berth-bench-batch")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")

    def score(batches):
        import pandas as pd

        sess = session(model, threads)
        name = sess.get_inputs()[0].name
        for frame in batches:
            matrix = frame[FEATURES].to_numpy(dtype=np.float32)
            out = sess.run(None, {name: matrix})[0].reshape(-1)
            yield pd.DataFrame({"id": frame["id"].to_numpy(), "score": out})

    frame = spark.read.parquet(input_dir)
    frame.mapInPandas(score, schema="id long, score float").write.mode("overwrite").parquet(output_dir)
    done = time.perf_counter()
    # Counting reads the output back: outside the timed part.
    rows = spark.read.parquet(output_dir).count()
    spark.stop()
    return rows, done


def main():
    mode, model, input_dir, output_dir, threads, batch_rows = sys.argv[1:7]
    start = time.perf_counter()
    run = run_pyarrow if mode == "pyarrow" else run_spark
    rows, done = run(model, input_dir, output_dir, int(threads), int(batch_rows))
    seconds = done - start
    print("BATCH_PEER_RESULT " + json.dumps({"rows": rows, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()

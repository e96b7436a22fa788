"""What the benchmark's Python peers share: arguments, the ONNX Runtime session, V2 JSON in and out.

Each peer loads the same model.onnx Berth serves, with the same thread settings, and answers the
same Open Inference Protocol V2 JSON request, so only the serving layer differs.
"""
import argparse

import numpy as np
import onnxruntime as ort


def parse_args(description, extra=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", required=True, help="path to model.onnx")
    parser.add_argument("--port", type=int, required=True, help="HTTP port on 127.0.0.1")
    parser.add_argument("--name", default="model", help="model name in /v2/models/<name>/infer")
    parser.add_argument("--intra-op", type=int, default=1, help="ONNX Runtime intra-op threads (0: default)")
    parser.add_argument("--inter-op", type=int, default=1, help="ONNX Runtime inter-op threads (0: default)")
    parser.add_argument("--spinning", action="store_true", help="let idle ONNX Runtime threads spin")
    if extra:
        extra(parser)
    return parser.parse_args()


def make_session(path, intra_op, inter_op, spinning):
    """A CPU session with Berth's settings (src/runtime/onnx/onnx-runtime.ts sessionOptions)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if intra_op > 0:
        options.intra_op_num_threads = intra_op
    if inter_op > 0:
        options.inter_op_num_threads = inter_op
    spin = "1" if spinning else "0"
    options.add_session_config_entry("session.intra_op.allow_spinning", spin)
    options.add_session_config_entry("session.inter_op.allow_spinning", spin)
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def decode_v2(body):
    """The first input tensor of a parsed V2 JSON request as an FP32 array of its shape."""
    tensor = body["inputs"][0]
    return np.asarray(tensor["data"], dtype=np.float32).reshape(tensor["shape"])


def encode_v2(model_name, output_name, array):
    """A V2 JSON response (as a dict) with one FP32 output."""
    return {
        "model_name": model_name,
        "model_version": "1",
        "outputs": [
            {
                "name": output_name,
                "datatype": "FP32",
                "shape": list(array.shape),
                "data": array.ravel().tolist(),
            }
        ],
    }

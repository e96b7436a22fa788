"""MLServer serving model.onnx through mlserver_onnx_runtime.OnnxRuntimeModel, with adaptive batching.

Writes settings.json and model-settings.json into a temporary folder and runs `mlserver start` on
it: HTTP on 127.0.0.1:--port, gRPC and metrics on free loopback ports, inference in the main
process (parallel_workers 0; the default worker pool adds an IPC hop per request).
Usage: mlserver_peer.py --model model.onnx --port 8000 [--name ranking] [--max-batch-size 64]
"""
import json
import os
import shutil
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_common import parse_args  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def extra_args(parser):
    parser.add_argument("--max-batch-size", type=int, default=64)
    parser.add_argument("--max-batch-time-ms", type=float, default=1.0)
    parser.add_argument("--parallel-workers", type=int, default=0)
    parser.add_argument("--settings-dir", help="folder for the generated settings (default: a new temp folder)")


def main():
    args = parse_args(__doc__, extra_args)
    folder = args.settings_dir or tempfile.mkdtemp(prefix="berth-bench-mlserver-")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    settings = {
        "debug": False,
        "host": "127.0.0.1",
        "http_port": args.port,
        "grpc_port": free_port(),
        "metrics_port": free_port(),
        "parallel_workers": args.parallel_workers,
        "load_models_at_startup": True,
    }
    model_settings = {
        "name": args.name,
        "implementation": "mlserver_onnx_runtime.OnnxRuntimeModel",
        "max_batch_size": args.max_batch_size,
        "max_batch_time": args.max_batch_time_ms / 1000,
        "parameters": {
            "uri": os.path.abspath(args.model),
            "extra": {"intra_op": args.intra_op, "inter_op": args.inter_op, "spinning": args.spinning},
        },
    }
    with open(os.path.join(folder, "settings.json"), "w") as out:
        json.dump(settings, out)
    model_dir = os.path.join(folder, args.name)
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "model-settings.json"), "w") as out:
        json.dump(model_settings, out)
    here = os.path.dirname(os.path.abspath(__file__))
    os.environ["PYTHONPATH"] = here + os.pathsep + os.environ.get("PYTHONPATH", "")
    mlserver = shutil.which("mlserver", path=os.path.dirname(sys.executable)) or "mlserver"
    print(f"mlserver settings in {folder}", flush=True)
    os.execv(mlserver, [mlserver, "start", folder])


if __name__ == "__main__":
    main()

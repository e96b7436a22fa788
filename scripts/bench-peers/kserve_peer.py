"""KServe's Python model server (kserve.ModelServer) with a custom kserve.Model running onnxruntime.

What a KServe user writes for a model no built-in runtime serves: V2 REST (/v2/models/<name>/infer,
JSON and the binary tensor extension) and, with --grpc-port, KServe's V2 gRPC service. No batching:
kserve's Model has none (batching is the Knative/agent sidecar's job, absent here).
Usage: kserve_peer.py --model model.onnx --port 8080 [--grpc-port 8081] [--name ranking] [--workers 1]
"""
import atexit
import copy
import json
import os
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_common import make_session, parse_args  # noqa: E402

# kserve.model_server parses sys.argv when imported (argparse abbreviations: --model would set its
# --model_name): it must not see this script's flags.
_argv, sys.argv = sys.argv, sys.argv[:1]
import kserve  # noqa: E402
from kserve import InferOutput, InferRequest, InferResponse  # noqa: E402

sys.argv = _argv


def quiet_log_config():
    """kserve's own log config with uvicorn's access log and kserve's latency trace at WARNING: a log
    line per request is a cost no other server in the bench pays. A file, because with --workers N
    every worker process configures logging again from it."""
    config = copy.deepcopy(kserve.logging.KSERVE_LOG_CONFIG)
    for name in ("uvicorn.access", "kserve.trace"):
        config["loggers"].setdefault(name, {})["level"] = "WARNING"
    fd, path = tempfile.mkstemp(prefix="kserve-peer-log-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(config, f)
    atexit.register(os.unlink, path)
    return path


class OnnxModel(kserve.Model):
    """One onnxruntime session per process; with --workers N each worker unpickles and loads its own."""

    def __init__(self, name, path, threads):
        super().__init__(name)
        self.path = path
        self.threads = threads

    def load(self):
        self.session = make_session(self.path, *self.threads)
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        self.ready = True
        return self.ready

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("session", None)
        state["ready"] = False
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.load()

    async def predict(self, payload: InferRequest, headers=None, response_headers=None):
        features = payload.inputs[0].as_numpy()
        (scores,) = self.session.run([self.output_name], {self.input_name: features})
        binary = payload.use_binary_outputs
        output = InferOutput(name=self.output_name, shape=list(scores.shape), datatype="FP32")
        output.set_data_from_numpy(scores, binary_data=binary)
        return InferResponse(
            # V2 responses carry an id; the bench's requests have none, so one is made up.
            response_id=payload.id or str(uuid.uuid4()),
            model_name=self.name,
            infer_outputs=[output],
            use_binary_outputs=binary,
        )


def main():
    def extra(parser):
        parser.add_argument("--grpc-port", type=int, default=0, help="V2 gRPC port (0: gRPC off)")
        parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (kserve's --workers)")

    args = parse_args(__doc__, extra)
    model = OnnxModel(args.name, args.model, (args.intra_op, args.inter_op, args.spinning))
    model.load()
    kserve.model_server.args.log_config_file = quiet_log_config()
    server = kserve.ModelServer(
        http_port=args.port,
        grpc_port=args.grpc_port or 8081,
        enable_grpc=args.grpc_port > 0,
        workers=args.workers,
        enable_latency_logging=False,
    )
    server.start([model])


if __name__ == "__main__":
    main()

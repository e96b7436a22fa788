"""Ray Serve with @serve.batch: requests from all clients are gathered into one ONNX Runtime run.

A local Ray instance bound to 127.0.0.1 (no dashboard, no usage reports), one replica holding the
session, the HTTP proxy on --port. The batch handler concatenates the rows of up to
--max-batch-size requests and splits the scores back.
Usage: ray_serve_peer.py --model model.onnx --port 8000 [--name ranking] [--max-batch-size 64]
"""
import os
import signal
import sys
import threading

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import numpy as np  # noqa: E402
import orjson  # noqa: E402
import ray  # noqa: E402
from ray import serve  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_common import decode_v2, encode_v2, make_session, parse_args  # noqa: E402


def extra_args(parser):
    parser.add_argument("--max-batch-size", type=int, default=64)
    parser.add_argument("--batch-wait-ms", type=float, default=1.0, help="@serve.batch batch_wait_timeout_s, ms")


ARGS = parse_args(__doc__, extra_args)


@serve.deployment(max_ongoing_requests=1024)
class OnnxModel:
    def __init__(self, path, name, intra_op, inter_op, spinning):
        self.session = make_session(path, intra_op, inter_op, spinning)
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        self.name = name

    @serve.batch(max_batch_size=ARGS.max_batch_size, batch_wait_timeout_s=ARGS.batch_wait_ms / 1000)
    async def run_batch(self, batches):
        rows = [batch.shape[0] for batch in batches]
        (scores,) = self.session.run([self.output_name], {self.input_name: np.concatenate(batches)})
        return np.split(scores, np.cumsum(rows)[:-1])

    async def __call__(self, request: Request):
        if request.method == "GET":
            return Response(content=b'{"ready":true}', media_type="application/json")
        features = decode_v2(orjson.loads(await request.body()))
        scores = await self.run_batch(features)
        return Response(content=orjson.dumps(encode_v2(self.name, self.output_name, scores)), media_type="application/json")


def main():
    ray.init(
        num_cpus=os.cpu_count(),
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        object_store_memory=256 * 1024 * 1024,
        log_to_driver=False,
        configure_logging=False,
    )
    serve.start(http_options={"host": "127.0.0.1", "port": ARGS.port}, logging_config={"log_level": "WARNING"})
    app = OnnxModel.bind(ARGS.model, ARGS.name, ARGS.intra_op, ARGS.inter_op, ARGS.spinning)
    serve.run(app, name="bench", route_prefix="/", blocking=False)
    print(f"ray serve ready on 127.0.0.1:{ARGS.port}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    serve.shutdown()
    ray.shutdown()


if __name__ == "__main__":
    main()

"""FastAPI + uvicorn + onnxruntime: the hand-written Python server a team would build instead.

One ONNX Runtime session per worker process; the endpoint is `async def` and runs the model inline
(a thread-pool hop costs more than this model's inference), bodies parsed and written with orjson.
Usage: fastapi_peer.py --model model.onnx --port 8000 [--name ranking] [--workers 2]
"""
import os
import sys

import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_common import decode_v2, encode_v2, make_session, parse_args  # noqa: E402


def build_app():
    session = make_session(
        os.environ["BENCH_PEER_MODEL"],
        int(os.environ["BENCH_PEER_INTRA_OP"]),
        int(os.environ["BENCH_PEER_INTER_OP"]),
        os.environ["BENCH_PEER_SPINNING"] == "1",
    )
    input_name = session.get_inputs()[0].name
    output_name = session.get_outputs()[0].name
    model_name = os.environ["BENCH_PEER_NAME"]
    app = FastAPI()

    @app.get("/v2/health/ready")
    async def ready():
        return {"ready": True}

    @app.post("/v2/models/{name}/infer")
    async def infer(name: str, request: Request):
        features = decode_v2(orjson.loads(await request.body()))
        (scores,) = session.run([output_name], {input_name: features})
        body = orjson.dumps(encode_v2(model_name, output_name, scores))
        return Response(content=body, media_type="application/json")

    return app


if os.environ.get("BENCH_PEER_MODEL"):
    # Each uvicorn worker imports this module and builds its own session.
    app = build_app()


def main():
    args = parse_args(__doc__, lambda p: p.add_argument("--workers", type=int, default=1))
    os.environ.update(
        BENCH_PEER_MODEL=args.model,
        BENCH_PEER_NAME=args.name,
        BENCH_PEER_INTRA_OP=str(args.intra_op),
        BENCH_PEER_INTER_OP=str(args.inter_op),
        BENCH_PEER_SPINNING="1" if args.spinning else "0",
    )
    uvicorn.run(
        "fastapi_peer:app",
        app_dir=os.path.dirname(os.path.abspath(__file__)),
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()

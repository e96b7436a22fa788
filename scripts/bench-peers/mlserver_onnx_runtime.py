"""A minimal MLServer runtime around onnxruntime (PyPI has no mlserver-onnx package).

model-settings.json parameters: uri (model.onnx path) and extra {intra_op, inter_op, spinning}.
MLServer's adaptive batching (max_batch_size / max_batch_time) merges requests before predict().
"""
import os
import sys

from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_common import make_session  # noqa: E402


class OnnxRuntimeModel(MLModel):
    async def load(self) -> bool:
        extra = self.settings.parameters.extra or {}
        self._session = make_session(
            self.settings.parameters.uri,
            int(extra.get("intra_op", 1)),
            int(extra.get("inter_op", 1)),
            bool(extra.get("spinning", False)),
        )
        self._input = self._session.get_inputs()[0].name
        self._output = self._session.get_outputs()[0].name
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        features = NumpyCodec.decode_input(payload.inputs[0]).astype("float32", copy=False)
        (scores,) = self._session.run([self._output], {self._input: features})
        return InferenceResponse(
            model_name=self.name,
            outputs=[NumpyCodec.encode_output(name=self._output, payload=scores)],
        )

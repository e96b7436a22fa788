/**
 * The client side of the v2 binary tensor data extension (see binary-message.ts for the server
 * side): a request whose inputs all travel as raw bytes after a JSON header, asking for every output
 * back the same way, and the decoding of such a response.
 */
import { BerthError } from '../../core/errors.js';
import type { DataType, Tensor } from '../../core/tensor.js';
import { decodeRawData, encodeRawData, rawByteLength } from './binary-codec.js';
import { dataFromJson } from './tensor-json.js';

/** A binary request body and its `Inference-Header-Content-Length`. */
export interface BinaryRequestBody {
  readonly headerLength: number;
  readonly body: Buffer;
}

/** Encodes inputs as raw bytes and asks for `outputs` as raw bytes too. */
export function encodeBinaryInferRequest(
  inputs: readonly Tensor[],
  outputs: readonly string[],
): BinaryRequestBody {
  const header = JSON.stringify({
    inputs: inputs.map((tensor) => ({
      name: tensor.name,
      datatype: tensor.datatype,
      shape: tensor.shape,
      parameters: { binary_data_size: rawByteLength(tensor.datatype, tensor.data) },
    })),
    outputs: outputs.map((name) => ({ name, parameters: { binary_data: true } })),
  });
  const headerLength = Buffer.byteLength(header);
  const parts = [
    Buffer.from(header, 'utf8'),
    ...inputs.map((tensor) => encodeRawData(tensor.datatype, tensor.data)),
  ];
  return { headerLength, body: Buffer.concat(parts) };
}

interface OutputJson {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: number[];
  readonly data?: unknown;
  readonly parameters?: { readonly binary_data_size?: number };
}

/** Decodes a response body; `headerLength` absent means a plain JSON response. */
export function decodeBinaryInferResponse(body: Uint8Array, headerLength: number | undefined): Tensor[] {
  const jsonLength = headerLength ?? body.length;
  const header = JSON.parse(Buffer.from(body.subarray(0, jsonLength)).toString('utf8')) as {
    outputs?: OutputJson[];
  };
  if (!Array.isArray(header.outputs)) {
    throw new BerthError('INFERENCE_FAILED', 'infer response: no "outputs" array in the JSON header');
  }
  let offset = jsonLength;
  return header.outputs.map((output, index) => {
    const size = output.parameters?.binary_data_size;
    const field = `outputs[${index}] ("${output.name}")`;
    if (size === undefined) {
      return { ...base(output), data: dataFromJson(output.datatype, output.data, `${field}.data`) };
    }
    // A copy: the typed array must start at an aligned offset, and owns its memory after this.
    const bytes = Uint8Array.prototype.slice.call(body, offset, offset + size);
    offset += size;
    return { ...base(output), data: decodeRawData(output.datatype, bytes, output.shape, field) };
  });
}

function base(output: OutputJson): Omit<Tensor, 'data'> {
  return { name: output.name, datatype: output.datatype, shape: output.shape };
}

/** inference.GRPCInferenceService with a real gRPC client against the real server and ONNX Runtime. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { DATATYPES, type DataType } from '../../../../src/core/tensor.js';
import { startGrpcServer, type RunningGrpcServer } from '../../../../src/transports/grpc/grpc-server.js';
import { ERROR_ID_METADATA } from '../../../../src/transports/grpc/status.js';
import { createLogger } from '../../../../src/observability/logger.js';
import { addModel, identityModel, multiIoModel, stringInputModel } from '../../../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';
import { createInferenceClient, grpcError, type InferenceClient } from './grpc-client.js';

const f32 = (...values: number[]) => Buffer.from(new Float32Array(values).buffer);

/** Six elements of every datatype as raw little-endian bytes. */
const rawSamples: Record<DataType, Buffer> = {
  BOOL: Buffer.from([1, 0, 1, 1, 0, 0]),
  UINT8: Buffer.from([0, 1, 2, 3, 254, 255]),
  INT8: Buffer.from(new Int8Array([-128, -1, 0, 1, 2, 127]).buffer),
  UINT16: Buffer.from(new Uint16Array([0, 1, 2, 3, 4, 65535]).buffer),
  INT16: Buffer.from(new Int16Array([-32768, 0, 1, 2, 3, 32767]).buffer),
  FP16: Buffer.from(new Uint16Array([0x3c00, 0xc000, 0, 0x3800, 0x6400, 0xb400]).buffer),
  UINT32: Buffer.from(new Uint32Array([0, 1, 2, 3, 4, 4294967295]).buffer),
  INT32: Buffer.from(new Int32Array([-2147483648, 0, 1, 2, 3, 2147483647]).buffer),
  FP32: f32(0.5, -1, 2, 0, 1e10, -0.25),
  FP64: Buffer.from(new Float64Array([0.1, -1, 2, 0, 1e300, -0.25]).buffer),
  INT64: Buffer.from(new BigInt64Array([-(2n ** 63n), -1n, 0n, 1n, 2n, 2n ** 63n - 1n]).buffer),
  UINT64: Buffer.from(new BigUint64Array([0n, 1n, 2n, 3n, 4n, 2n ** 64n - 1n]).buffer),
  BYTES: bytesElements('a', 'bé', '', 'd', 'e', 'f'),
};

function bytesElements(...values: string[]): Buffer {
  return Buffer.concat(
    values.flatMap((value) => {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(Buffer.byteLength(value));
      return [length, Buffer.from(value)];
    }),
  );
}

interface OutputTensor {
  name: string;
  datatype: string;
  shape: string[];
}
interface InferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: OutputTensor[];
  raw_output_contents: Buffer[];
}

const floats = (bytes: Buffer) => Array.from(new Float32Array(Uint8Array.from(bytes).buffer));

describe('gRPC inference service', () => {
  let fixture: StoreFixture;
  let server: TestServer;
  let grpc: RunningGrpcServer;
  let client: InferenceClient;

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'add', onnx: addModel() });
    await fixture.publish({ name: 'add', onnx: addModel() });
    await fixture.publish({ name: 'multi', onnx: multiIoModel() });
    await fixture.publish({ name: 'strings', onnx: stringInputModel() });
    for (const datatype of DATATYPES)
      await fixture.publish({ name: `id_${datatype.toLowerCase()}`, onnx: identityModel(datatype) });
    server = await startTestServer({
      store: fixture.uri,
      models: ['add', 'add@1', 'multi', 'strings', ...DATATYPES.map((d) => `id_${d.toLowerCase()}`)],
      cacheDir: fixture.cacheDir,
    });
    await server.loaded;
    grpc = await startGrpcServer({
      dataPlane: server.dataPlane,
      logger: createLogger({ level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
      maxMessageBytes: 1024 * 1024,
    });
    client = createInferenceClient(grpc.address);
  });
  after(async () => {
    client.close();
    await grpc.close();
    await server.close();
    await fixture.cleanup();
  });

  it('answers live, ready, model ready and server metadata', async () => {
    assert.deepEqual(await client.call('ServerLive', {}), { live: true });
    assert.deepEqual(await client.call('ServerReady', {}), { ready: true });
    assert.deepEqual(await client.call('ModelReady', { name: 'add' }), { ready: true });
    assert.deepEqual(await client.call('ModelReady', { name: 'add', version: '1' }), { ready: true });
    const meta = await client.call<{ name: string; version: string; extensions: string[] }>(
      'ServerMetadata',
      {},
    );
    assert.equal(meta.name, 'berth');
    assert.equal(meta.version, '0.0.0-test');
    assert.ok(meta.extensions.includes('binary_tensor_data'));
  });

  it('answers model metadata with -1 for dynamic dimensions', async () => {
    assert.deepEqual(await client.call('ModelMetadata', { name: 'multi' }), {
      name: 'multi',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'features', datatype: 'FP32', shape: ['-1', '3'] },
        { name: 'scale', datatype: 'INT64', shape: ['-1', '1'] },
      ],
      outputs: [
        { name: 'scaled', datatype: 'FP32', shape: ['-1', '3'] },
        { name: 'doubled', datatype: 'INT64', shape: ['-1', '1'] },
      ],
    });
    const add = await client.call<{ versions: string[] }>('ModelMetadata', { name: 'add' });
    assert.deepEqual(add.versions, ['1', '2']);
  });

  it('infers with raw_input_contents and answers raw_output_contents, echoing the id', async () => {
    const response = await client.call<InferResponse>('ModelInfer', {
      model_name: 'add',
      id: 'g-1',
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [2, 4] },
        { name: 'b', datatype: 'FP32', shape: [2, 4] },
      ],
      raw_input_contents: [f32(1, 2, 3, 4, 5, 6, 7, 8), f32(10, 20, 30, 40, 50, 60, 70, 80)],
    });
    assert.equal(response.model_name, 'add');
    assert.equal(response.model_version, '2');
    assert.equal(response.id, 'g-1');
    assert.deepEqual(response.outputs, [
      { name: 'sum', datatype: 'FP32', shape: ['2', '4'], parameters: {}, contents: null },
    ]);
    assert.deepEqual(floats(response.raw_output_contents[0]!), [11, 22, 33, 44, 55, 66, 77, 88]);
  });

  it('serves the pinned version', async () => {
    const response = await client.call<InferResponse>('ModelInfer', {
      model_name: 'add',
      model_version: '1',
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 4] },
        { name: 'b', datatype: 'FP32', shape: [1, 4] },
      ],
      raw_input_contents: [f32(1, 1, 1, 1), f32(1, 1, 1, 1)],
    });
    assert.equal(response.model_version, '1');
  });

  for (const datatype of DATATYPES) {
    it(`round-trips raw ${datatype}`, async () => {
      const response = await client.call<InferResponse>('ModelInfer', {
        model_name: `id_${datatype.toLowerCase()}`,
        inputs: [{ name: 'input', datatype, shape: [1, 2, 3] }],
        raw_input_contents: [rawSamples[datatype]],
      });
      assert.equal(response.outputs[0]!.datatype, datatype);
      assert.deepEqual(response.outputs[0]!.shape, ['1', '2', '3']);
      assert.deepEqual(response.raw_output_contents[0], rawSamples[datatype]);
    });
  }

  it('takes typed contents: FP32 and full-range INT64, with output selection', async () => {
    const response = await client.call<InferResponse>('ModelInfer', {
      model_name: 'multi',
      inputs: [
        {
          name: 'features',
          datatype: 'FP32',
          shape: [2, 3],
          contents: { fp32_contents: [1, 2, 3, 4, 5, 6] },
        },
        {
          name: 'scale',
          datatype: 'INT64',
          shape: [2, 1],
          contents: { int64_contents: ['2', '4611686018427387903'] },
        },
      ],
      outputs: [{ name: 'doubled' }],
    });
    assert.deepEqual(
      response.outputs.map((output) => output.name),
      ['doubled'],
    );
    const doubled = new BigInt64Array(Uint8Array.from(response.raw_output_contents[0]!).buffer);
    assert.deepEqual(Array.from(doubled), [4n, 9223372036854775806n]);
  });

  it('takes typed contents: BYTES next to FP32', async () => {
    const response = await client.call<InferResponse>('ModelInfer', {
      model_name: 'strings',
      inputs: [
        {
          name: 'text',
          datatype: 'BYTES',
          shape: [2],
          contents: { bytes_contents: [Buffer.from('hi'), Buffer.from('wö')] },
        },
        { name: 'value', datatype: 'FP32', shape: [2], contents: { fp32_contents: [1, -2] } },
      ],
    });
    const byName = new Map(
      response.outputs.map((output, index) => [output.name, response.raw_output_contents[index]!]),
    );
    assert.deepEqual(byName.get('echo'), bytesElements('hi', 'wö'));
    assert.deepEqual(floats(byName.get('negated')!), [-1, 2]);
    assert.deepEqual(Array.from(new BigInt64Array(Uint8Array.from(byName.get('count')!).buffer)), [2n]);
  });

  const typed: Array<[DataType, object, Buffer]> = [
    ['BOOL', { bool_contents: [true, false, true, true, false, false] }, rawSamples.BOOL],
    ['INT8', { int_contents: [-128, -1, 0, 1, 2, 127] }, rawSamples.INT8],
    ['UINT16', { uint_contents: [0, 1, 2, 3, 4, 65535] }, rawSamples.UINT16],
    ['UINT64', { uint64_contents: ['0', '1', '2', '3', '4', '18446744073709551615'] }, rawSamples.UINT64],
    ['FP64', { fp64_contents: [0.1, -1, 2, 0, 1e300, -0.25] }, rawSamples.FP64],
  ];
  for (const [datatype, contents, expected] of typed) {
    it(`takes typed ${datatype} contents`, async () => {
      const response = await client.call<InferResponse>('ModelInfer', {
        model_name: `id_${datatype.toLowerCase()}`,
        inputs: [{ name: 'input', datatype, shape: [1, 2, 3], contents }],
      });
      assert.deepEqual(response.raw_output_contents[0], expected);
    });
  }

  const errors: Array<[string, object, status, string, RegExp]> = [
    [
      'an unknown model',
      {
        model_name: 'nope',
        inputs: [{ name: 'a', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } }],
      },
      status.NOT_FOUND,
      'BERTH_ERR_MODEL_NOT_FOUND',
      /^model "nope" is not served here/,
    ],
    [
      'a wrong shape',
      {
        model_name: 'add',
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [1, 3] },
          { name: 'b', datatype: 'FP32', shape: [1, 4] },
        ],
        raw_input_contents: [f32(1, 2, 3), f32(1, 2, 3, 4)],
      },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INPUT_SHAPE',
      /^input "a": shape is \[1, 3\], expected \[-1, 4\]/,
    ],
    [
      'raw bytes that do not match the shape',
      {
        model_name: 'add',
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [1, 4] },
          { name: 'b', datatype: 'FP32', shape: [1, 4] },
        ],
        raw_input_contents: [f32(1, 2, 3), f32(1, 2, 3, 4)],
      },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INPUT_SHAPE',
      /^raw_input_contents\[0\] \(input "a"\): 12 bytes hold 3 FP32 elements, shape \[1, 4\] needs 4/,
    ],
    [
      'typed contents that do not match the shape',
      {
        model_name: 'add',
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2] } },
          { name: 'b', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } },
        ],
      },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INPUT_SHAPE',
      /^inputs\[0\] \("a"\)\.contents\.fp32_contents: 2 elements, shape \[1, 4\] needs 4$/,
    ],
    [
      'a wrong datatype',
      {
        model_name: 'add',
        inputs: [
          { name: 'a', datatype: 'INT32', shape: [1, 4], contents: { int_contents: [1, 2, 3, 4] } },
          { name: 'b', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } },
        ],
      },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INPUT_DATATYPE',
      /^input "a": datatype is INT32, expected FP32$/,
    ],
    [
      'contents in the field of another datatype',
      {
        model_name: 'add',
        inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 4], contents: { int_contents: [1, 2, 3, 4] } }],
      },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INVALID_REQUEST',
      /^inputs\[0\] \("a"\)\.contents\.int_contents: given for datatype FP32, which takes contents\.fp32_contents$/,
    ],
    [
      'raw and typed contents together',
      {
        model_name: 'add',
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } },
          { name: 'b', datatype: 'FP32', shape: [1, 4] },
        ],
        raw_input_contents: [f32(1, 2, 3, 4), f32(1, 2, 3, 4)],
      },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INVALID_REQUEST',
      /^inputs\[0\] \("a"\)\.contents: given together with raw_input_contents/,
    ],
    [
      'fewer raw contents than inputs',
      {
        model_name: 'add',
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [1, 4] },
          { name: 'b', datatype: 'FP32', shape: [1, 4] },
        ],
        raw_input_contents: [f32(1, 2, 3, 4)],
      },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INVALID_REQUEST',
      /^raw_input_contents: 1 entries for 2 inputs/,
    ],
    [
      'FP16 in typed contents',
      {
        model_name: 'id_fp16',
        inputs: [{ name: 'input', datatype: 'FP16', shape: [1, 2, 3], contents: {} }],
      },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INVALID_REQUEST',
      /^inputs\[0\] \("input"\): FP16 data must be sent in raw_input_contents/,
    ],
    [
      'an INT8 value out of range',
      {
        model_name: 'id_int8',
        inputs: [
          {
            name: 'input',
            datatype: 'INT8',
            shape: [1, 2, 3],
            contents: { int_contents: [0, 0, 0, 0, 0, 300] },
          },
        ],
      },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INPUT_DATA',
      /^inputs\[0\] \("input"\)\.contents\.int_contents\[5\]: expected an integer in \[-128, 127\] for INT8, got 300$/,
    ],
    [
      'no model name',
      { inputs: [{ name: 'a', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } }] },
      status.INVALID_ARGUMENT,
      'BERTH_ERR_INVALID_REQUEST',
      /^model_name: expected a non-empty model name/,
    ],
  ];
  for (const [title, request, code, id, message] of errors) {
    it(`rejects ${title} with ${status[code]} and ${id}`, async () => {
      const error = await grpcError(client.call('ModelInfer', request));
      assert.equal(error.code, code, error.details);
      assert.match(error.details, message);
      assert.deepEqual(error.metadata.get(ERROR_ID_METADATA), [id]);
    });
  }

  it('answers NOT_FOUND for metadata and readiness of an unknown model', async () => {
    for (const method of ['ModelMetadata', 'ModelReady']) {
      const error = await grpcError(client.call(method, { name: 'nope' }));
      assert.equal(error.code, status.NOT_FOUND);
      assert.match(error.details, /model "nope" is not served here/);
    }
  });

  it('counts gRPC requests under protocol="grpc"', async () => {
    const text = await server.app.inject('/metrics').then((response) => response.body);
    assert.match(text, /berth_requests_total\{model="add",version="2",protocol="grpc",outcome="ok"\} [1-9]/);
  });
});

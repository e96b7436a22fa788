import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSync } from '@grpc/proto-loader';
import { DATATYPES } from '../../../src/core/tensor.js';
import { tritonDataType } from '../../../src/protocol/v2/config-json.js';
import {
  decodeRepositoryIndexRequest,
  decodeRepositoryModelRequest,
} from '../../../src/protocol/v2/repository-json.js';
import { PROTO_PATH } from '../../../src/transports/grpc/proto.js';

describe('model configuration and repository JSON', () => {
  it('maps every datatype to a name of the DataType enum in model_config.proto', () => {
    const definition = loadSync(PROTO_PATH, { keepCase: true });
    const values = (definition['inference.DataType'] as { type: { value: Array<{ name: string }> } }).type
      .value;
    const names = new Set(values.map((value) => value.name));
    for (const datatype of DATATYPES) assert.ok(names.has(tritonDataType(datatype)), datatype);
    assert.equal(tritonDataType('BYTES'), 'TYPE_STRING');
    assert.equal(tritonDataType('FP16'), 'TYPE_FP16');
  });

  it('decodes the repository index filter', () => {
    assert.deepEqual(decodeRepositoryIndexRequest(undefined), { readyOnly: false });
    assert.deepEqual(decodeRepositoryIndexRequest({}), { readyOnly: false });
    assert.deepEqual(decodeRepositoryIndexRequest({ ready: false }), { readyOnly: false });
    assert.deepEqual(decodeRepositoryIndexRequest({ ready: true }), { readyOnly: true });
    assert.throws(() => decodeRepositoryIndexRequest({ ready: 1 }), /ready: expected true or false, got 1/);
    assert.throws(() => decodeRepositoryIndexRequest('x'), /request body: expected a JSON object/);
  });

  it('accepts load parameters only as an object', () => {
    assert.deepEqual(decodeRepositoryModelRequest(undefined), { parameters: {} });
    assert.deepEqual(decodeRepositoryModelRequest({ parameters: { a: 1 } }), { parameters: { a: 1 } });
    assert.throws(
      () => decodeRepositoryModelRequest({ parameters: 'x' }),
      /parameters: expected a JSON object/,
    );
  });
});

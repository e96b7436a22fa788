import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, type ErrorId } from '../../../../src/core/errors.js';
import { verifyModel, type VerifyOptions } from '../../../../src/jobs/train/verify-model.js';
import { OnnxRuntime } from '../../../../src/runtime/onnx/onnx-runtime.js';
import { addModel, nanModel } from '../../../fixtures/onnx/models.js';
import { ModelFiles } from '../../runtime/helpers.js';

const runtime = new OnnxRuntime({ instances: 1 });
const files = new ModelFiles();
const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  runtime,
  where: '$BERTH_OUTPUT_DIR',
  tolerance: 1e-4,
  ...extra,
});
const samples = (body: unknown) => ({
  bytes: Buffer.from(JSON.stringify(body)),
  where: 'verify/samples.json',
});
const addRequest = {
  inputs: [
    { name: 'a', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
    { name: 'b', datatype: 'FP32', shape: [1, 4], data: [0.5, 0.5, 0.5, 0.5] },
  ],
};

const rejectsWith = async (promise: Promise<unknown>, id: ErrorId, message: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BerthError, String(error));
    assert.equal(error.id, id, error.message);
    assert.match(error.message, message);
    return true;
  });

describe('verifyModel: load, smoke request from the signature, sample rows', () => {
  after(() => files.cleanUp());

  it('a good model passes the smoke request and reports its signature', async () => {
    const dir = await files.write(addModel());
    const report = await verifyModel(dir, options());
    assert.deepEqual(
      report.inputs.map((spec) => [spec.name, spec.shape]),
      [
        ['a', [-1, 4]],
        ['b', [-1, 4]],
      ],
    );
    assert.equal(report.runs, 1);
  });

  it('sample rows with expected outputs within tolerance pass; outside fail naming the value', async () => {
    const dir = await files.write(addModel());
    const good = samples({
      ...addRequest,
      expected_outputs: [{ name: 'sum', data: [1.5, 2.5, 3.5, 4.50001] }],
    });
    assert.equal((await verifyModel(dir, options({ samples: good }))).runs, 2);
    const bad = samples({ ...addRequest, expected_outputs: [{ name: 'sum', data: [1.5, 2.5, 3.5, 9] }] });
    await rejectsWith(
      verifyModel(dir, options({ samples: bad })),
      'TRAIN_VERIFY_FAILED',
      /expected_outputs\[0\]: output "sum"\[3\] is 4.5, expected 9 within tolerance 0.0001/,
    );
  });

  it('sample rows the model cannot run, or an unknown expected output, fail', async () => {
    const dir = await files.write(addModel());
    const wrongShape = samples({
      inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 2], data: [1, 2] }, addRequest.inputs[1]],
    });
    await rejectsWith(
      verifyModel(dir, options({ samples: wrongShape })),
      'TRAIN_VERIFY_FAILED',
      /the sample rows failed/,
    );
    const unknown = samples({ ...addRequest, expected_outputs: [{ name: 'score', data: [1] }] });
    await rejectsWith(
      verifyModel(dir, options({ samples: unknown })),
      'TRAIN_VERIFY_FAILED',
      /no output "score"; it has sum/,
    );
    const notJson = { bytes: Buffer.from('{'), where: 'verify/samples.json' };
    await rejectsWith(
      verifyModel(dir, options({ samples: notJson })),
      'TRAIN_VERIFY_FAILED',
      /not valid JSON/,
    );
  });

  it('a file that is not an ONNX model fails to load: TRAIN_VERIFY_FAILED', async () => {
    const dir = await files.write(Buffer.from('not a model, just bytes a broken export left'));
    await rejectsWith(verifyModel(dir, options()), 'TRAIN_VERIFY_FAILED', /model.onnx does not load/);
  });

  it('a model answering NaN fails, naming the output and element', async () => {
    const dir = await files.write(nanModel());
    await rejectsWith(
      verifyModel(dir, options()),
      'TRAIN_VERIFY_FAILED',
      /smoke request: output "y"\[0\] is NaN/,
    );
  });

  it('no model file is TRAIN_NO_MODEL; berth.yaml model_file is honoured', async () => {
    const dir = await files.write(addModel(), 'ranker.onnx');
    await rejectsWith(verifyModel(dir, options()), 'TRAIN_NO_MODEL', /no model.onnx in the output folder/);
    await writeFile(join(dir, 'berth.yaml'), 'model_file: ranker.onnx\n');
    assert.equal((await verifyModel(dir, options())).runs, 1);
  });
});

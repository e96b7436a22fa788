import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeError } from '../../../src/k8s/kube-errors.js';

const SERVER = 'https://127.0.0.1:6443';
// What @kubernetes/client-node's ApiException carries: the HTTP code and the server's Status as text.
const apiException = (code: number, message: string) =>
  Object.assign(new Error(`HTTP-Code: ${code}`), {
    code,
    body: JSON.stringify({ kind: 'Status', status: 'Failure', message, code }),
  });

test('answers map to KUBE_* ids by status, quoting the server and naming the object', () => {
  const cases: [number, string][] = [
    [401, 'KUBE_FORBIDDEN'],
    [403, 'KUBE_FORBIDDEN'],
    [400, 'KUBE_INVALID_OBJECT'],
    [422, 'KUBE_INVALID_OBJECT'],
    [404, 'KUBE_API_ERROR'],
    [409, 'KUBE_API_ERROR'],
    [500, 'KUBE_API_ERROR'],
  ];
  for (const [code, id] of cases) {
    const error = kubeError(apiException(code, 'namespaces "ml" not found'), 'apply Service ml/x', SERVER);
    assert.equal(error.id, id, String(code));
    assert.equal(
      error.message,
      `apply Service ml/x: the API server at ${SERVER} answered ${code}: namespaces "ml" not found`,
    );
  }
});

test('a network failure is KUBE_UNREACHABLE with the system code', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
  const error = kubeError(new Error('request failed', { cause }), 'read Deployment ml/x', SERVER);
  assert.equal(error.id, 'KUBE_UNREACHABLE');
  assert.match(
    error.message,
    /^read Deployment ml\/x: cannot reach the API server at https:\/\/127\.0\.0\.1:6443 \(ECONNREFUSED\)/,
  );
});

test('an unknown kind is an invalid object; a long server message keeps its start and its end', () => {
  const unknown = kubeError(
    new Error('Unrecognized API version and kind: v9 Widget'),
    'apply Widget a',
    SERVER,
  );
  assert.equal(unknown.id, 'KUBE_INVALID_OBJECT');
  const long = `spec.template: Invalid value: ${'x'.repeat(5000)}: field is immutable`;
  const error = kubeError(apiException(422, long), 'apply Job ml/train', SERVER);
  assert.ok(error.message.length < 900, String(error.message.length));
  assert.match(error.message, /answered 422: spec\.template: Invalid value: x+ … x+: field is immutable$/);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifest, serializeManifest } from '../../../src/repository/manifest.js';
import type { Manifest } from '../../../src/repository/manifest.js';
import { berthError } from '../../support/store-assertions.js';

const SHA = 'a'.repeat(64);
const valid = {
  format: 1,
  createdAt: '2024-01-01T00:00:00.000Z',
  files: [{ path: 'model.onnx', size: 3, sha256: SHA }],
  lineage: { run: 'r1' },
};
const where = 'file:///store/m/1/MANIFEST.json';
const bytes = (value: unknown): Uint8Array =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const withFile = (file: unknown) => ({ ...valid, files: [file] });

describe('parseManifest', () => {
  it('accepts a valid manifest, defaulting lineage to {}', () => {
    const { lineage: _lineage, ...noLineage } = valid;
    assert.deepEqual(parseManifest(bytes(noLineage), where).lineage, {});
    assert.deepEqual(parseManifest(bytes(valid), where), valid);
  });

  it('round-trips through serializeManifest with a stable key and file order', () => {
    const manifest: Manifest = {
      format: 1,
      createdAt: valid.createdAt,
      lineage: {},
      files: [
        { sha256: SHA, size: 1, path: 'z.bin' },
        { path: 'a.bin', size: 2, sha256: SHA },
      ],
    };
    const text = Buffer.from(serializeManifest(manifest)).toString();
    assert.ok(text.indexOf('a.bin') < text.indexOf('z.bin'));
    assert.deepEqual(
      parseManifest(serializeManifest(manifest), where).files.map((file) => file.path),
      ['a.bin', 'z.bin'],
    );
  });

  const cases: [string, unknown, string][] = [
    ['not JSON', '{"format": 1,', 'not valid JSON'],
    ['not an object', 'null', 'expected a JSON object'],
    ['a string', '"manifest"', 'expected a JSON object'],
    ['a missing format', { ...valid, format: undefined }, '"format" must be 1'],
    ['an unknown format', { ...valid, format: 2 }, '"format" must be 1, got 2'],
    ['a missing createdAt', { ...valid, createdAt: undefined }, '"createdAt"'],
    ['files not an array', { ...valid, files: {} }, '"files" must be an array'],
    ['a file that is not an object', withFile('model.onnx'), 'files[0] must be an object'],
    ['a null file', withFile(null), 'files[0] must be an object'],
    ['an empty path', withFile({ path: '', size: 1, sha256: SHA }), 'files[0].path'],
    ['an absolute path', withFile({ path: '/etc/passwd', size: 1, sha256: SHA }), 'files[0].path'],
    ['a path with ..', withFile({ path: 'a/../../b', size: 1, sha256: SHA }), 'files[0].path'],
    ['a negative size', withFile({ path: 'a', size: -1, sha256: SHA }), 'files[0].size'],
    ['a fractional size', withFile({ path: 'a', size: 1.5, sha256: SHA }), 'files[0].size'],
    ['a size as a string', withFile({ path: 'a', size: '1', sha256: SHA }), 'files[0].size'],
    ['an upper-case sha256', withFile({ path: 'a', size: 1, sha256: SHA.toUpperCase() }), 'files[0].sha256'],
    ['a short sha256', withFile({ path: 'a', size: 1, sha256: 'abc' }), 'files[0].sha256'],
    ['lineage as an array', { ...valid, lineage: [] }, '"lineage" must be an object'],
    ['lineage as a string', { ...valid, lineage: 'git' }, '"lineage" must be an object'],
  ];
  for (const [name, value, message] of cases) {
    it(`throws BAD_MANIFEST naming the file for ${name}`, () => {
      assert.throws(() => parseManifest(bytes(value), where), berthError('BAD_MANIFEST', where, message));
    });
  }
});

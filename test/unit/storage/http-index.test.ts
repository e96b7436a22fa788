import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHtmlIndex, parseJsonIndex } from '../../../src/storage/backends/http/http-index.js';
import { berthError } from '../../support/store-assertions.js';

const listing = new URL('http://store.example/models/m/');

describe('parseHtmlIndex', () => {
  it("reads nginx's default autoindex", () => {
    const html = `<html><head><title>Index of /models/m/</title></head><body><h1>Index of /models/m/</h1><hr><pre>
<a href="../">../</a>
<a href="1/">1/</a>                                                 01-Jan-2024 00:00       -
<a href="2/">2/</a>                                                 01-Jan-2024 00:00       -
<a href="notes%20v2.txt">notes v2.txt</a>                           01-Jan-2024 00:00      12
</pre><hr></body></html>`;
    assert.deepEqual(parseHtmlIndex(html, listing), [
      { name: '1', type: 'directory' },
      { name: '2', type: 'directory' },
      { name: 'notes v2.txt', type: 'file' },
    ]);
  });

  it("reads Apache's index, dropping sort links, the absolute parent link and other sites", () => {
    const html = `<table><tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>
<tr><td><a href="/models/">Parent Directory</a></td></tr>
<tr><td><a href="/models/m/3/">3/</a></td></tr>
<tr><td><a href='berth.yaml'>berth.yaml</a></td></tr>
<tr><td><a href="a&amp;b.bin">a&amp;b.bin</a></td></tr>
<tr><td><a href="https://elsewhere.example/models/m/x">x</a></td></tr>
<tr><td><a href="sub/deeper/file">deep</a><a href="#top">top</a><a href="3/">again</a></td></tr></table>`;
    assert.deepEqual(parseHtmlIndex(html, listing), [
      { name: '3', type: 'directory' },
      { name: 'berth.yaml', type: 'file' },
      { name: 'a&b.bin', type: 'file' },
    ]);
  });
});

describe('parseJsonIndex', () => {
  it("reads nginx's autoindex_format json, skipping 'other' entries", () => {
    const json = JSON.stringify([
      { name: '1', type: 'directory', mtime: 'Mon, 01 Jan 2024 00:00:00 GMT' },
      { name: 'model.onnx', type: 'file', mtime: 'Mon, 01 Jan 2024 00:00:00 GMT', size: 42 },
      { name: 'sock', type: 'other', mtime: 'Mon, 01 Jan 2024 00:00:00 GMT' },
    ]);
    assert.deepEqual(parseJsonIndex(json, 'x'), [
      { name: '1', type: 'directory', modifiedMs: Date.UTC(2024, 0, 1) },
      { name: 'model.onnx', type: 'file', size: 42, modifiedMs: Date.UTC(2024, 0, 1) },
    ]);
  });

  it('throws STORE_ERROR naming the listing for bad JSON', () => {
    assert.throws(() => parseJsonIndex('<html>', 'http://s/m/'), berthError('STORE_ERROR', 'http://s/m/'));
    assert.throws(() => parseJsonIndex('{}', 'http://s/m/'), berthError('STORE_ERROR', 'must be an array'));
  });
});

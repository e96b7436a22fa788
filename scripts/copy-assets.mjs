// Copies the non-TypeScript files the compiled code loads at run time (the gRPC .proto, the
// dashboard page's html, css and browser JavaScript) from src/
// into <outDir>/src/, keeping their paths. Usage: node scripts/copy-assets.mjs [outDir] (default dist).
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ASSET = /\.(proto|html|css|js)$/;
const outDir = process.argv[2] ?? 'dist';

function copy(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copy(path);
    else if (ASSET.test(entry.name)) cpSync(path, join(outDir, relative('.', path)));
  }
}

copy('src');

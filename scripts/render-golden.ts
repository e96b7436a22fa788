/**
 * Rewrites deploy/golden/<name>.yaml from every examples/k8s/<name>.yaml, and removes golden files
 * whose example is gone. Run from the repository root after changing a renderer or an example.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GOLDEN_DIR, goldenCases, renderGolden } from './golden-manifests.js';

const root = process.cwd();
const cases = await goldenCases(root);
await mkdir(join(root, GOLDEN_DIR), { recursive: true });
for (const entry of cases) {
  await writeFile(entry.golden, await renderGolden(root, entry.name));
  console.log(`wrote ${GOLDEN_DIR}/${entry.name}.yaml`);
}
const keep = new Set(cases.map((entry) => `${entry.name}.yaml`));
for (const file of await readdir(join(root, GOLDEN_DIR))) {
  if (file.endsWith('.yaml') && !keep.has(file)) {
    await rm(join(root, GOLDEN_DIR, file));
    console.log(`removed ${GOLDEN_DIR}/${file}`);
  }
}

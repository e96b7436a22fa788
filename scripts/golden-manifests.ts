/**
 * The golden manifests: every deployment spec under examples/k8s/ rendered to
 * deploy/golden/<name>.yaml. Shared by scripts/render-golden.ts (which writes them) and the unit
 * test that diffs them, so both render exactly the same way.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadDeploySpec } from '../src/k8s/deploy-spec.js';
import { manifestsToYaml } from '../src/k8s/manifest-yaml.js';
import { renderManifests } from '../src/k8s/render.js';

/** Where the example specs are, relative to the repository root. */
export const EXAMPLES_DIR = 'examples/k8s';

/** Where their rendered output is kept, relative to the repository root. */
export const GOLDEN_DIR = 'deploy/golden';

/** The command that rewrites the golden files. */
export const REGENERATE = 'npm run build && node dist/scripts/render-golden.js';

/** One example spec and the golden file it renders to. */
export interface GoldenCase {
  readonly name: string;
  readonly spec: string;
  readonly golden: string;
}

/** The example specs (top-level *.yaml; job files live in subfolders), sorted by name. */
export async function goldenCases(root: string): Promise<GoldenCase[]> {
  const entries = await readdir(join(root, EXAMPLES_DIR), { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => basename(entry.name, '.yaml'))
    .sort()
    .map((name) => ({
      name,
      spec: join(root, EXAMPLES_DIR, `${name}.yaml`),
      golden: join(root, GOLDEN_DIR, `${name}.yaml`),
    }));
}

/** The golden text of one example: a header naming its source, then the rendered YAML. */
export async function renderGolden(root: string, name: string): Promise<string> {
  const spec = await loadDeploySpec(join(root, EXAMPLES_DIR, `${name}.yaml`));
  return [
    `# Rendered from ${EXAMPLES_DIR}/${name}.yaml by \`berth k8s render\`; do not edit.`,
    `# Regenerate: ${REGENERATE}`,
    manifestsToYaml(renderManifests(spec)),
  ].join('\n');
}

/**
 * Reads the `<property><name>…</name><value>…</value></property>` entries of Hadoop's
 * configuration files (core-site.xml, hdfs-site.xml), which is all Berth needs from them: no XML
 * package is a dependency, and these files use a tiny, fixed subset of XML (Hadoop's own
 * `Configuration` ignores everything else). Supported: comments, CDATA, the five predefined
 * entities and numeric character references, `${name}` expansion between properties (as
 * Configuration.substituteVars does, without `${env.X}`); not supported: XInclude, DTD entities.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../../core/errors.js';

/** Property name → value, later files and later entries winning (final flags are not honoured). */
export type HadoopConf = ReadonlyMap<string, string>;

/** The files read from HADOOP_CONF_DIR, in order: hdfs-site.xml overrides core-site.xml. */
export const HADOOP_CONF_FILES = ['core-site.xml', 'hdfs-site.xml'] as const;

/** Hadoop stops expanding after this many rounds (Configuration.MAX_SUBST is 20). */
const MAX_SUBSTITUTIONS = 20;

/**
 * The properties of one configuration file's text. Throws BAD_SERVER_CONFIG naming `source` when
 * a `<property>` has no `<name>`, so a typo does not silently drop a NameNode address.
 */
export function parseHadoopXml(text: string, source: string): Map<string, string> {
  const properties = new Map<string, string>();
  const body = text.replace(/<!--[\s\S]*?-->/g, '');
  for (const match of body.matchAll(/<property\b[^>]*>([\s\S]*?)<\/property\s*>/g)) {
    const inner = match[1] ?? '';
    const name = element(inner, 'name');
    if (name === undefined || name.trim() === '') {
      const at = body.slice(0, match.index).split('\n').length;
      throw new BerthError('BAD_SERVER_CONFIG', `${source}:${at}: a <property> without a <name>`);
    }
    properties.set(name.trim(), (element(inner, 'value') ?? '').trim());
  }
  return properties;
}

/** Reads HADOOP_CONF_FILES from `dir` (a missing file is skipped) and expands `${...}`. */
export async function readHadoopConf(dir: string): Promise<HadoopConf> {
  const merged = new Map<string, string>();
  for (const name of HADOOP_CONF_FILES) {
    const path = join(dir, name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new BerthError('BAD_SERVER_CONFIG', `${path}: cannot read (${(error as Error).message})`, {
        cause: error,
      });
    }
    for (const [key, value] of parseHadoopXml(text, path)) merged.set(key, value);
  }
  return expandAll(merged);
}

/** Every value with `${other.property}` replaced; unknown names stay as written, as in Hadoop. */
export function expandAll(properties: ReadonlyMap<string, string>): Map<string, string> {
  const expanded = new Map<string, string>();
  for (const [key, value] of properties) {
    let current = value;
    for (let round = 0; round < MAX_SUBSTITUTIONS && current.includes('${'); round += 1) {
      const next = current.replace(/\$\{([^}$\s]+)\}/g, (whole, name: string) =>
        name === key ? whole : (properties.get(name) ?? whole),
      );
      if (next === current) break;
      current = next;
    }
    expanded.set(key, current);
  }
  return expanded;
}

/** The text of the first `<tag>…</tag>` in `xml`, unescaped; undefined when absent. */
function element(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}\\b[^>]*?(?:/>|>([\\s\\S]*?)</${tag}\\s*>)`).exec(xml);
  if (match === null) return undefined;
  return unescapeXml(match[1] ?? '');
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML 1.0 §4.6 predefined entities, §4.1 character references, and CDATA sections. */
export function unescapeXml(text: string): string {
  return text
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part) =>
      part.startsWith('<![CDATA[')
        ? part.slice(9, -3)
        : part.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
            if (!ref.startsWith('#')) return ENTITIES[ref] ?? whole;
            const hex = ref[1] === 'x' || ref[1] === 'X';
            const code = parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10);
            return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
          }),
    )
    .join('');
}

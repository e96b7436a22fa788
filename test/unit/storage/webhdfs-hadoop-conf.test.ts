/** The small Hadoop *-site.xml reader: properties, escapes, comments, ${} expansion, file merging. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  expandAll,
  parseHadoopXml,
  readHadoopConf,
  unescapeXml,
} from '../../../src/storage/backends/webhdfs/hadoop-conf.js';
import { berthError, tempFolder } from '../../support/store-assertions.js';

describe('parseHadoopXml', () => {
  it('reads name/value pairs, trimmed, with attributes, descriptions and final flags around them', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
<configuration xmlns:xi="http://www.w3.org/2001/XInclude">
  <property>
    <name> dfs.nameservices </name>
    <value>
      prod
    </value>
    <description>The <b>nameservice</b></description>
    <final>true</final>
  </property>
  <property><value>before-name</value><name>order.free</name></property>
  <property><name>empty.value</name><value/></property>
  <property><name>no.value</name></property>
</configuration>`;
    assert.deepEqual(
      [...parseHadoopXml(xml, 'hdfs-site.xml')],
      [
        ['dfs.nameservices', 'prod'],
        ['order.free', 'before-name'],
        ['empty.value', ''],
        ['no.value', ''],
      ],
    );
  });

  it('skips commented-out properties and unescapes entities, character references and CDATA', () => {
    const xml = `<configuration>
  <!-- <property><name>dead</name><value>x</value></property> -->
  <property><name>a</name><value>x &lt; y &amp;&amp; &quot;q&quot; &apos;s&apos; &#65;&#x42;</value></property>
  <property><name>b</name><value><![CDATA[<raw & kept>]]></value></property>
</configuration>`;
    const parsed = parseHadoopXml(xml, 'core-site.xml');
    assert.equal(parsed.has('dead'), false);
    assert.equal(parsed.get('a'), `x < y && "q" 's' AB`);
    assert.equal(parsed.get('b'), '<raw & kept>');
  });

  it('the later of two properties with one name wins', () => {
    const xml =
      '<configuration><property><name>k</name><value>1</value></property><property><name>k</name><value>2</value></property></configuration>';
    assert.equal(parseHadoopXml(xml, 'x.xml').get('k'), '2');
  });

  it('a property without a name is an error naming the file and line', () => {
    const xml = '<configuration>\n\n  <property><value>orphan</value></property>\n</configuration>';
    assert.throws(
      () => parseHadoopXml(xml, '/etc/hadoop/hdfs-site.xml'),
      berthError('BAD_SERVER_CONFIG', 'hdfs-site.xml:3'),
    );
  });

  it('unescapeXml leaves unknown entities and out-of-range references as written', () => {
    assert.equal(unescapeXml('&nbsp; &#x110000; &amp;'), '&nbsp; &#x110000; &');
  });
});

describe('expandAll', () => {
  it('replaces ${name} with other properties, nested, leaving unknown and self references', () => {
    const expanded = expandAll(
      new Map([
        ['host', 'nn.example'],
        ['port', '${base.port}'],
        ['base.port', '9870'],
        ['addr', '${host}:${port}'],
        ['unknown', '${nope}/x'],
        ['self', 'a${self}'],
      ]),
    );
    assert.equal(expanded.get('addr'), 'nn.example:9870');
    assert.equal(expanded.get('unknown'), '${nope}/x');
    assert.equal(expanded.get('self'), 'a${self}');
  });

  it('stops on cycles', () => {
    const expanded = expandAll(
      new Map([
        ['a', '${b}'],
        ['b', '${a}'],
      ]),
    );
    assert.ok(expanded.get('a')?.includes('${'));
  });
});

describe('readHadoopConf', () => {
  it('merges core-site.xml then hdfs-site.xml (which wins), skipping a missing file', async () => {
    const dir = await tempFolder('hadoop-xml');
    try {
      await writeFile(
        join(dir.path, 'core-site.xml'),
        '<configuration><property><name>k</name><value>core</value></property><property><name>only.core</name><value>c</value></property></configuration>',
      );
      await writeFile(
        join(dir.path, 'hdfs-site.xml'),
        '<configuration><property><name>k</name><value>hdfs</value></property></configuration>',
      );
      const conf = await readHadoopConf(dir.path);
      assert.deepEqual([conf.get('k'), conf.get('only.core')], ['hdfs', 'c']);
      assert.equal((await readHadoopConf(join(dir.path, 'absent'))).size, 0);
    } finally {
      await dir.remove();
    }
  });
});

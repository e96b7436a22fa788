import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cut, renderBar } from '../../../src/cli/bar-render.js';

const view = {
  label: 'pull file:///models/recommender@3',
  fraction: 0.5,
  fields: ['32.0 MiB/64.0 MiB', '16.0 MiB/s', 'ETA 2s'],
};

describe('bar renderer', () => {
  it('draws label, a 30-wide bar, percent and the fields on a wide terminal', () => {
    assert.equal(
      renderBar(view, { columns: 200, color: false }),
      `pull file:///models/recommender@3 [${'█'.repeat(15)}${'░'.repeat(15)}]  50% 32.0 MiB/64.0 MiB 16.0 MiB/s ETA 2s`,
    );
  });

  it('fits every width: never past columns - 1, the fields kept, the bar shrunk, then the label cut', () => {
    for (let columns = 20; columns <= 140; columns += 1) {
      const line = renderBar(view, { columns, color: false });
      assert.ok(line.length <= columns - 1, `${columns}: ${line.length} ${line}`);
      if (columns >= 60) assert.ok(line.endsWith('16.0 MiB/s ETA 2s'), `${columns}: ${line}`);
    }
    // 93 columns: the whole label, the bar shrunk to 15.
    assert.match(
      renderBar(view, { columns: 93, color: false }),
      /^pull file:\/\/\/models\/recommender@3 \[[█░]{15}\] {2}50% /,
    );
    // 72: the bar at its minimum of 10 and the label cut to make room.
    assert.equal(
      renderBar(view, { columns: 72, color: false }),
      'pull file:///mod… [█████░░░░░]  50% 32.0 MiB/64.0 MiB 16.0 MiB/s ETA 2s',
    );
  });

  it('drops the bar when even a short one does not fit, and when the total is unknown', () => {
    assert.equal(
      renderBar(view, { columns: 60, color: false }),
      'pull file:///model… 50% 32.0 MiB/64.0 MiB 16.0 MiB/s ETA 2s',
    );
    const tiny = renderBar(view, { columns: 40, color: false });
    assert.doesNotMatch(tiny, /\[/);
    assert.ok(tiny.length <= 39);
    assert.equal(
      renderBar({ ...view, fraction: undefined }, { columns: 120, color: false }),
      'pull file:///models/recommender@3 32.0 MiB/64.0 MiB 16.0 MiB/s ETA 2s',
    );
  });

  it('colours only the filled part, and only when colour is allowed', () => {
    const coloured = renderBar(view, { columns: 200, color: true });
    assert.ok(coloured.includes(`[\x1b[32m${'█'.repeat(15)}\x1b[39m${'░'.repeat(15)}]`));
    assert.equal(renderBar({ ...view, fraction: 0 }, { columns: 200, color: true }).includes('\x1b'), false);
  });

  it('clamps the share to 0..100 % and cuts text with an ellipsis', () => {
    assert.match(renderBar({ ...view, fraction: 1.7 }, { columns: 200, color: false }), /\[█{30}\] 100% /);
    assert.equal(cut('abcdef', 4), 'abc…');
    assert.equal(cut('abc', 4), 'abc');
  });
});

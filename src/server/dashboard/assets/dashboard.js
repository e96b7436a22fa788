// The dashboard page: polls /api/dashboard once a second (only the seconds it has not seen yet),
// shows every model version with its state, source and start-up times, charts the last five
// minutes of traffic, offers load and unload in explicit mode, and feeds the "Try it" form.
import { drawChart } from './charts.js';
import { createTryIt } from './try-it.js';

const POLL_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const HISTORY_SECONDS = 300;

const $ = (id) => document.getElementById(id);

const CHARTS = [
  {
    canvas: 'chart-requests',
    series: [
      { key: 'requests', label: 'requests/s', color: '#0969da' },
      { key: 'errors', label: 'errors/s', color: '#cf222e' },
    ],
  },
  {
    canvas: 'chart-latency',
    series: [
      { key: 'p50', label: 'p50', color: '#1a7f37' },
      { key: 'p95', label: 'p95', color: '#9a6700' },
      { key: 'p99', label: 'p99', color: '#cf222e' },
    ],
  },
  {
    canvas: 'chart-batch',
    series: [
      { key: 'batchMean', label: 'mean', color: '#0969da' },
      { key: 'batchP95', label: 'p95', color: '#8250df' },
    ],
  },
  {
    canvas: 'chart-queue',
    series: [
      { key: 'queueDepth', label: 'queued', color: '#9a6700' },
      { key: 'inFlight', label: 'in flight', color: '#0969da' },
    ],
  },
];

const state = { traffic: [], snapshot: undefined, failures: 0 };

const tryIt = createTryIt({
  select: $('try-model'),
  inputs: $('try-inputs'),
  form: $('try-form'),
  response: $('try-response'),
  status: $('try-status'),
  latency: $('try-latency'),
  curl: $('try-curl'),
  copy: $('try-copy'),
});

async function poll() {
  const last = state.traffic.at(-1)?.t;
  try {
    const answer = await fetch(`/api/dashboard${last === undefined ? '' : `?since=${last}`}`, {
      cache: 'no-store',
    });
    if (!answer.ok) throw new Error(`${answer.status} ${(await answer.json()).error ?? answer.statusText}`);
    const snapshot = await answer.json();
    state.failures = 0;
    $('banner').hidden = true;
    state.snapshot = snapshot;
    state.traffic.push(...snapshot.traffic);
    const oldest = Math.floor(snapshot.server.now / 1000) - HISTORY_SECONDS;
    state.traffic = state.traffic.filter((point) => point.t >= oldest);
    render(snapshot);
  } catch (error) {
    state.failures += 1;
    const banner = $('banner');
    banner.hidden = false;
    banner.textContent = `The server does not answer (${error.message}); trying again.`;
  }
  const delay = Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** Math.max(0, state.failures - 1));
  setTimeout(poll, state.failures === 0 ? POLL_MS : delay);
}

function render(snapshot) {
  const { server } = snapshot;
  $('server-info').textContent =
    `${server.name} ${server.version} · ${server.workers} worker${server.workers === 1 ? '' : 's'} · ` +
    `model control: ${server.modelControl} · updated ${new Date(server.now).toLocaleTimeString()}`;
  renderModels(snapshot);
  renderTraffic(server.now);
  tryIt.offer(
    snapshot.models.flatMap((model) =>
      model.versions
        .filter((version) => version.state === 'READY')
        .map((version) => ({ name: model.name, version: version.version })),
    ),
  );
}

function renderModels(snapshot) {
  const body = $('models').tBodies[0];
  const explicit = snapshot.server.modelControl === 'explicit';
  const rows = snapshot.models.flatMap((model) =>
    model.versions.map((version, i) => modelRow(model, version, i === 0, explicit)),
  );
  body.replaceChildren(...rows);
  $('models-empty').hidden = rows.length > 0;
}

function modelRow(model, version, first, explicit) {
  const row = document.createElement('tr');
  row.dataset.model = model.name;
  row.dataset.version = version.version;
  row.dataset.state = version.state;
  const cell = (...children) => {
    const td = document.createElement('td');
    td.append(...children);
    row.append(td);
    return td;
  };
  cell(first ? model.name : '');
  cell(version.version || '–');
  const badge = element('span', `state state-${version.state}`, version.state);
  const stateCell = cell(badge);
  if (version.since)
    stateCell.append(' ', element('span', 'muted', `since ${new Date(version.since).toLocaleTimeString()}`));
  if (version.reason) stateCell.append(element('div', 'reason', version.reason));
  cell(sourceBlock(version.source));
  cell(startupBlock(version));
  cell(version.workers.total ? `${version.workers.ready}/${version.workers.total} ready` : '');
  const actions = cell();
  if (explicit && first) {
    const loaded = model.versions.some((entry) => entry.state !== 'UNAVAILABLE');
    if (!loaded || model.versions.some((entry) => entry.state === 'FAILED'))
      actions.append(controlButton('Load', model.name, 'load'));
    if (loaded) actions.append(controlButton('Unload', model.name, 'unload'));
  }
  return row;
}

function sourceBlock(source) {
  const block = element('div', 'source');
  if (source.uri) block.append(element('div', '', source.uri));
  if (source.digest) {
    const digest = element('div', 'muted', `sha256 ${source.digest.slice(0, 12)}…`);
    digest.title = source.digest;
    block.append(digest);
  }
  if (source.createdAt)
    block.append(element('div', 'muted', `published ${new Date(source.createdAt).toLocaleString()}`));
  const lineage = Object.entries(source.lineage ?? {});
  if (lineage.length > 0)
    block.append(
      element(
        'div',
        'muted',
        lineage
          .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join(' · '),
      ),
    );
  return block;
}

function startupBlock(version) {
  if (version.loadMs === undefined) return '';
  const parts = [
    version.reused ? 'cache reused' : `pull ${formatMs(version.downloadMs)} (${formatBytes(version.bytes)})`,
    `load ${formatMs(version.loadMs)}`,
    `warm-up ${formatMs(version.warmupMs)} × ${version.warmupRuns}`,
  ];
  return element('div', 'muted', parts.join(' · '));
}

function controlButton(label, name, op) {
  const button = element('button', '', label);
  button.type = 'button';
  button.dataset.op = op;
  button.addEventListener('click', async () => {
    button.disabled = true;
    const result = $('control-result');
    result.textContent = `${op === 'load' ? 'Loading' : 'Unloading'} ${name}…`;
    try {
      const answer = await fetch(`/v2/repository/models/${encodeURIComponent(name)}/${op}`, {
        method: 'POST',
      });
      result.textContent = answer.ok
        ? `${name}: ${op === 'load' ? 'loaded' : 'unloaded'}`
        : `${name}: ${(await answer.json()).error ?? answer.statusText}`;
    } catch (error) {
      result.textContent = `${name}: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function renderTraffic(nowMs) {
  const nowSeconds = Math.floor(nowMs / 1000);
  for (const chart of CHARTS) drawChart($(chart.canvas), state.traffic, chart.series, { nowSeconds });
  const latest = state.traffic.at(-1);
  $('stat-rps').textContent = latest ? String(latest.requests) : '–';
  $('stat-errors').textContent = latest ? String(latest.errors) : '–';
  $('stat-p99').textContent = latest?.p99 === undefined ? '–' : String(latest.p99);
  $('stat-queue').textContent = latest ? String(latest.queueDepth) : '–';
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function formatBytes(bytes) {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} kB`;
  return `${bytes} B`;
}

// Redraw on resize so the canvases stay sharp at their new width.
window.addEventListener('resize', () => state.snapshot && renderTraffic(state.snapshot.server.now));
void poll();

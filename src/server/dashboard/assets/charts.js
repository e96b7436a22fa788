// Time-series line charts on a canvas, small enough to ship in the package: an x axis of the last
// `windowSeconds` seconds ending now, a y axis from 0 to a round maximum, one line per series.
// A second with no value (no request, so no latency) breaks the line rather than drawing a zero.

const AXIS = '#6b7385';
const GRID = '#e2e5eb';

/** A "nice" upper bound for the y axis: 1, 2 or 5 times a power of ten, at least `value`. */
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function formatTick(value) {
  if (value >= 1000) return `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)}k`;
  if (value >= 10 || value === 0) return String(Math.round(value));
  return value.toPrecision(2);
}

/**
 * Draws `points` (objects with `t`, epoch seconds) on `canvas`; `series` is a list of
 * { key, label, color }. The canvas keeps the number of points drawn in data-points.
 */
export function drawChart(canvas, points, series, { nowSeconds, windowSeconds = 300 }) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);

  const left = 44;
  const right = 8;
  const top = 20;
  const bottom = 18;
  const plotWidth = Math.max(1, width - left - right);
  const plotHeight = Math.max(1, height - top - bottom);
  const start = nowSeconds - windowSeconds;
  const visible = points.filter((point) => point.t >= start);

  let highest = 0;
  for (const point of visible)
    for (const { key } of series) if (typeof point[key] === 'number') highest = Math.max(highest, point[key]);
  const max = niceMax(highest);
  const x = (t) => left + ((t - start) / windowSeconds) * plotWidth;
  const y = (value) => top + plotHeight - (value / max) * plotHeight;

  context.font = '11px system-ui, sans-serif';
  context.lineWidth = 1;
  context.strokeStyle = GRID;
  context.fillStyle = AXIS;
  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) {
    const value = (max / 4) * i;
    context.beginPath();
    context.moveTo(left, y(value));
    context.lineTo(left + plotWidth, y(value));
    context.stroke();
    context.fillText(formatTick(value), left - 6, y(value));
  }
  context.textAlign = 'center';
  context.textBaseline = 'top';
  for (let ago = windowSeconds; ago >= 0; ago -= 60) {
    const label = ago === 0 ? 'now' : `-${ago / 60}m`;
    context.fillText(label, x(nowSeconds - ago), top + plotHeight + 4);
  }

  context.lineWidth = 1.75;
  for (const { key, color } of series) {
    context.strokeStyle = color;
    context.beginPath();
    let previous;
    for (const point of visible) {
      const value = point[key];
      if (typeof value !== 'number') {
        previous = undefined;
        continue;
      }
      // A missing second (no sample) breaks the line too.
      if (previous === undefined || point.t - previous > 1) context.moveTo(x(point.t), y(value));
      else context.lineTo(x(point.t), y(value));
      previous = point.t;
    }
    context.stroke();
  }

  // Legend, top left.
  context.textAlign = 'left';
  context.textBaseline = 'top';
  let legendX = left;
  for (const { label, color } of series) {
    context.fillStyle = color;
    context.fillRect(legendX, 4, 10, 10);
    context.fillStyle = AXIS;
    context.fillText(label, legendX + 14, 3);
    legendX += 22 + context.measureText(label).width;
  }
  canvas.dataset.points = String(visible.length);
  canvas.dataset.max = String(highest);
}

// Charts of the statistics pages, the office's and the public one (Chart.js, bundled as the global HotlineCharts).
// The page embeds the chart data as JSON in <script type="application/json" id="analytics-charts"> and one
// <canvas data-chart="ID"> per chart; the same figures are in the tables next to each canvas, so the page works
// without this file.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Filler, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip);

const PALETTE = ['#b71c1c', '#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#ad1457', '#5d4037',
  '#f9a825', '#546e7a', '#3949ab', '#7cb342', '#9e9e9e'];
// Card colours as on the unit inbox: 正常, 预警, 黄牌, 红牌.
const LEVEL_COLOURS = { normal: '#90a4ae', warning: '#e0a800', yellow: '#f9c513', red: '#d32f2f' };
const FONT = '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif';

function colours(n) {
  return Array.from({ length: n }, (_, i) => PALETTE[i % PALETTE.length]);
}

function config(spec) {
  // No animation: the figures are read, not watched, and a drawn chart is final at once.
  const base = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: false }, tooltip: { enabled: true } },
  };
  const intAxis = { beginAtZero: true, ticks: { precision: 0 } };
  switch (spec.kind) {
    case 'line':
      return {
        type: 'line',
        data: {
          labels: spec.labels.map((d) => d.slice(5)),
          datasets: spec.series.map((s) => ({
            label: s.label, data: s.data, borderColor: PALETTE[0], backgroundColor: 'rgba(183,28,28,.12)',
            fill: true, tension: 0, pointRadius: spec.labels.length > 60 ? 0 : 2,
          })),
        },
        options: { ...base, scales: { y: intAxis, x: { ticks: { autoSkip: true, maxRotation: 0 } } } },
      };
    case 'doughnut':
      return {
        type: 'doughnut',
        data: {
          labels: spec.labels,
          datasets: spec.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: colours(s.data.length) })),
        },
        options: { ...base, plugins: { ...base.plugins, legend: { display: true, position: 'right' } } },
      };
    case 'stacked':
      return {
        type: 'bar',
        data: {
          labels: spec.labels,
          datasets: spec.series.map((s) => ({
            label: s.label, data: s.data, backgroundColor: LEVEL_COLOURS[s.level] || PALETTE[0], maxBarThickness: 48,
          })),
        },
        options: {
          ...base,
          plugins: { ...base.plugins, legend: { display: true, position: 'bottom' } },
          scales: { x: { stacked: true }, y: { ...intAxis, stacked: true } },
        },
      };
    case 'rates': // rates in percent per unit, two series side by side (the public page)
      return {
        type: 'bar',
        data: {
          labels: spec.labels,
          datasets: spec.series.map((s, i) => ({
            label: s.label, data: s.data, backgroundColor: [PALETTE[2], PALETTE[1]][i] || PALETTE[i],
            maxBarThickness: 16,
          })),
        },
        options: {
          ...base,
          indexAxis: 'y',
          plugins: {
            ...base.plugins,
            legend: { display: true, position: 'bottom' },
            tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}：${ctx.parsed.x}%` } },
          },
          scales: { x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
        },
      };
    default: { // 'bar' and 'hbar'
      const horizontal = spec.kind === 'hbar';
      return {
        type: 'bar',
        data: {
          labels: spec.labels,
          datasets: spec.series.map((s) => ({
            label: s.label, data: s.data, backgroundColor: PALETTE[1], maxBarThickness: 36,
          })),
        },
        options: {
          ...base,
          indexAxis: horizontal ? 'y' : 'x',
          scales: horizontal ? { x: intAxis } : { y: intAxis },
        },
      };
    }
  }
}

/** Draw one chart spec ({id, kind, title, labels, series}) on a canvas; returns the Chart. */
export function draw(canvas, spec) {
  const chart = new Chart(canvas, config(spec));
  canvas.dataset.ready = 'true';
  return chart;
}

/** Draw every chart of the page from its embedded JSON; returns the charts drawn. */
export function drawAll(root = document) {
  const source = root.getElementById ? root.getElementById('analytics-charts') : null;
  if (!source) return [];
  Chart.defaults.font.family = FONT;
  let specs;
  try {
    specs = JSON.parse(source.textContent);
  } catch (err) {
    console.error('analytics charts: bad JSON', err);
    return [];
  }
  const charts = [];
  for (const spec of specs) {
    const canvas = root.querySelector(`canvas[data-chart="${spec.id}"]`);
    if (canvas && spec.labels.length) charts.push(draw(canvas, spec));
  }
  document.documentElement.dataset.chartsReady = String(charts.length);
  return charts;
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', () => drawAll());
} else {
  drawAll();
}

// Bundle the modeller, the viewer and the statistics charts into web/static/vendor/ with esbuild; run through
// scripts/build-frontend.sh.
import { existsSync, readdirSync, rmSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'frontend');
const out = join(root, 'web', 'static', 'vendor');

const common = {
  bundle: true,
  minify: true,
  target: ['es2020'],
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
  absWorkingDir: root,
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const results = await Promise.all([
  esbuild.build({ ...common, entryPoints: { modeler: join(src, 'modeler.js') }, outdir: out, format: 'iife',
    globalName: 'HotlineModeler' }),
  esbuild.build({ ...common, entryPoints: { viewer: join(src, 'viewer.js') }, outdir: out, format: 'iife',
    globalName: 'HotlineViewer' }),
  esbuild.build({ ...common, entryPoints: { charts: join(src, 'charts.js') }, outdir: out, format: 'iife',
    globalName: 'HotlineCharts' }),
  esbuild.build({
    ...common,
    entryPoints: {
      modeler: join(src, 'modeler.css'),
      viewer: join(src, 'viewer.css'),
      process: join(src, 'process.css'),
    },
    outdir: out,
    assetNames: 'fonts/[name]-[hash]',
    loader: { '.eot': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file' },
  }),
]);

const pkg = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
const versions = Object.fromEntries(['bpmn-js', 'bpmn-js-properties-panel', '@bpmn-io/properties-panel',
  'bpmn-js-bpmnlint', 'bpmnlint', 'diagram-js-minimap', 'camunda-bpmn-moddle', 'camunda-bpmn-js-behaviors', 'diagram-js', 'chart.js', '@kurkle/color', 'esbuild']
  .map((name) => [name, pkg[`node_modules/${name}`]?.version]));
const files = {};
for (const result of results) {
  for (const [path, info] of Object.entries(result.metafile.outputs)) {
    files[relative(out, join(root, path))] = info.bytes;
  }
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ versions, files }, null, 2) + '\n');

// The licence of every package that ended up in a bundle, next to the bundles (bpmn-js also requires its watermark,
// which the viewer and modeller keep).
const bundled = new Set();
for (const result of results) {
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (m) { bundled.add(m[1]); }
  }
}
const notices = [...bundled].sort().map((name) => {
  const dir = join(root, 'node_modules', name);
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const version = pkg[`node_modules/${name}`]?.version;
  const declared = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).license;
  const text = file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').trim()
    : `Licence: ${declared} (declared in package.json; the package ships no licence file)`;
  return `${name}@${version}\n${'-'.repeat(name.length + 1 + String(version).length)}\n${text}\n`;
});
writeFileSync(join(out, 'THIRD_PARTY_LICENSES.txt'), notices.join('\n'));
for (const [name, bytes] of Object.entries(files).sort()) {
  console.log(`${name.padEnd(40)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB`);
}

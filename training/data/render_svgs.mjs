// Render the icons of an Iconify JSON collection (an npm package such as @iconify-json/openmoji) to
// 64x64 RGB on white, with @resvg/resvg-js, into a cache that build_dataset.py reads.
//
// Usage: node training/data/render_svgs.mjs <package> <cache-dir> [names.json]
//   names.json: a JSON array of icon names to have rendered (default: every icon and alias).
//   RENDER_SVGS_SIZE=256 (environment): another size (the super-resolution data, build_sr_dataset.py);
//   give each size its own cache dir (a cache of another size is rendered again from scratch).
// Cache: <cache-dir>/<slug>.bin (uint8 [n, SIZE, SIZE, 3], raw RGB, row-major) and <slug>.json
//   ({package, version, size, names: [n names, in .bin order], skipped: {name: reason}, ms_per_icon, rendered_ms}).
// ms_per_icon: wall time per icon over all the renders that filled this cache, child processes included.
// Icons already in the cache (rendered or skipped) for the same package version are not rendered again,
// so a rerun with unchanged packages is instant. A few icons make resvg panic, which kills the process:
// rendering runs in a child process, and when the child dies the icon it was on is recorded as skipped
// and a new child carries on from the next one. Prints a one-line JSON summary on stdout.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SIZE = Number(process.env.RENDER_SVGS_SIZE ?? 64); // output pixels per side (children inherit it)
if (!Number.isInteger(SIZE) || SIZE < 8 || SIZE > 1024) throw new Error(`RENDER_SVGS_SIZE must be an integer in 8..1024, got ${process.env.RENDER_SVGS_SIZE}`);
const PIXEL_BYTES = SIZE * SIZE * 3; // one RGB image
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(ROOT, 'package.json'));

/** The collection's icons.json and its package version. */
function loadCollection(pkg) {
  const dir = path.dirname(require.resolve(`${pkg}/package.json`));
  const icons = JSON.parse(fs.readFileSync(path.join(dir, 'icons.json'), 'utf8'));
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  return { icons, version };
}

/** A standalone SVG document for one icon or alias, its viewbox fitted to SIZE px. */
function iconSvg(collection, name) {
  let flipH = false, flipV = false, rotate = 0, icon = collection.icons[name];
  let alias = collection.aliases?.[name];
  for (let hops = 0; !icon && alias && hops < 8; hops++) { // alias chains carry transforms
    flipH = flipH !== Boolean(alias.hFlip);
    flipV = flipV !== Boolean(alias.vFlip);
    rotate = (rotate + (alias.rotate ?? 0)) % 4;
    icon = collection.icons[alias.parent];
    alias = collection.aliases?.[alias.parent];
  }
  if (!icon) throw new Error(`${name}: no such icon`);
  const left = icon.left ?? collection.left ?? 0, top = icon.top ?? collection.top ?? 0;
  const w = icon.width ?? collection.width ?? 16, h = icon.height ?? collection.height ?? 16;
  const cx = left + w / 2, cy = top + h / 2;
  const transforms = [];
  if (rotate) transforms.push(`rotate(${rotate * 90} ${cx} ${cy})`);
  if (flipH || flipV) {
    transforms.push(`translate(${cx} ${cy}) scale(${flipH ? -1 : 1} ${flipV ? -1 : 1}) translate(${-cx} ${-cy})`);
  }
  const body = transforms.length ? `<g transform="${transforms.join(' ')}">${icon.body}</g>` : icon.body;
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `viewBox="${left} ${top} ${w} ${h}" width="${SIZE}" height="${SIZE}">${body}</svg>`;
}

/** Child: render names[start..] and write one record per icon to stdout: 0x01 + RGB, or 0x00 on a JS error. */
async function child(pkg, listFile, start) {
  const { Resvg } = require('@resvg/resvg-js');
  const { icons } = loadCollection(pkg);
  const names = JSON.parse(fs.readFileSync(listFile, 'utf8'));
  const crashOn = process.env.RENDER_SVGS_CRASH_ON; // tests: die on this icon as a resvg panic would
  for (let i = start; i < names.length; i++) {
    if (names[i] === crashOn) process.kill(process.pid, 'SIGKILL');
    let record;
    try {
      const opts = { background: '#ffffff', fitTo: { mode: 'original' }, font: { loadSystemFonts: false } };
      const rgba = new Resvg(iconSvg(icons, names[i]), opts).render().pixels; // [SIZE, SIZE, 4], opaque
      if (rgba.length !== SIZE * SIZE * 4) throw new Error(`rendered ${rgba.length} bytes`);
      record = Buffer.alloc(1 + PIXEL_BYTES);
      record[0] = 1;
      for (let p = 0, q = 1; p < rgba.length; p += 4, q += 3) {
        record[q] = rgba[p]; record[q + 1] = rgba[p + 1]; record[q + 2] = rgba[p + 2];
      }
    } catch (err) {
      process.stderr.write(`${names[i]}: ${err.message}\n`);
      record = Buffer.from([0]);
    }
    fs.writeSync(1, record); // synchronous, so every finished icon is out before a panic can strike
  }
}

/** Parent: run children over `names` until every icon is rendered or skipped. */
async function renderAll(pkg, names) {
  const listFile = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'render-svgs-')), 'names.json');
  fs.writeFileSync(listFile, JSON.stringify(names));
  const images = new Map(), skipped = {};
  let next = 0;
  while (next < names.length) {
    const { code, signal, out, err } = await new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', pkg, listFile, String(next)],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = [], err = [];
      p.stdout.on('data', (b) => out.push(b));
      p.stderr.on('data', (b) => err.push(b));
      p.on('error', reject);
      p.on('close', (code, signal) => resolve({ code, signal, out: Buffer.concat(out), err: Buffer.concat(err).toString() }));
    });
    for (let o = 0; o < out.length && next < names.length; next++) {
      if (out[o] === 1 && o + 1 + PIXEL_BYTES <= out.length) {
        images.set(names[next], out.subarray(o + 1, o + 1 + PIXEL_BYTES));
        o += 1 + PIXEL_BYTES;
      } else if (out[o] === 0) {
        skipped[names[next]] = 'render error';
        o += 1;
      } else break; // a record cut short by the crash: that icon is the one that crashed
    }
    if (code === 0 && next >= names.length) break;
    if (code === 0) throw new Error(`render child exited early at ${names[next]}`);
    const why = err.split('\n').find((l) => /panick|error/i.test(l)) ?? `exit ${code ?? signal}`;
    skipped[names[next]] = `resvg crashed: ${why.trim().slice(0, 200)}`;
    next += 1;
  }
  fs.rmSync(path.dirname(listFile), { recursive: true, force: true });
  return { images, skipped };
}

async function main(argv) {
  if (argv[0] === '--child') return child(argv[1], argv[2], Number(argv[3]));
  const [pkg, cacheDir, namesFile] = argv;
  if (!pkg || !cacheDir) throw new Error('usage: node render_svgs.mjs <package> <cache-dir> [names.json]');
  const { icons, version } = loadCollection(pkg);
  const wanted = namesFile ? JSON.parse(fs.readFileSync(namesFile, 'utf8'))
    : [...Object.keys(icons.icons), ...Object.keys(icons.aliases ?? {})];
  const slug = pkg.replace(/^@/, '').replace(/\//g, '__');
  const jsonPath = path.join(cacheDir, `${slug}.json`), binPath = path.join(cacheDir, `${slug}.bin`);
  let cache = { package: pkg, version, size: SIZE, names: [], skipped: {}, ms_per_icon: null, rendered_ms: 0 };
  if (fs.existsSync(jsonPath) && fs.existsSync(binPath)) {
    const old = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
    if (old.version === version && old.size === SIZE && fs.statSync(binPath).size === old.names.length * PIXEL_BYTES) {
      cache = old;
    }
  }
  const have = new Set([...cache.names, ...Object.keys(cache.skipped)]);
  const missing = [...new Set(wanted)].filter((n) => !have.has(n));
  if (missing.length) {
    const t0 = performance.now();
    const { images, skipped } = await renderAll(pkg, missing);
    const ms = (cache.rendered_ms ?? 0) + performance.now() - t0;
    const count = cache.names.length + Object.keys(cache.skipped).length + missing.length;
    fs.mkdirSync(cacheDir, { recursive: true });
    const added = missing.filter((n) => images.has(n));
    const old = cache.names.length ? fs.readFileSync(binPath) : Buffer.alloc(0);
    fs.writeFileSync(binPath, Buffer.concat([old, ...added.map((n) => images.get(n))]));
    cache = { ...cache, version, names: [...cache.names, ...added], skipped: { ...cache.skipped, ...skipped },
      ms_per_icon: Math.round((ms / count) * 100) / 100, rendered_ms: Math.round(ms) };
    fs.writeFileSync(jsonPath, JSON.stringify(cache, null, 1));
  }
  const wantedSet = new Set(wanted);
  const skippedNow = Object.keys(cache.skipped).filter((n) => wantedSet.has(n));
  process.stdout.write(JSON.stringify({ package: pkg, version, wanted: wanted.length, rendered: missing.length,
    skipped: skippedNow.length, ms_per_icon: cache.ms_per_icon, json: jsonPath, bin: binPath }) + '\n');
}

main(process.argv.slice(2)).catch((err) => { console.error(err.message); process.exit(1); });

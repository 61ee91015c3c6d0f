/**
 * Command-line generation with the shipped models, through the same pipeline as the page
 * (src/pipeline/generate.ts), on onnxruntime-node. Run `npm run generate -- --help`.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { chwToRgba } from '../diffusion/image.ts';
import { ModelsDirError, openModels, readModelsDir } from '../ort/node-models.ts';
import { checkSettings } from '../pipeline/check-settings.ts';
import { generate } from '../pipeline/generate.ts';
import { matchScore } from '../pipeline/match.ts';
import { runSettings, type RunSettings } from '../settings/fields.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { encodeImagePng, settingsText } from '../export/png-file.ts';
import { encodeTrajectoryGif, type GifStep } from '../export/trajectory-gif.ts';

const HELP = `Generate images with the shipped diffusion model (onnxruntime-node, CPU).

Usage:
  npm run generate -- [--prompt TEXT] [--out FILE.png] [options]
  npm run generate -- --prompts-file FILE --out-dir DIR [options]

Options:
  --prompt TEXT        text to draw (default: the manifest's, e.g. "cat face")
  --out FILE           PNG to write (default: out.png), written whole or not at all; the settings are
                       stored in its tEXt chunks
  --gif FILE           also write the run as an animated GIF (x_t | x̂0, one frame per step)
  --prompts-file FILE  UTF-8 text, one prompt per line; writes DIR/001.png for line 1, 002.png for
                       line 2, ... An empty line gives the unconditional image (a file with no prompt
                       at all is refused). Every line uses the same seed.
  --out-dir DIR        folder for --prompts-file output (created if missing)
  --seed N             noise seed, integer 0..4294967295 (default: manifest)
  --steps N            DDIM steps, 1..T (default: manifest)
  --guidance X         classifier-free guidance scale, 0..20 (default: manifest)
  --sampler NAME       ddim, ddpm, euler-a or dpmpp-2m (default: ddim)
  --spacing NAME       trailing or karras (karras: euler-a and dpmpp-2m only; default: trailing)
  --eta X              DDIM's eta, 0..1 (0 = deterministic, the default)
  --negative-prompt T  text to steer away from (the unconditional branch of guidance)
  --guidance-rescale X guidance rescale phi, 0..1 (default: 0, off; ~0.7 tames high guidance)
  --models DIR         folder with manifest.json, tokenizer.json and the .onnx files, each checked
                       against its size and SHA-256 in manifest.json (default: public/models);
                       image_encoder.onnx is optional: without it there is no match score
  --threads N          onnxruntime intra-op threads (default: onnxruntime's choice)
  -h, --help           show this help

Exit codes:
  0  done
  1  failed while running: the runtime failed, or a PNG could not be written (full disk); a PNG is
     either complete or absent, never truncated
  2  bad input, found before generating: unknown or invalid flags, a prompts file that is missing, a
     folder, empty or not UTF-8 text, an --out that is a folder or cannot be written, a models folder
     with missing, changed (size or SHA-256) or invalid files`;

/** Bad input (flags, prompts file, output path): exit code 2, as for a ModelsDirError (the models folder). */
class UsageError extends Error {}

/**
 * The prompts of a --prompts-file, one per line. Refuses, naming the path, a missing file, a folder,
 * a file with no prompt, and binary data (a NUL byte, or bytes that are not UTF-8).
 */
function readPromptsFile(file: string): string[] {
  let bytes: Buffer;
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`--prompts-file: ${file} is a folder, not a text file`);
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`--prompts-file: no such file: ${file}`);
    throw new UsageError(`--prompts-file: cannot read ${file} (${(error as Error).message})`);
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw new UsageError(`--prompts-file: ${file} is binary, not text (a NUL byte at offset ${nul})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`--prompts-file: ${file} is not UTF-8 text`);
  }
  if (text.trim() === '') throw new UsageError(`--prompts-file: ${file} is empty (no prompts; use --prompt "" for the unconditional image)`);
  return text.replace(/\r?\n$/, '').split(/\r?\n/);
}

/**
 * Makes sure every output can be written before any generation starts: no output path is a folder,
 * its folder exists (created if missing, as --out-dir promises) and is writable.
 */
function checkOutputs(outs: string[], flag: '--out' | '--out-dir' | '--gif'): void {
  for (const out of outs) {
    const folder = dirname(resolve(out));
    if (existsSync(out) && statSync(out).isDirectory()) {
      throw new UsageError(`${flag}: ${out} is a folder; give a file name such as ${join(out, 'out.png')}`);
    }
    try {
      mkdirSync(folder, { recursive: true });
      accessSync(folder, constants.W_OK);
    } catch (error) {
      throw new UsageError(`${flag}: cannot write into ${folder} (${(error as Error).message})`);
    }
  }
}

interface Options {
  /** Images to make; prompt undefined means the manifest's default prompt. */
  jobs: { prompt?: string; out: string }[];
  /** Where to write the single job's trajectory GIF, if asked. */
  gif?: string;
  seed?: number;
  steps?: number;
  guidance?: number;
  sampler?: string;
  spacing?: string;
  eta?: number;
  negative?: string;
  rescale?: number;
  modelsDir: string;
  threads?: number;
}

function parseNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${value}"`);
  return n;
}

/** Parses argv; returns null for --help. Throws UsageError for bad flags. */
function parseOptions(argv: string[]): Options | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        prompt: { type: 'string' },
        out: { type: 'string' },
        gif: { type: 'string' },
        'prompts-file': { type: 'string' },
        'out-dir': { type: 'string' },
        seed: { type: 'string' },
        steps: { type: 'string' },
        guidance: { type: 'string' },
        sampler: { type: 'string' },
        spacing: { type: 'string' },
        eta: { type: 'string' },
        'negative-prompt': { type: 'string' },
        'guidance-rescale': { type: 'string' },
        models: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return null;

  const threads = parseNumber('threads', values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new UsageError(`--threads must be a positive integer, got ${values.threads}`);
  }
  const options: Options = {
    jobs: [],
    seed: parseNumber('seed', values.seed),
    steps: parseNumber('steps', values.steps),
    guidance: parseNumber('guidance', values.guidance),
    sampler: values.sampler,
    spacing: values.spacing,
    eta: parseNumber('eta', values.eta),
    negative: values['negative-prompt'],
    rescale: parseNumber('guidance-rescale', values['guidance-rescale']),
    modelsDir: resolve(values.models ?? 'public/models'),
    gif: values.gif,
    threads,
  };

  const file = values['prompts-file'];
  if (file !== undefined) {
    if (values.prompt !== undefined || values.out !== undefined) {
      throw new UsageError('--prompts-file cannot be combined with --prompt or --out (use --out-dir)');
    }
    if (values['out-dir'] === undefined) throw new UsageError('--prompts-file needs --out-dir');
    if (values.gif !== undefined) throw new UsageError('--gif works with a single --prompt, not --prompts-file');
    const lines = readPromptsFile(file);
    const digits = Math.max(3, String(lines.length).length);
    options.jobs = lines.map((prompt, i) => ({
      prompt,
      out: join(values['out-dir']!, `${String(i + 1).padStart(digits, '0')}.png`),
    }));
  } else {
    if (values['out-dir'] !== undefined) throw new UsageError('--out-dir needs --prompts-file');
    options.jobs = [{ prompt: values.prompt, out: values.out ?? 'out.png' }];
  }
  checkOutputs(options.jobs.map((job) => job.out), file === undefined ? '--out' : '--out-dir');
  if (options.gif !== undefined) checkOutputs([options.gif], '--gif');
  return options;
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === null) {
    console.log(HELP);
    return 0;
  }
  const loadStart = performance.now();
  if (!existsSync(options.modelsDir)) throw new UsageError(`models folder not found: ${options.modelsDir} (use --models DIR)`);
  const { manifest, tokenizer } = readModelsDir(options.modelsDir);
  const defaults = manifest.defaults;
  const base: RunSettings = runSettings({
    seed: options.seed ?? defaults.seed,
    steps: options.steps ?? defaults.steps,
    guidance: options.guidance ?? defaults.guidance,
    sampler: (options.sampler ?? 'ddim') as RunSettings['sampler'],
    spacing: (options.spacing ?? 'trailing') as RunSettings['spacing'],
    eta: options.eta ?? 0,
    negative: options.negative ?? '',
    rescale: options.rescale ?? 0,
  });
  try {
    checkSettings({ ...base, prompt: '' }, manifest.schedule.num_train_timesteps);
  } catch (error) {
    // The pipeline names fields as a link does; say them as flags.
    const message = (error as Error).message.replace(/^negative\b/, 'negative-prompt').replace(/^rescale\b/, 'guidance-rescale');
    throw new UsageError(`--${message}`);
  }
  const sessionOptions = options.threads ? { intraOpNumThreads: options.threads } : {};
  const models = await openModels(ort, options.modelsDir, manifest, tokenizer, sessionOptions, (why) => console.error(`note: ${why}`));
  console.log(`${manifest.name}: loaded from ${options.modelsDir} in ${((performance.now() - loadStart) / 1000).toFixed(2)} s`);
  const extras = [base.eta ? `eta ${base.eta}` : '', base.rescale ? `rescale ${base.rescale}` : '',
    base.negative ? `negative ${JSON.stringify(base.negative)}` : ''].filter(Boolean);
  console.log(`seed ${base.seed}, ${base.steps} steps, ${base.sampler} ${base.spacing}, guidance ${base.guidance}${extras.map((e) => `, ${e}`).join('')}`);

  for (const job of options.jobs) {
    const params: RunSettings = { ...base, prompt: job.prompt ?? defaults.prompt };
    const start = performance.now();
    let image: Float32Array | undefined;
    const gifSteps: GifStep[] = [];
    for await (const frame of generate(models, params)) {
      image = frame.prev; // [3, H, W]
      // The page's GIF shows x̂0 and, on the last step, the finished image: the same here.
      if (options.gif) gifSteps.push({ xt: frame.xt, x0: frame.index === frame.total - 1 ? frame.prev : frame.x0 });
    }
    const seconds = (performance.now() - start) / 1000;
    const side = manifest.resolution;
    const text = settingsText({ ...params, model: manifest.name });
    writeFileAtomic(job.out, encodeImagePng(chwToRgba(image!, side, side), side, side, { text }));
    if (options.gif) {
      writeFileAtomic(options.gif, encodeTrajectoryGif(gifSteps, side));
      console.log(`${options.gif}  ${gifSteps.length} frames`);
    }
    const perStep = ((seconds * 1000) / params.steps).toFixed(0);
    // The page's "prompt match" for the finished image (CLIP cosine), when the model has an image encoder.
    const match = models.scorer && params.prompt.trim() !== '' ? await matchScore(models.scorer, tokenizer, params.prompt, image!) : null;
    const matchText = match === null ? '' : `  match ${match.toFixed(4)}`;
    console.log(`${job.out}  ${JSON.stringify(params.prompt)}  ${seconds.toFixed(2)} s (${perStep} ms/step)${matchText}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    const usage = error instanceof UsageError || error instanceof ModelsDirError;
    if (usage) console.error('Run with --help for usage.');
    process.exitCode = usage ? 2 : 1;
  },
);

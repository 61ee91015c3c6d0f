/**
 * The CLI as a child process against bad input and faults (issue 10): exit code 2 for bad input found
 * before generating, 1 for a failure while running, the path named, and never a partial PNG.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelsDir, repoRoot } from '../testing/fixtures.ts';
import { copyModels, editText, swappedTokenizer } from '../testing/tampered.ts';

/** Runs the CLI; `limitKiB` caps the size of any file it writes (ulimit -f), as a full disk would. */
function cli(args: string[], limitKiB?: number) {
  const node = [process.execPath, '--import', 'tsx', 'src/cli/generate.ts', ...args];
  const run = limitKiB === undefined
    ? spawnSync(node[0], node.slice(1), { cwd: repoRoot, encoding: 'utf8' })
    : spawnSync('bash', ['-c', `ulimit -f ${limitKiB}; exec "$@"`, 'bash', ...node], { cwd: repoRoot, encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const temp = () => mkdtempSync(join(tmpdir(), 'cli-'));

describe('npm run generate: bad input exits 2 before generating, naming the path', { timeout: 120_000 }, () => {
  it('lists the exit codes in --help', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Exit codes:\n\s+0 {2}done\n\s+1 {2}failed while running/);
    expect(help.out).toMatch(/2 {2}bad input, found before generating/);
  });

  // Issue 10: a folder exited 1 with "EISDIR" and no path; an empty file made an unconditional image and
  // exited 0; a binary file made 16 PNGs of garbage and exited 0.
  it('refuses a prompts file that is a folder, empty, or binary (NUL or invalid UTF-8)', () => {
    const dir = temp();
    const out = join(dir, 'out');
    const file = (name: string, bytes: string | Uint8Array) => (writeFileSync(join(dir, name), bytes), join(dir, name));
    const cases: [string, string][] = [
      [dir, `--prompts-file: ${dir} is a folder, not a text file`],
      [file('empty.txt', ''), `--prompts-file: ${join(dir, 'empty.txt')} is empty (no prompts`],
      [file('blank.txt', '\n  \n'), `--prompts-file: ${join(dir, 'blank.txt')} is empty (no prompts`],
      [file('nul.txt', new Uint8Array([99, 97, 116, 0, 10, 100])), `--prompts-file: ${join(dir, 'nul.txt')} is binary, not text (a NUL byte at offset 3)`],
      [file('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a])), `--prompts-file: ${join(dir, 'latin1.txt')} is not UTF-8 text`],
      [join(dir, 'nothing.txt'), `--prompts-file: no such file: ${join(dir, 'nothing.txt')}`],
    ];
    for (const [path, message] of cases) {
      const run = cli(['--models', modelsDir, '--prompts-file', path, '--out-dir', out, '--steps', '1']);
      expect(run, path).toMatchObject({ code: 2, err: expect.stringContaining(message) });
      expect(run.out, path).not.toContain('loaded from'); // refused before the models were even opened
    }
    expect(readdirSync(dir).includes('out') ? readdirSync(out) : []).toEqual([]);
  });

  // Issue 10: --out naming a folder failed only after the whole generation.
  it('refuses an --out that is a folder and an --out-dir that is a file, before loading the models', () => {
    const dir = temp();
    const folder = cli(['--models', modelsDir, '--out', dir, '--steps', '1']);
    expect(folder).toMatchObject({ code: 2, err: expect.stringContaining(`--out: ${dir} is a folder; give a file name such as ${join(dir, 'out.png')}`) });
    expect(folder.out).not.toContain('loaded from');
    writeFileSync(join(dir, 'taken'), 'a file');
    const prompts = join(dir, 'prompts.txt');
    writeFileSync(prompts, 'cat face\n');
    const file = cli(['--models', modelsDir, '--prompts-file', prompts, '--out-dir', join(dir, 'taken'), '--steps', '1']);
    expect(file).toMatchObject({ code: 2, err: expect.stringContaining(`--out-dir: cannot write into ${join(dir, 'taken')}`) });
    mkdirSync(join(dir, 'busy', '001.png'), { recursive: true });
    const busy = cli(['--models', modelsDir, '--prompts-file', prompts, '--out-dir', join(dir, 'busy'), '--steps', '1']);
    expect(busy).toMatchObject({ code: 2, err: expect.stringContaining(`--out-dir: ${join(dir, 'busy', '001.png')} is a folder`) });
  });

  // Issue 10: tokenizer.json had no hash; a tampered vocabulary changed every image, page and CLI.
  it('refuses a tampered tokenizer.json, a backslash file name and an absurd size in manifest.json', () => {
    const tampered = copyModels((d) => editText(d, 'tokenizer.json', swappedTokenizer), ['unet.onnx', 'text_encoder.onnx', 'image_encoder.onnx']);
    expect(cli(['--models', tampered, '--steps', '1', '--out', join(temp(), 'a.png')])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/error: tokenizer\.json: SHA-256 [0-9a-f]{12}\.\.\. does not match manifest\.json's/),
    });
    const evil = copyModels((d) => editText(d, 'manifest.json', (t) => t.replace('"samples/cat-face.png"', JSON.stringify('\\\\evil.example\\cat.png'))), ['unet.onnx']);
    expect(cli(['--models', evil, '--out', join(temp(), 'a.png')])).toMatchObject({
      code: 2,
      err: expect.stringContaining('error: manifest.json: samples[0].file must be a plain file name'),
    });
    const huge = copyModels((d) => editText(d, 'manifest.json', (t) => t.replace(/("file": "unet.onnx",\s*"bytes": )\d+/, `$1${2 ** 40}`)), ['unet.onnx']);
    expect(cli(['--models', huge, '--out', join(temp(), 'a.png')])).toMatchObject({
      code: 2,
      err: expect.stringContaining('error: manifest.json: unet.bytes = 1099511627776 for unet.onnx is over the 1073741824-byte (1 GiB) limit'),
    });
  });
});

describe('npm run generate: running', { timeout: 180_000 }, () => {
  // Issue 10: a models folder without the optional image_encoder.onnx was refused.
  it('runs without image_encoder.onnx, as the page does, only without a match score', () => {
    const models = copyModels(() => {}, ['image_encoder.onnx']);
    const out = join(temp(), 'cat.png');
    const run = cli(['--models', models, '--steps', '2', '--out', out]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain(`note: match score off: image_encoder.onnx: missing in ${models}`);
    expect(run.out).toMatch(/cat\.png {2}"cat face" {2}[\d.]+ s \(\d+ ms\/step\)\n/);
    expect(run.out).not.toContain('match');
    expect(readFileSync(out).subarray(1, 4).toString()).toBe('PNG');
  });

  // Issue 10: on a full disk the PNG was written in place and left truncated. A 2 KiB file-size limit
  // fails the write the same way (EFBIG instead of ENOSPC) after the generation has run.
  it('leaves no partial PNG and exits 1 when the PNG cannot be written', () => {
    const dir = temp();
    const run = cli(['--models', modelsDir, '--steps', '1', '--out', join(dir, 'cat.png')], 2);
    expect(run.out).toContain('loaded from'); // it got as far as generating
    expect(run).toMatchObject({ code: 1, err: expect.stringMatching(/error: .*cat\.png: could not write \(EFBIG.*no partial file was left/) });
    expect(readdirSync(dir)).toEqual([]);
  });
});

/**
 * scripts/gpu-job/pack.sh, run in a throwaway git repository that holds a copy of it: the job folder
 * it writes must run where no checkout is (only what was named travels, under its own path), put the
 * job's results in OUT_DIR, stop the job at JOB_BUDGET_S, and refuse what would make a broken folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let repo: string;
let away: string;

/** Runs pack.sh in the throwaway repository; returns its exit status and output. */
function pack(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('bash', [join(repo, 'scripts/gpu-job/pack.sh'), ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Runs a packed folder's run.sh from elsewhere, as the GPU machine would. */
function runJob(dir: string, env: Record<string, string>, args: string[] = []) {
  const r = spawnSync('bash', [join(dir, 'run.sh'), ...args], { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout + r.stderr };
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'pack-repo-'));
  away = mkdtempSync(join(tmpdir(), 'pack-away-'));
  mkdirSync(join(repo, 'scripts/gpu-job'), { recursive: true });
  copyFileSync('scripts/gpu-job/pack.sh', join(repo, 'scripts/gpu-job/pack.sh'));
  mkdirSync(join(repo, 'job/data'), { recursive: true });
  // The job reads a file by its repository path and writes its result where OUT_DIR says.
  writeFileSync(join(repo, 'job/train.sh'), 'set -eu\n[ "${1:-}" = sleep ] && sleep 30\ncp job/data/weights.bin "$OUT_DIR/got.bin"\necho "budget=${JOB_BUDGET_S:-none} args=$*" > "$OUT_DIR/log.txt"\n');
  writeFileSync(join(repo, 'job/data/weights.bin'), Buffer.alloc(3000, 7));
  writeFileSync(join(repo, 'job/unrelated.txt'), 'not for the GPU machine');
  writeFileSync(join(repo, '.gitignore'), '/build/\n');
  execFileSync('git', ['init', '-q'], { cwd: repo });
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.'], { cwd: repo });
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'x'], { cwd: repo });
  chmodSync(join(repo, 'scripts/gpu-job/pack.sh'), 0o755);
});

afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(away, { recursive: true, force: true });
});

// Each test starts a few bash and git processes: seconds on a busy machine.
describe('scripts/gpu-job/pack.sh', { timeout: 60_000 }, () => {
  it('packs only the named paths under their own paths, and run.sh runs the job from elsewhere into OUT_DIR', () => {
    const dest = join(away, 'job-folder');
    const r = pack([dest, 'job/train.sh', 'job/data']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/job folder .*job-folder: [\d.]+ MiB, 2 files/);
    expect(existsSync(join(dest, 'job/data/weights.bin'))).toBe(true);
    expect(existsSync(join(dest, 'job/unrelated.txt'))).toBe(false);
    expect(readFileSync(join(dest, 'job-files.txt'), 'utf8')).toMatch(/^3000\tjob\/data\/weights\.bin$/m);

    rmSync(repo, { recursive: true, force: true }); // no checkout on the GPU machine
    const out = join(away, 'results');
    const run = runJob(dest, { OUT_DIR: out, JOB_BUDGET_S: '60' }, ['a', 'b']);
    expect(run.status, run.out).toBe(0);
    expect(readFileSync(join(out, 'got.bin'))).toEqual(Buffer.alloc(3000, 7));
    expect(readFileSync(join(out, 'log.txt'), 'utf8')).toBe('budget=60 args=a b\n');
  });

  it('stops the job at JOB_BUDGET_S', () => {
    const dest = join(away, 'job-folder');
    expect(pack([dest, 'job/train.sh', 'job/data']).status).toBe(0);
    const started = Date.now();
    const run = runJob(dest, { OUT_DIR: join(away, 'results'), JOB_BUDGET_S: '1' }, ['sleep']);
    expect(run.status).toBe(124); // timeout's status: the budget ran out
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('writes a tarball that holds the folder, with --tar', () => {
    const dest = join(away, 'job-folder');
    const r = pack(['--tar', dest, 'job/train.sh', 'job/data']);
    expect(r.status, r.out).toBe(0);
    const listing = execFileSync('tar', ['-tzf', `${dest}.tar.gz`], { encoding: 'utf8' });
    expect(listing).toContain('job-folder/run.sh');
    expect(listing).toContain('job-folder/job/data/weights.bin');
  });

  it('fails over JOB_MAX_MIB, and refuses a missing path, a path outside the repository, a non-empty or tracked folder', () => {
    expect(pack([join(away, 'a'), 'job/train.sh', 'job/data'], { JOB_MAX_MIB: '0' }).status).toBe(1);
    const missing = pack([join(away, 'b'), 'job/train.sh', 'job/nope']);
    expect(missing.status).toBe(2);
    expect(missing.out).toContain('job/nope does not exist');
    expect(pack([join(away, 'c'), 'job/train.sh', away]).out).toContain('is not inside the repository');
    mkdirSync(join(away, 'd'));
    writeFileSync(join(away, 'd/x'), '');
    expect(pack([join(away, 'd'), 'job/train.sh']).out).toContain('exists and is not empty');
    expect(pack([join(repo, 'job/out'), 'job/train.sh']).out).toContain('not git-ignored');
    expect(pack([join(repo, 'build/job'), 'job/train.sh', 'job/data']).status).toBe(0);
  });
});

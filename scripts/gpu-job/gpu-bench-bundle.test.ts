/**
 * The GPU job's page benchmark is scripts/bench/bench-node.ts bundled by esbuild into one file that runs
 * with only the job folder's node_modules (onnxruntime-web, webgpu) beside it (scripts/gpu-job/gpu-bench.sh);
 * so are the op census with GPU time per kernel and the GPU-resident sampler experiment.
 * The GPU machine has no checkout, no npm and often no network, and its time is paid by the minute: an
 * import that only Vite or tsx can resolve, or a new package the folder lacks, must fail here rather than there.
 */
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';

/** What scripts/gpu-job/gpu-bench.sh leaves outside the bundle (the GPU bundle's node_modules holds the first two). */
const EXTERNAL = ['webgpu', 'onnxruntime-web', 'onnxruntime-node'];

describe('the GPU bundle page benchmark (scripts/gpu-job/gpu-bench.sh)', () => {
  it.each(['scripts/bench/bench-node.ts', 'scripts/webgpu/webgpu-census.ts', 'scripts/webgpu/gpu-resident-bench.ts'])('%s bundles into one file whose only imports are node built-ins and the bundle-provided packages', async (entry) => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: EXTERNAL,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const foreign = [...new Set(imports)].filter((path) => !builtins.has(path) && !EXTERNAL.includes(path));
    expect(foreign).toEqual([]);
    // onnxruntime-node is only for --runtime=native, which the GPU bundle does not run: it must stay a
    // dynamic import, so the bundle loads without it.
    const text = result.outputFiles[0].text;
    expect(text).not.toMatch(/^import .* from ["']onnxruntime-node["']/m);
  }, 60_000);
});

// Checks exported ONNX files against the PyTorch outputs in a unet-call.json fixture, with
// onnxruntime-node: the same graph the page runs. Exit code 1 on any mismatch above 1e-4.
//   node training/check_onnx.mjs MODELS_DIR FIXTURE_JSON [UNET.onnx ...]
// Each extra U-Net file (e.g. the WebGPU graph with its GroupNorms expanded for the CPU:
// training/webgpu_graph.py expand_contrib) is checked against the same fixture.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [modelsDir, fixturePath, ...extraUnets] = process.argv.slice(2);
if (!modelsDir || !fixturePath) {
  console.error('usage: node training/check_onnx.mjs MODELS_DIR FIXTURE_JSON');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8'));
const fx = JSON.parse(readFileSync(fixturePath, 'utf8'));
const f32 = (a) => new Float32Array(new Uint8Array(Buffer.from(a.b64, 'base64')).buffer);

function compare(name, got, want) {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  }
  const ok = got.length === want.length && worst <= 1e-4 && got.every(Number.isFinite);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${got.length} values, max relative error ${worst.toExponential(2)}`);
  return ok;
}

function checkNames(entry, session) {
  const want = [entry.inputs.map((x) => x.name), entry.outputs.map((x) => x.name)];
  const got = [session.inputNames, session.outputNames];
  if (JSON.stringify(want) !== JSON.stringify(got)) {
    throw new Error(`${entry.file}: manifest says inputs/outputs ${JSON.stringify(want)}, file has ${JSON.stringify(got)}`);
  }
}

const text = await ort.InferenceSession.create(join(modelsDir, manifest.text_encoder.file));
const unet = await ort.InferenceSession.create(join(modelsDir, manifest.unet.file));
checkNames(manifest.text_encoder, text);
checkNames(manifest.unet, unet);
const B = fx.prompts.length;
const L = manifest.tokenizer.max_length;
const ids = new ort.Tensor('int32', Int32Array.from(fx.input_ids), [B, L]);
const t = await text.run({ input_ids: ids });
const hidden = f32(fx.hidden_states);
const r = manifest.resolution;
const feeds = () => ({
  sample: new ort.Tensor('float32', f32(fx.sample), [B, 3, r, r]),
  timestep: new ort.Tensor('float32', Float32Array.from(fx.timestep), [B]),
  encoder_hidden_states: new ort.Tensor('float32', hidden, fx.hidden_states.shape),
});
const u = await unet.run(feeds());
const checks = [
  compare('text_encoder hidden_states', t.hidden_states.data, hidden),
  compare('text_encoder pooled', t.pooled.data, f32(fx.pooled)),
  compare('unet v', u.v.data, f32(fx.v)),
];
for (const file of extraUnets) {
  const other = await ort.InferenceSession.create(file);
  checks.push(compare(`${file} v`, (await other.run(feeds())).v.data, f32(fx.v)));
}
const ok = checks.every(Boolean);
process.exit(ok ? 0 : 1);

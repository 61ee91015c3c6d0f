// onnxruntime's offline optimiser at the "basic" level (constant folding, Shape of a static tensor
// folded to a constant, redundant nodes removed: rewrites that hold on every execution provider),
// used by export_onnx.py on graphs traced at a fixed batch, so no shape arithmetic is left to run.
//   node training/optimize_onnx.mjs IN.onnx OUT.onnx
import * as ort from 'onnxruntime-node';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node training/optimize_onnx.mjs IN.onnx OUT.onnx');
  process.exit(2);
}
const session = await ort.InferenceSession.create(input, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'basic',
  optimizedModelFilePath: output,
});
await session.release();

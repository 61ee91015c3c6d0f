import { describe, expect, it } from 'vitest';
import { fakeManifestJson } from '../testing/fake-model.ts';
import { readModelJson } from '../testing/fixtures.ts';
import { checkIoSpec, contextShape, parseManifest } from './manifest.ts';

/** A fake manifest with `edit` applied to a deep copy. */
function broken(edit: (m: Record<string, any>) => void): unknown {
  const m = structuredClone(fakeManifestJson());
  edit(m);
  return m;
}

describe('parseManifest', () => {
  it('accepts a good manifest and converts the schedule to Float64Array', () => {
    const m = parseManifest(fakeManifestJson(8, 4));
    expect(m.schedule.alphas_cumprod).toBeInstanceOf(Float64Array);
    expect(m.schedule.alphas_cumprod.length).toBe(1000);
    expect(m.resolution).toBe(8);
    expect(m.defaults).toEqual({ steps: 30, guidance: 4, seed: 1, prompt: 'cat face' });
    expect(contextShape(m)).toEqual({ length: 16, width: 4 });
  });

  const cases: [string, (m: Record<string, any>) => void, string][] = [
    ['not an object', () => {}, ''],
    ['format_version', (m) => (m.format_version = 2), 'manifest.json: format_version must be 1, got 2'],
    ['resolution', (m) => delete m.resolution, 'manifest.json: resolution must be an integer in 1..4096, got undefined'],
    ['channels', (m) => (m.channels = 4), 'manifest.json: channels must be 3, got 4'],
    ['prediction_type', (m) => (m.prediction_type = 'epsilon'), 'manifest.json: prediction_type must be "v_prediction", got "epsilon"'],
    ['table length', (m) => m.schedule.alphas_cumprod.pop(), 'manifest.json: schedule.alphas_cumprod must have 1000 numbers, got 999'],
    ['table value', (m) => (m.schedule.alphas_cumprod[3] = 'x'), 'manifest.json: schedule.alphas_cumprod[3] must be a number in [0, 1), got "x"'],
    ['table of 1', (m) => (m.schedule.alphas_cumprod[0] = 1), 'manifest.json: schedule.alphas_cumprod[0] must be a number in [0, 1), got 1'],
    ['table order', (m) => (m.schedule.alphas_cumprod[5] = 0.9999), 'manifest.json: schedule.alphas_cumprod[5] = 0.9999 is above the previous value'],
    ['tokenizer type', (m) => (m.tokenizer.type = 'bpe'), 'manifest.json: tokenizer.type must be "word-fnv1a", got "bpe"'],
    ['file path', (m) => (m.unet.file = '../unet.onnx'), 'manifest.json: unet.file must be a plain file name (letters, digits, \'.\', \'_\', \'-\'; at most one folder, no \'..\', \'\\\', \':\' or \'//\'), got "../unet.onnx"'],
    ['tokenizer hash', (m) => delete m.tokenizer.sha256, 'manifest.json: tokenizer.sha256 must be a string, got undefined'],
    ['tokenizer size', (m) => delete m.tokenizer.bytes, 'manifest.json: tokenizer.bytes must be an integer in 1..1073741824, got undefined'],
    ['sample hash', (m) => (m.samples[0].sha256 = 'x'), 'manifest.json: samples[0].sha256 must be 64 lower-case hex digits, got "x"'],
    ['sha256', (m) => (m.unet.sha256 = 'abc'), 'manifest.json: unet.sha256 must be 64 lower-case hex digits, got "abc"'],
    ['dtype', (m) => (m.unet.inputs[1].dtype = 'double'), "manifest.json: unet.inputs[1].dtype must be one of float32, int32, int64, float16, got \"double\""],
    ['missing input', (m) => m.unet.inputs.splice(1, 1), "manifest.json: unet.inputs must include 'timestep' [batch] float32, has [\"sample\",\"encoder_hidden_states\"]"],
    ['image shape', (m) => (m.unet.outputs[0].shape = ['batch', 3, 8, 9]), "manifest.json: unet.outputs 'v' must be [batch,3,8,8] float32, got [batch,3,8,9] float32"],
    ['context width', (m) => (m.unet.inputs[2].shape = ['batch', 16, 5]), "manifest.json: unet.inputs 'encoder_hidden_states' must be [batch,16,4] float32, got [batch,16,5] float32"],
    ['fixed batch', (m) => (m.unet.inputs[0].shape[0] = 1), "manifest.json: unet.inputs 'sample' must be [batch,3,8,8] float32, got [1,3,8,8] float32"],
    ['ids length', (m) => (m.tokenizer.max_length = 8), "manifest.json: text_encoder.inputs 'input_ids' must be [batch,8] int32, got [batch,16] int32"],
    ['hidden states', (m) => (m.text_encoder.outputs = []), "manifest.json: text_encoder.outputs must include 'hidden_states' [batch,16,D] float32"],
    ['default steps', (m) => (m.defaults.steps = 0), 'manifest.json: defaults.steps must be an integer in 1..1000, got 0'],
    ['default guidance', (m) => (m.defaults.guidance = 'high'), 'manifest.json: defaults.guidance must be a finite number in 0..20, got "high"'],
    ['default seed', (m) => (m.defaults.seed = -1), 'manifest.json: defaults.seed must be an integer in 0..4294967295, got -1'],
    ['uncond prompt', (m) => delete m.uncond_prompt, 'manifest.json: uncond_prompt must be a string, got undefined'],
    ['samples', (m) => (m.samples[0].caption = 3), 'manifest.json: samples[0].caption must be a string, got 3'],
    ['data sources', (m) => delete m.data.sources[0].license, 'manifest.json: data.sources[0].license must be a string, got undefined'],
    ['metrics', (m) => (m.metrics = null), 'manifest.json: metrics must be an object, got null'],
  ];
  for (const [name, edit, message] of cases.slice(1)) {
    it(`rejects a bad ${name}`, () => expect(() => parseManifest(broken(edit))).toThrow(message));
  }
  // Issue 10: a backslash name passed the old deny-list and made the page fetch from, and link to, another host.
  it('refuses file names that could leave the models folder, naming the field', () => {
    const names = ['\\\\evil.example\\cat.png', '\\\\evil.example/cat.png', '//evil.example/x.onnx', 'https://evil.example/u.onnx',
      '/unet.onnx', 'samples/../../unet.onnx', 'a/b/c.png', '.hidden', 'unet.onnx?x=1', 'un%2e.onnx', 'unet.onnx ', ''];
    for (const name of names) {
      expect(() => parseManifest(broken((m) => (m.samples[0].file = name))), name).toThrow(
        `manifest.json: samples[0].file must be a plain file name`,
      );
    }
    expect(() => parseManifest(broken((m) => (m.model_card = '\\\\evil.example\\card.md')))).toThrow('manifest.json: model_card must be a plain file name');
    expect(() => parseManifest(broken((m) => (m.tokenizer.file = 'C:tokenizer.json')))).toThrow('manifest.json: tokenizer.file must be a plain file name');
    for (const name of ['unet.onnx', 'samples/cat-face.png', 'a_b-1.2.json']) {
      expect(() => parseManifest(broken((m) => (m.samples[0].file = name))), name).not.toThrow();
    }
  });

  // Issue 10: unet.bytes = 2^40 reached `new Uint8Array(2 ** 40)` and threw "Invalid typed array length".
  it('refuses a size above 1 GiB before anything allocates it, naming the file and manifest.json', () => {
    expect(() => parseManifest(broken((m) => (m.unet.bytes = 2 ** 40)))).toThrow(
      'manifest.json: unet.bytes = 1099511627776 for unet.onnx is over the 1073741824-byte (1 GiB) limit for one file',
    );
    expect(() => parseManifest(broken((m) => (m.tokenizer.bytes = 1e300)))).toThrow('manifest.json: tokenizer.bytes = 1e+300 for tokenizer.json is over');
    expect(() => parseManifest(broken((m) => (m.unet.bytes = 2 ** 30)))).not.toThrow();
  });

  it('rejects a non-object', () => {
    expect(() => parseManifest([])).toThrow('manifest.json: (root) must be an object, got []');
  });
});

describe('parseManifest on the shipped public/models/manifest.json', () => {
  it('accepts it', () => {
    const m = parseManifest(readModelJson('manifest.json'));
    expect(m.schedule.alphas_cumprod.length).toBe(m.schedule.num_train_timesteps);
    expect(m.data.sources.length).toBeGreaterThan(0);
  });

  it('reads the optional image encoder and checks it against the text encoder\'s pooled output', () => {
    const shipped = readModelJson<Record<string, any>>('manifest.json');
    const m = parseManifest(shipped);
    expect(m.image_encoder?.embedDim).toBe(shipped.text_encoder.outputs[1].shape[1]);
    const without = structuredClone(shipped);
    delete without.image_encoder;
    expect(parseManifest(without).image_encoder).toBeUndefined();
    const wrongSize = structuredClone(shipped);
    wrongSize.image_encoder.outputs[0].shape = ['batch', 7];
    expect(() => parseManifest(wrongSize)).toThrow("manifest.json: text_encoder.outputs (with an image_encoder) 'pooled' must be [batch,7] float32");
    const wrongInput = structuredClone(shipped);
    wrongInput.image_encoder.inputs[0].shape = ['batch', 3, 32, 32];
    expect(() => parseManifest(wrongInput)).toThrow("manifest.json: image_encoder.inputs 'pixels' must be [batch,3,64,64] float32");
  });
});

describe('checkIoSpec', () => {
  const manifest = parseManifest(fakeManifestJson(8, 4));
  const meta = (name: string, type: string, shape: (number | string)[]) => ({ name, isTensor: true, type, shape });
  const good = {
    inputNames: ['sample', 'timestep', 'encoder_hidden_states'],
    outputNames: ['v'],
    inputMetadata: [meta('sample', 'float32', ['batch', 3, 8, 8]), meta('timestep', 'float32', ['batch']),
      meta('encoder_hidden_states', 'float32', ['batch', 16, 4])],
    outputMetadata: [meta('v', 'float32', ['b', 3, 8, 8])],
  };

  it('accepts a matching session, with or without metadata', () => {
    expect(() => checkIoSpec('unet.onnx', manifest.unet, good)).not.toThrow();
    expect(() => checkIoSpec('unet.onnx', manifest.unet, { inputNames: good.inputNames, outputNames: good.outputNames })).not.toThrow();
  });

  it('rejects different names', () => {
    expect(() => checkIoSpec('unet.onnx', manifest.unet, { ...good, inputNames: ['sample', 't', 'encoder_hidden_states'] })).toThrow(
      `unet.onnx: expected inputs ["sample","timestep","encoder_hidden_states"] (manifest.json), the model has ["sample","t","encoder_hidden_states"]`,
    );
    expect(() => checkIoSpec('unet.onnx', manifest.unet, { ...good, outputNames: ['v', 'extra'] })).toThrow(/expected outputs \["v"\]/);
  });

  it('rejects a different dtype or shape, or a fixed batch', () => {
    const withInput0 = (m: ReturnType<typeof meta>) => ({ ...good, inputMetadata: [m, ...good.inputMetadata.slice(1)] });
    expect(() => checkIoSpec('unet.onnx', manifest.unet, withInput0(meta('sample', 'float16', ['batch', 3, 8, 8])))).toThrow(
      "unet.onnx: expected input 'sample' [batch,3,8,8] float32, got [batch,3,8,8] float16",
    );
    expect(() => checkIoSpec('unet.onnx', manifest.unet, withInput0(meta('sample', 'float32', ['batch', 3, 64, 64])))).toThrow(
      "unet.onnx: expected input 'sample' [batch,3,8,8] float32, got [batch,3,64,64] float32",
    );
    expect(() => checkIoSpec('unet.onnx', manifest.unet, withInput0(meta('sample', 'float32', [1, 3, 8, 8])))).toThrow(/got \[1,3,8,8\]/);
  });
});

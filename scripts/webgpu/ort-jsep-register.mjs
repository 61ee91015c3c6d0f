/** Registers scripts/webgpu/ort-jsep-hooks.mjs: `onnxruntime-web` becomes the page's JSEP build (ort.min.mjs). */
import { register } from 'node:module';

register('./ort-jsep-hooks.mjs', import.meta.url);

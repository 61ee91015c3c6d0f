#!/bin/bash
# Runs one of the WebGPU tools in Node on Dawn (npm `webgpu`), as the page would run on that adapter:
# `onnxruntime-web` resolves to the page's JSEP build (ort-jsep-register.mjs; ORT_BUILD=webgpu: onnxruntime's
# native WebGPU EP build instead), and on a machine with no Vulkan driver the adapter is Chromium's SwiftShader
# (dawn-node.ts, softwareVulkanEnv; timings there mean nothing, counts and outputs are the GPU's).
#   bash scripts/webgpu/on-dawn.sh webgpu-census.ts [unet.onnx] [--batch=2] [--layout=NCHW|NHWC] [--profile=N]
#   bash scripts/webgpu/on-dawn.sh gpu-resident-bench.ts [--steps=20] [--reps=5] [--capture=on|off] [--ahead=N]
#   bash scripts/webgpu/on-dawn.sh webgpu-capture-check.ts
#   bash scripts/webgpu/on-dawn.sh webgpu-optest.ts a.onnx '{"x":[2,3]}' [b.onnx SHAPES ...]
#   ORT_BUILD=webgpu WEBGPU_SUBGROUPS=0 bash scripts/webgpu/on-dawn.sh ...   # native EP on a device without subgroups
# The tool is a file of scripts/webgpu/ or a path; it runs from the repository root (paths in its arguments too).
set -euo pipefail
cd "$(dirname "$0")/../.."
tool=${1:?usage: bash scripts/webgpu/on-dawn.sh TOOL.ts [ARGS...]   (TOOL: webgpu-census, gpu-resident-bench, webgpu-capture-check, webgpu-optest)}
shift
[ -f "$tool" ] || tool=scripts/webgpu/$tool
[ -f "$tool" ] || { echo "on-dawn.sh: no such tool: $tool" >&2; exit 2; }
eval "$(node --import tsx -e "import('./scripts/webgpu/dawn-node.ts').then(({ softwareVulkanEnv }) => { for (const [k, v] of Object.entries(softwareVulkanEnv(process.env))) console.log('export ' + k + '=' + JSON.stringify(v)); })")"
# --liftoff-only: with V8's optimising tier, exiting waits for the background compilation of the 29 MB
# runtime .wasm (minutes on a busy 2-core machine); the tools' WASM references only need to be right.
exec node --liftoff-only --import tsx --import ./scripts/webgpu/ort-jsep-register.mjs "$tool" "$@"

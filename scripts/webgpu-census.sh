#!/bin/bash
# Dispatches per U-Net call by shader, on the page's JSEP build in Node (Dawn), plus max |WebGPU - WASM|:
#   bash scripts/webgpu-census.sh [path/to/unet.onnx] [--batch=2] [--layout=NCHW]
#   ORT_BUILD=webgpu bash scripts/webgpu-census.sh ...   # onnxruntime's native WebGPU EP build instead of JSEP
#   ORT_BUILD=webgpu WEBGPU_SUBGROUPS=0 bash scripts/webgpu-census.sh ...   # its device without subgroups (dawn-node.ts)
# Uses Chromium's SwiftShader when the machine has no Vulkan driver (as the bench's webgpu-node row does).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(node --import tsx -e "import('./scripts/dawn-node.ts').then(({ softwareVulkanEnv }) => { for (const [k, v] of Object.entries(softwareVulkanEnv(process.env))) console.log('export ' + k + '=' + JSON.stringify(v)); })")"
# --liftoff-only: with V8's optimising tier, exiting waits for the background compilation of the 29 MB
# runtime .wasm (minutes on a busy 2-core machine); the WASM reference only needs to be right.
exec node --liftoff-only --import tsx --import ./scripts/ort-jsep-register.mjs scripts/webgpu-census.ts "$@"

#!/bin/bash
# The sampler on the GPU through the page's loader and pipeline, on Dawn in Node (scripts/gpu-resident-bench.ts):
#   bash scripts/gpu-resident-bench.sh --steps=2 --reps=1 [--capture=off]
# Uses Chromium's SwiftShader when the machine has no Vulkan driver, as scripts/webgpu-census.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(node --import tsx -e "import('./scripts/dawn-node.ts').then(({ softwareVulkanEnv }) => { for (const [k, v] of Object.entries(softwareVulkanEnv(process.env))) console.log('export ' + k + '=' + JSON.stringify(v)); })")"
exec node --import tsx --import ./scripts/ort-jsep-register.mjs scripts/gpu-resident-bench.ts "$@"

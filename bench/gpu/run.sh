#!/usr/bin/env bash
# Runs the GPU benchmark on the GPU machine, from the unpacked kit (bench/gpu/pack.sh made it):
#   tar xf imagebind-gpu-kit.tar && bash imagebind-gpu-kit/run.sh
# Builds the random-weight huge model there, times our graphs on onnxruntime-node's WebGPU
# provider and the official PyTorch on CUDA, and writes gpu.md + gpu.json next to this script
# (commit them as bench/gpu.md and bench/results/gpu.json). Environment knobs, for a smoke test
# without a GPU: DEVICE (webgpu), TORCH_DEVICE (cuda), CONFIG (huge), BATCHES (1,32), RUNS (5), WORK,
# PYTHON (python3, the one with torch).
set -euo pipefail
kit="$(cd "$(dirname "$0")" && pwd)"
work="${WORK:-/tmp/imagebind-gpu}"
device="${DEVICE:-webgpu}"
torch_device="${TORCH_DEVICE:-cuda}"
batches="${BATCHES:-1,32}"
runs="${RUNS:-5}"
modalities="${MODALITIES:-vision,text,audio}"
ort="$kit/node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
[ -x "$kit/node" ] || { xz -d -c "$kit/node.xz" > "$kit/node"; chmod +x "$kit/node"; }
[ -f "$ort/libonnxruntime.so.1" ] || xz -d -k "$ort/libonnxruntime.so.1.xz"
node="$kit/node"
echo "node $("$node" --version); kit from commit $(cat "$kit/COMMIT")"

if [ "$device" = webgpu ]; then
  # Dawn runs over Vulkan: the loader, and for NVIDIA's driver the glvnd libraries.
  need=()
  for lib in libvulkan.so.1 libGLX.so.0 libEGL.so.1 libGL.so.1 libOpenGL.so.0 libGLESv2.so.2 libGLdispatch.so.0; do
    ldconfig -p | grep -q "$lib" || need+=("$lib")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "missing for WebGPU: ${need[*]}; installing libvulkan1 and the glvnd libraries"
    apt-get install -y -qq libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2 >/dev/null ||
      echo "warning: could not install them; the WebGPU run will say what is missing"
  fi
  command -v nvidia-smi >/dev/null && nvidia-smi -L || true
fi

t0=$SECONDS
"$node" "$kit/gpu-bench.mjs" prepare --dir "$work" --config "${CONFIG:-huge}" --precisions fp32,fp16-compute --batches "$batches"
echo "prepared in $((SECONDS - t0)) s"
# Our CPU provider at batch 1: the reference for "outputs equal the CPU's".
"$node" "$kit/gpu-bench.mjs" ours --dir "$work" --device cpu --precisions fp32 --modalities "$modalities" --batches 1 --runs 1
if [ "$device" != cpu ]; then
  "$node" "$kit/gpu-bench.mjs" ours --dir "$work" --device "$device" --precisions fp32,fp16-compute \
    --modalities "$modalities" --batches "$batches" --runs "$runs"
fi
"${PYTHON:-python3}" "$kit/torch_cuda.py" --src "$kit/official" --dir "$work" --device "$torch_device" \
  --modalities "$modalities" --batches "$batches" --runs "$runs"
"$node" "$kit/compare.mjs" --dir "$work" --device "$device" --torch-device "$torch_device" \
  --out "$kit/gpu.md" --json "$kit/gpu.json"
echo "done in $((SECONDS - t0)) s: $kit/gpu.md"

#!/usr/bin/env bash
# Builds the GPU benchmark kit on a machine with this repository (Node and npm, no GPU needed):
# one tarball with a compressed Node binary, onnxruntime-node (Linux x64 only), our side bundled
# into two files, the PyTorch side and the official ImageBind source. The GPU machine needs only
# python3 with PyTorch + CUDA, and xz.
#   bash bench/gpu/pack.sh [OUT.tar]   (default /tmp/imagebind-gpu-kit.tar)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-/tmp/imagebind-gpu-kit.tar}"
kit="$(mktemp -d)/imagebind-gpu-kit"
mkdir -p "$kit/node_modules" "$kit/pytorch" "$kit/official"
cd "$repo"

# Our side: onnxruntime-node stays a real package (native library); everything else is bundled.
for entry in gpu-bench compare; do
  npx esbuild "bench/gpu/$entry.ts" --bundle --platform=node --format=esm --target=node20 \
    --external:onnxruntime-node --external:better-sqlite3 --external:usearch \
    --external:sqlite-vec --alias:sharp=./bench/gpu/no-sharp.ts --log-level=warning \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
    --outfile="$kit/$entry.mjs"
done
ort="node_modules/onnxruntime-node"
mkdir -p "$kit/$ort/bin/napi-v6/linux" "$kit/node_modules/onnxruntime-common"
cp -r "$ort/dist" "$ort/package.json" "$kit/$ort/"
cp -r "$ort/bin/napi-v6/linux/x64" "$kit/$ort/bin/napi-v6/linux/"
cp -r node_modules/onnxruntime-common/dist node_modules/onnxruntime-common/package.json "$kit/node_modules/onnxruntime-common/"
xz -T0 -9 -c "$kit/$ort/bin/napi-v6/linux/x64/libonnxruntime.so.1" > "$kit/$ort/bin/napi-v6/linux/x64/libonnxruntime.so.1.xz"
rm "$kit/$ort/bin/napi-v6/linux/x64/libonnxruntime.so.1"
xz -T0 -9 -c "$(readlink -f "$(command -v node)")" > "$kit/node.xz"

# The PyTorch side and the official model code (facebookresearch/ImageBind@53680b0).
cp bench/pytorch/official_runner.py "$kit/pytorch/"
cp bench/gpu/torch_cuda.py bench/gpu/run.sh "$kit/"
sed -i 's#"\.\.", "pytorch"#"pytorch"#' "$kit/torch_cuda.py"
official="${OFFICIAL_SRC:-/tmp/imagebind-official}"
if [ ! -d "$official/imagebind" ]; then
  mirror=/work/.mirror/facebookresearch+ImageBind/repo
  mkdir -p "$official" && git -C "$mirror" archive 53680b0 | tar -x -C "$official"
fi
cp -r "$official/imagebind" "$kit/official/"
git -C "$repo" rev-parse HEAD > "$kit/COMMIT"
tar -C "$(dirname "$kit")" -cf "$out" imagebind-gpu-kit
rm -rf "$(dirname "$kit")"
echo "$out: $(du -h "$out" | cut -f1)"

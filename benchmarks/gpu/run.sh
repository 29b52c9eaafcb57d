#!/usr/bin/env bash
# On a GPU machine, from the repository root, with benchmarks/gpu/carry/remux-gpu.tar.xz carried
# in (made here by `node dist/benchmarks/gpu/pack.js`, see README.md beside this script):
#
#   bash benchmarks/gpu/run.sh
#
# Unpacks the bundle (dist/, the native node_modules, .gpu/), uses the carried Node and Vulkan
# loader where the machine has none, points the Vulkan loader at NVIDIA's driver when no ICD file
# names it, then runs remux doctor, the WebGPU conformance suite and remux bench on the GPU, and
# prints the tables. Results go to $OUT (default bench-gpu/). REMUX_GPU_USE_CARRIED=1 uses the
# carried Node and Vulkan loader even where the machine has its own (to test the bundle).
set -euo pipefail
cd "$(dirname "$0")/../.."
tarball=benchmarks/gpu/carry/remux-gpu.tar.xz
out=${OUT:-bench-gpu}
carried=${REMUX_GPU_USE_CARRIED:-0}
[ -f "$tarball" ] || { echo "run.sh: missing $tarball: make it with node dist/benchmarks/gpu/pack.js where npm works" >&2; exit 2; }
mkdir -p "$out"
xz -dc "$tarball" | tar -xf -

# Node 20 or later: the machine's, else the carried binary.
if [ "$carried" != 1 ] && command -v node >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  node=$(command -v node)
else
  node=$PWD/.gpu/bin/node
fi

# The Vulkan loader: the machine's, else the carried one.
if [ "$carried" = 1 ] || ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  export LD_LIBRARY_PATH=$PWD/.gpu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

# NVIDIA's Vulkan driver lives in libGLX_nvidia.so.0; containers often get the library without the
# ICD file that tells the loader about it: write one.
icds=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null || true)
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -z "$icds" ]; then
  nvidia=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0 / { print $NF; exit }')
  if [ -n "$nvidia" ]; then
    printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$nvidia" > .gpu/nvidia_icd.json
    export VK_ICD_FILENAMES=$PWD/.gpu/nvidia_icd.json
  else
    echo "run.sh: no NVIDIA Vulkan ICD file and no libGLX_nvidia.so.0: Dawn will find no NVIDIA adapter (the container needs the driver's graphics libraries)" >&2
  fi
fi

echo "== machine"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.max,pcie.link.width.max --format=csv 2>/dev/null || echo "no nvidia-smi"; } | tee "$out/nvidia-smi.txt"
echo "node $("$node" --version) ($node), ${VK_ICD_FILENAMES:+VK_ICD_FILENAMES=$VK_ICD_FILENAMES, }LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
"$node" dist/src/cli/main.js doctor | tee "$out/doctor.txt"

echo "== WebGPU conformance suite"
status=0
REMUX_REQUIRE_WEBGPU=1 "$node" --test dist/src/cli/webgpu.test.js > "$out/webgpu-tests.txt" 2>&1 || status=$?
grep -E '^(ok|not ok) |^# (tests|pass|fail|skipped)|adapter: ' "$out/webgpu-tests.txt" || true
[ "$status" = 0 ] || echo "run.sh: the WebGPU conformance suite FAILED (exit $status): see $out/webgpu-tests.txt" >&2

echo "== remux bench"
bench() { "$node" dist/src/cli/main.js bench "$@" --backends "${BACKENDS:-cpu,wasm,webgpu,tensorflow}"; }
bench sample/parquet --out "$out/sample" --batch-sizes "${BATCH_SIZES:-32,128,512}" > /dev/null
if [ -f .gpu/photos256.parquet ]; then
  # The 256² photos, 20 times over (several parquet files are one source), through imagenet-train.
  bench $(for _ in $(seq 20); do echo .gpu/photos256.parquet; done) --preset imagenet-train --out "$out/photos256" --batch-sizes "${BATCH_SIZES:-32,128,512}" > /dev/null
fi
for md in "$out"/*/bench.md; do echo; cat "$md"; done
exit "$status"

#!/usr/bin/env bash
# The training-step benchmark on a machine with an NVIDIA GPU, in one go: finds the NVIDIA Vulkan
# driver (its ICD) and a Vulkan loader, points Dawn at them, then runs `npm run bench` for the
# webgpu variant (and the default CPU path), with PyTorch on the same GPU when CUDA PyTorch is
# installed, otherwise PyTorch on the CPUs. Prints the table of bench/bench.ts.
#
#   bash bench/gpu.sh                          the reference DCGAN (batch 128), 5 steps x 3 runs
#   bash bench/gpu.sh --steps 20 --repeats 5   more steps (any option of bench/bench.ts)
#   bash bench/gpu.sh --swiftshader --preset smoke --steps 1 --repeats 1 --warmup 0
#                                              checks the script end to end on SwiftShader (no figures)
#
# Needs: node >= 20 and this repository with node_modules (npm ci) or a built dist/. Optional:
# GAN_STUDIO_PYTHON (a python3 with torch; default: the first python3 that imports torch),
# GAN_STUDIO_VULKAN_LOADER (a folder holding libvulkan.so.1), GAN_STUDIO_VULKAN_ICD (an ICD json).
set -euo pipefail
cd "$(dirname "$0")/.."

swiftshader=0
args=()
for a in "$@"; do
  if [[ "$a" == --swiftshader ]]; then swiftshader=1; else args+=("$a"); fi
done
say() { printf '\n== %s\n' "$*"; }
die() { printf 'bench/gpu.sh: %s\n' "$*" >&2; exit 1; }

# --- 1. The Vulkan driver (ICD) --------------------------------------------------------------
icd="${GAN_STUDIO_VULKAN_ICD:-}"
if [[ $swiftshader == 1 ]]; then
  icd="${icd:-/usr/lib/chromium/vk_swiftshader_icd.json}"
  [[ -f "$icd" ]] || die "SwiftShader's ICD is missing ($icd): apt-get install chromium."
elif [[ -z "$icd" ]]; then
  for f in /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/local/share/vulkan/icd.d/nvidia_icd*.json; do
    [[ -f "$f" ]] && { icd="$f"; break; }
  done
  if [[ -z "$icd" ]]; then
    # Containers often get the driver's libraries (libGLX_nvidia.so.0 holds its Vulkan ICD) but
    # not the json that names it: write one.
    lib="$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0 /{print $NF; exit}')"
    [[ -n "$lib" ]] || lib="$(ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 2>/dev/null | head -n1 || true)"
    [[ -n "$lib" ]] || die "no NVIDIA Vulkan driver found (no nvidia_icd.json, no libGLX_nvidia.so.0). Is the NVIDIA driver installed with its Vulkan/graphics libraries (in a container: NVIDIA_DRIVER_CAPABILITIES=all)?"
    icd="$(mktemp -d)/nvidia_icd.json"
    printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$lib" >"$icd"
  fi
fi
export VK_ICD_FILENAMES="$icd"

# --- 2. The Vulkan loader (libvulkan.so.1), which Dawn opens -----------------------------------
loader_dir="${GAN_STUDIO_VULKAN_LOADER:-}"
if [[ -z "$loader_dir" ]] && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  if [[ -f "$(dirname "$icd")/libvulkan.so.1" ]]; then
    loader_dir="$(dirname "$icd")" # chromium ships one beside SwiftShader
  elif [[ -f /usr/lib/chromium/libvulkan.so.1 ]]; then
    loader_dir=/usr/lib/chromium
  else
    # Unpack Debian/Ubuntu's libvulkan1 without installing it (apt-get download needs no root).
    tmp="$(mktemp -d)"
    if (cd "$tmp" && apt-get download libvulkan1 >/dev/null 2>&1) && dpkg-deb -x "$tmp"/libvulkan1_*.deb "$tmp/root"; then
      loader_dir="$(dirname "$(find "$tmp/root" -name 'libvulkan.so.1' | head -n1)")"
    else
      die "no Vulkan loader (libvulkan.so.1): apt-get install libvulkan1, or set GAN_STUDIO_VULKAN_LOADER to a folder that holds it."
    fi
  fi
fi
[[ -n "$loader_dir" ]] && export LD_LIBRARY_PATH="$loader_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

say "GPU"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "(nvidia-smi not found)"
echo "VK_ICD_FILENAMES=$VK_ICD_FILENAMES"
echo "Vulkan loader: ${loader_dir:-system}"

# --- 3. PyTorch: on the GPU when CUDA PyTorch is there -----------------------------------------
python="${GAN_STUDIO_PYTHON:-}"
if [[ -z "$python" ]]; then
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then python="$(command -v "$p")"; break; fi
  done
fi
torch_args=(--no-pytorch)
if [[ -n "$python" ]]; then
  export GAN_STUDIO_PYTHON="$python"
  if [[ $swiftshader == 0 ]] && "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    torch_args=(--pytorch-device cuda)
  else
    torch_args=(--pytorch-device cpu)
  fi
  echo "PyTorch: $python (${torch_args[1]})"
else
  echo "PyTorch: not installed (pip install torch, or set GAN_STUDIO_PYTHON); the table has no PyTorch row"
fi

# --- 4. Build and run ---------------------------------------------------------------------------
if [[ ! -f dist/bench.js || ! -d dist/node_modules/webgpu ]]; then
  [[ -d node_modules ]] || die "no node_modules and no built dist/: run npm ci first."
  node scripts/build.mjs
fi
say "bench (webgpu and the default CPU path)"
node dist/bench.js --variants webgpu,default "${torch_args[@]}" "${args[@]}"

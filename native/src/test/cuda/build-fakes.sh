#!/usr/bin/env bash
# Builds the CPU stand-ins used by the emulated GPU test run (see native/pom.xml, execution "emulated-gpu"):
#   target/fake-cuda/libcuda.so.1       the driver entry points the backend calls, running the kernels' CUDA C
#                                        source on the emulator in cuda_emu.h
#   target/fake-cublas/libcublas.so.13  cuBLAS's GEMM entry points on the CPU
# Skipped (exit 0) when g++ or gcc is missing; the emulated run then finds no driver and its tests skip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kernels="$here/../../main/cuda"
target=${1:-"$here/../../../target"}
if ! command -v g++ >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1; then
    echo "build-fakes: g++/gcc not installed; the emulated GPU tests will skip" >&2
    exit 0
fi
mkdir -p "$target/fake-cuda" "$target/fake-cublas"
stamp="$target/fake-cuda/sources.sha256"
sum=$(cat "$kernels"/*.cu "$kernels"/*.cuh "$here"/cuda_emu.h "$here"/fake_cuda.cpp "$here"/fake_cublas.c | sha256sum)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" && -f "$target/fake-cuda/libcuda.so.1" ]]; then exit 0; fi
g++ -std=c++20 -O1 -shared -fPIC -include "$here/cuda_emu.h" -I "$kernels" \
    -x c++ "$kernels"/*.cu "$here/fake_cuda.cpp" -o "$target/fake-cuda/libcuda.so.1"
gcc -O1 -shared -fPIC "$here/fake_cublas.c" -o "$target/fake-cublas/libcublas.so.13"
echo "$sum" > "$stamp"
echo "build-fakes: built $target/fake-cuda/libcuda.so.1 and $target/fake-cublas/libcublas.so.13"

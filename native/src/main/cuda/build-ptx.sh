#!/usr/bin/env bash
# Compiles each kernel file native/src/main/cuda/NAME.cu to native/src/main/resources/rlhf4j/cuda/ptx/NAME.ptx.
#
# The first lines of every .ptx record the SHA-256 of the .cu and of each header it includes; a file is rebuilt
# only when one of those hashes changed. Without nvcc nothing is compiled (the committed PTX is used) and a stale
# file is reported; the unit test PtxSourceHashTest then fails, so stale PTX never goes unnoticed.
set -euo pipefail
src_dir=${1:-"$(dirname "$0")"}
out_dir=${2:-"$src_dir/../resources/rlhf4j/cuda/ptx"}
NVCC=${NVCC:-nvcc}
NVCC_FLAGS=(-ptx -arch=compute_75 -O3 -std=c++17)   # compute_75 PTX JIT-compiles on Turing and everything newer
mkdir -p "$out_dir"

have_nvcc=1
command -v "$NVCC" >/dev/null 2>&1 || have_nvcc=0

# The header lines a .ptx built from $1 must start with.
expected_header() {
    local cu=$1 dir
    dir=$(dirname "$cu")
    echo "// source $(basename "$cu") sha256 $(sha256sum "$cu" | cut -d' ' -f1)"
    for inc in $(sed -n 's/^#include "\(.*\)"/\1/p' "$cu" | sort -u); do
        echo "// source $inc sha256 $(sha256sum "$dir/$inc" | cut -d' ' -f1)"
    done
}

stale=0
for cu in "$src_dir"/*.cu; do
    name=$(basename "$cu" .cu)
    ptx="$out_dir/$name.ptx"
    header=$(expected_header "$cu")
    n=$(printf '%s\n' "$header" | wc -l)
    if [[ -f "$ptx" ]] && [[ "$(grep '^// source ' "$ptx" | head -n "$n")" == "$header" ]]; then
        continue
    fi
    if [[ $have_nvcc == 0 ]]; then
        echo "build-ptx: $ptx is stale but nvcc is not installed; keeping the committed file" >&2
        stale=1
        continue
    fi
    echo "build-ptx: $NVCC ${NVCC_FLAGS[*]} $(basename "$cu")"
    tmp=$(mktemp)
    "$NVCC" "${NVCC_FLAGS[@]}" -o "$tmp" "$cu"
    { echo "// Generated from native/src/main/cuda by build-ptx.sh ($NVCC ${NVCC_FLAGS[*]}); do not edit."
      printf '%s\n' "$header"
      cat "$tmp"; } > "$ptx"
    rm -f "$tmp"
done
exit 0

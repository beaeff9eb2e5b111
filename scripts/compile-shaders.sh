#!/usr/bin/env bash
# Regenerates the Vulkan backend's SPIR-V (src/Driver.Engines.Vulkan/Shaders/*.spv) from its GLSL (*.comp) with
# glslangValidator (Debian: glslang-tools). The .spv files are committed and embedded in Driver.Engines, so a build
# needs no shader compiler; ShaderTests.CommittedSpirvMatchesAFreshCompile fails when they are stale.
set -euo pipefail

dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src/Driver.Engines.Vulkan/Shaders"
if ! command -v glslangValidator >/dev/null 2>&1; then
    echo "compile-shaders: glslangValidator not found (apt-get install glslang-tools)" >&2
    exit 1
fi
cd "$dir"
for src in *.comp; do
    glslangValidator -V "$src" -o "${src%.comp}.spv" >/dev/null
    echo "compile-shaders: ${src} -> ${src%.comp}.spv"
done

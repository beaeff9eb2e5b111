#!/usr/bin/env bash
# Installs what the Vulkan backend's tests and smoke command need on Debian/Ubuntu: the loader, Mesa's drivers
# (lavapipe, a CPU Vulkan device), the validation layer and the shader compiler. Idempotent (installs only what is
# missing), quiet, and never fails the build: without root, apt or network it says so and leaves the Vulkan tests
# skipping.
set -u

packages=(libvulkan1 mesa-vulkan-drivers vulkan-validationlayers glslang-tools)

note() { echo "install-vulkan-deps: $*" >&2; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    note "not a Debian-like system (no apt-get); Vulkan tests will skip"
    exit 0
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if [ ${#missing[@]} -eq 0 ]; then
    note "all present (${packages[*]})"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
        note "missing ${missing[*]} and not root (no passwordless sudo); Vulkan tests will skip"
        exit 0
    fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! timeout 300 $sudo apt-get update -qq >/dev/null 2>&1; then
    note "apt-get update failed (no network?); trying to install from the package cache"
fi
if timeout 600 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    note "installed ${missing[*]}"
else
    note "could not install ${missing[*]}; Vulkan tests will skip"
fi
exit 0

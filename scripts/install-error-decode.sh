#!/usr/bin/env bash
# Installs IGT's intel_error_decode (Debian/Ubuntu's intel-gpu-tools package), which the error-state test uses to
# check that GpuSim's --error-state output reads as an i915 error state. Idempotent (does nothing when the tool is
# on PATH), quiet, and never fails the build: without root, apt or network it says so and the test skips.
set -u

note() { echo "install-error-decode: $*" >&2; }

if command -v intel_error_decode >/dev/null 2>&1; then
    note "present ($(command -v intel_error_decode))"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    note "not a Debian-like system (no apt-get); the intel_error_decode test will skip"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
        note "intel-gpu-tools missing and not root (no passwordless sudo); the intel_error_decode test will skip"
        exit 0
    fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! timeout 300 $sudo apt-get update -qq >/dev/null 2>&1; then
    note "apt-get update failed (no network?); trying to install from the package cache"
fi
if timeout 600 $sudo apt-get install -y -qq --no-install-recommends intel-gpu-tools >/dev/null 2>&1; then
    note "installed intel-gpu-tools"
else
    note "could not install intel-gpu-tools; the intel_error_decode test will skip"
fi
exit 0

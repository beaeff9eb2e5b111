#!/usr/bin/env bash
# The whole-binary table of issue 19: runs each of the five IGT binaries whole (every subtest) under
# `gpusim igt-run`, then writes OUT/table.md: one row per binary (pass/fail/skip/other, wall time) and one row per
# subtest (result and the first requirement or assertion IGT printed for it). Needs a built IGT (the directory holding
# the test binaries, e.g. the `tests` folder of ../shared/igt/build.sh's build) and python3 for the JSON.
#
#   bash scripts/igt-table.sh IGT_TESTS_DIR OUT [BINARY...]   (default: the five binaries of the must-pass list)
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 IGT_TESTS_DIR OUT [BINARY...]" >&2
    exit 2
fi
tests_dir=$1 out=$2
shift 2
binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=(gem_exec_fence gem_eio i915_hangman gem_reset_stats gem_ctx_persistence)
per_binary_timeout=${GPUSIM_IGT_TABLE_TIMEOUT:-600}
mkdir -p "$out"
cd "$(dirname "$0")/.."
dotnet build src/Driver.Sim >/dev/null

: >"$out/times.txt"
for bin in "${binaries[@]}"; do
    if [ ! -x "$tests_dir/$bin" ]; then
        echo "igt-table: $tests_dir/$bin is not a built IGT test" >&2
        exit 2
    fi
    start=$(date +%s)
    dotnet run --no-build --project src/Driver.Sim -- igt-run "$tests_dir/$bin" --results "$out/$bin" \
        --server-log "$out/$bin.server.log" --timeout "$per_binary_timeout" </dev/null >"$out/$bin.log" 2>&1 || true
    echo "$bin $(( $(date +%s) - start ))" >>"$out/times.txt"
    echo "igt-table: $bin ran in $(( $(date +%s) - start )) s"
done

python3 - "$out" "${binaries[@]}" <<'PY'
import json, os, re, sys
out, binaries = sys.argv[1], sys.argv[2:]
times = dict(line.split() for line in open(os.path.join(out, "times.txt")))

def reason(test):
    """The first requirement IGT said was not met, or the first failed assertion, or the timeout/crash line."""
    text = (test.get("err") or "") + "\n" + (test.get("out") or "")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "Test requirement not met" in line and i + 1 < len(lines):
            return lines[i + 1].strip()
        if "Failed assertion" in line:
            return line[line.index("Failed assertion"):].strip()
    for line in lines:
        if re.search(r"(timeout|Received signal|aborted|Last errno)", line, re.I):
            return line.strip()
    return ""

rows, summary = [], []
for b in binaries:
    path = os.path.join(out, b, "results.json")
    if not os.path.exists(path):
        summary.append(f"| {b} | – | – | – | – | {times.get(b, '?')} s (no results.json) |")
        continue
    tests = json.load(open(path))["tests"]
    counts = {}
    for name, t in sorted(tests.items()):
        r = t.get("result", "?")
        counts[r] = counts.get(r, 0) + 1
        why = "" if r == "pass" else reason(t).replace("|", "\\|")
        rows.append(f"| {name.removeprefix('igt@')} | {r} | {why} |")
    other = sum(v for k, v in counts.items() if k not in ("pass", "fail", "skip"))
    summary.append(f"| {b} | {counts.get('pass', 0)} | {counts.get('fail', 0)} | {counts.get('skip', 0)} | {other} | {times.get(b, '?')} s |")

with open(os.path.join(out, "table.md"), "w") as f:
    f.write("| binary | pass | fail | skip | crash / timeout / other | wall time |\n|---|---:|---:|---:|---:|---:|\n")
    f.write("\n".join(summary) + "\n\n")
    f.write("| subtest | result | IGT's first requirement / assertion |\n|---|---|---|\n")
    f.write("\n".join(rows) + "\n")
print(open(os.path.join(out, "table.md")).read().split("\n\n")[0])
PY

#!/usr/bin/env bash
# Builds IGT's five hang/reset tests (and gem_exec_capture, gem_softpin) from the shared snapshot and runs issue 19's
# must-pass subtests (and four of gem_exec_capture's, five of gem_softpin's), unmodified, under
# the DRM shim with `gpusim igt-run` (after `dotnet build`). Usage: scripts/igt-must-pass.sh IGT_DIR OUT_DIR.
# Prints each binary's time, the subtests not yet passing, and last one line "igt: ..." with the count. A subtest that
# does not pass is run once more on its own before it counts. Exits 1 when the tests cannot be built, or when a
# must-pass subtest does not pass (unless GPUSIM_IGT_ENFORCE=0, which only reports); otherwise 0.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
igt_src=${1:?usage: scripts/igt-must-pass.sh IGT_DIR OUT_DIR}
igt_out=${2:?usage: scripts/igt-must-pass.sh IGT_DIR OUT_DIR}
igt_failed=0
igt_line="igt: skipped ($igt_src not found: no IGT snapshot beside this checkout)"
if [ -d "$igt_src" ] && [ -x "$igt_src/build.sh" ]; then
    declare -A must_pass=(
        [gem_exec_fence]="basic-busy,basic-wait,basic-await,nb-await,keep-in-fence,busy-hang,wait-hang,await-hang"
        [gem_eio]="throttle,create,execbuf,banned,wait-10ms,wait-wedge-10ms,in-flight-10ms,in-flight-contexts-10ms,in-flight-internal-10ms,unwedge-stress"
        [i915_hangman]="error-state-basic,detector,engine-engine-hang,gt-engine-hang"
        [gem_reset_stats]="params,reset-stats-render,ban-render,ban-ctx-render,reset-count-render,unrelated-ctx-render,close-pending-render"
        [gem_ctx_persistence]="idempotent,file,process,hang,heartbeat-hang"
        # Not in issue 19's list: the outside check of EXEC_OBJECT_CAPTURE in the error state (check_error_state
        # parses the "--- user =" objects and compares them with what it wrote).
        [gem_exec_capture]="capture,userptr,many-2M-zero,pi"
        # Not in issue 19's list either: the outside check of softpin (address 0, padding, presumed offsets, eviction
        # of objects being closed).
        [gem_softpin]="zero,full,safe-alignment,allocator-nopin,allocator-fork"
    )
    # Listed by the issue, but failing on real i915 too, for a reason in IGT itself: the subtest passes here only if
    # it fails the way i915 does (its output has the signature), and counts as skipped with that reason.
    # reset-stats-render: its sync_gpu() (gem_quiescent_gpu → igt_terminate_spins) ends the hang spinner right after
    # injecting it, before any hangcheck can see it, so no context is guilty; Intel's CI blocklists the binary.
    declare -A fails_on_i915=(
        [gem_reset_stats@reset-stats-render]="expected 'Guilty' [1], found 'No error' [0]"
    )
    mkdir -p "$igt_out"
    if ! "$igt_src/build.sh" "$igt_out/build-root" "${!must_pass[@]}" </dev/null >"$igt_out/build.log" 2>&1; then
        igt_line="igt: FAILED to build the IGT tests (see $igt_out/build.log)"
        igt_failed=1
    else
        igt_pass=0 igt_skip=0 igt_xfail=0 igt_retried=0 igt_total=0 not_passing=()
        for bin in gem_exec_fence gem_eio i915_hangman gem_reset_stats gem_ctx_persistence gem_exec_capture gem_softpin; do
            binary=$(find "$igt_out/build-root" -type f -perm -u+x -name "$bin" -path "*tests*" | head -n 1)
            IFS=, read -r -a subs <<<"${must_pass[$bin]}"
            igt_total=$((igt_total + ${#subs[@]}))
            if [ -z "$binary" ]; then
                for sub in "${subs[@]}"; do not_passing+=("$bin@$sub(not built)"); done
                continue
            fi
            start=$(date +%s)
            dotnet run --no-build --project src/Driver.Sim -- igt-run "$binary" --run-subtest "${must_pass[$bin]}" \
                --results "$igt_out/$bin" --timeout 900 </dev/null >"$igt_out/$bin.log" 2>&1 || true
            echo "igt: $bin ran in $(( $(date +%s) - start )) s (output in $igt_out/$bin.log)"
            for sub in "${subs[@]}"; do
                result=$(grep -A6 "\"igt@$bin@$sub\": {" "$igt_out/$bin/results.json" 2>/dev/null | grep -o '"result": "[a-z-]*"' | head -n 1 | cut -d'"' -f4)
                signature=${fails_on_i915[$bin@$sub]:-}
                if [ -n "$signature" ]; then
                    if [ "$result" = "fail" ] && grep -A3 "^Starting subtest: $sub\$" "$igt_out/$bin.log" | grep -qF "$signature"; then
                        igt_skip=$((igt_skip + 1)) igt_xfail=$((igt_xfail + 1))
                        echo "igt: $bin@$sub fails as on i915 (\"$signature\"): counted as skipped"
                    else
                        not_passing+=("$bin@$sub(${result:-no result}, where i915 fails with \"$signature\")")
                    fi
                elif [ "$result" = "pass" ]; then
                    igt_pass=$((igt_pass + 1))
                else
                    # Once more on its own, on a fresh server: the timing subtests share 2 cores with whatever else
                    # runs. Both outcomes are printed; a subtest that fails twice is a failure.
                    first=${result:-no result}
                    retry="$igt_out/retry/$bin@$sub"
                    mkdir -p "$retry"
                    dotnet run --no-build --project src/Driver.Sim -- igt-run "$binary" --run-subtest "$sub" \
                        --results "$retry" --timeout 600 </dev/null >"$retry.log" 2>&1 || true
                    result=$(grep -A6 "\"igt@$bin@$sub\": {" "$retry/results.json" 2>/dev/null | grep -o '"result": "[a-z-]*"' | head -n 1 | cut -d'"' -f4)
                    echo "igt: $bin@$sub: $first, then ${result:-no result} on its own (output in $retry.log)"
                    if [ "$result" = "pass" ]; then
                        igt_pass=$((igt_pass + 1)) igt_retried=$((igt_retried + 1))
                    elif [ "$result" = "skip" ]; then
                        igt_skip=$((igt_skip + 1))
                        not_passing+=("$bin@$sub(skip)")
                    else
                        not_passing+=("$bin@$sub($first, then ${result:-no result})")
                    fi
                fi
            done
        done
        # For .ci/run's closing line: a must-pass subtest that skips counts as skipped, one with any other result
        # (fail, crash, timeout, none) as failed.
        echo "igt-counts: $igt_pass $((igt_total - igt_pass - igt_skip)) $igt_skip"
        igt_line="igt: $igt_pass of $igt_total must-pass subtests passed"
        [ "$igt_xfail" -eq 0 ] || igt_line="$igt_line, $igt_xfail failed as on i915"
        [ "$igt_retried" -eq 0 ] || igt_line="$igt_line ($igt_retried of the passes on a second run)"
        if [ ${#not_passing[@]} -gt 0 ]; then
            echo "igt: not yet passing: ${not_passing[*]}"
            if [ "${GPUSIM_IGT_ENFORCE:-1}" = "1" ]; then
                igt_failed=1
            else
                igt_line="$igt_line (reported, not enforced: GPUSIM_IGT_ENFORCE=0)"
            fi
        fi
    fi
fi
echo "$igt_line"
exit "$igt_failed"

#!/usr/bin/env bash
# Issue #18's before/after table: run every target's benchmark twice, alternating two checkouts of this
# repository (each with its own .venv), so both sides see the same minutes and the same load.
#
#   bash bench/compare_trees.sh BEFORE_TREE AFTER_TREE [OUT_DIR]
#
# e.g. `git worktree add --detach /tmp/before d336fca` (then `python3 -m venv .venv && .venv/bin/pip install
# -q -e '.[test]'` in it) against this checkout. About five minutes on an idle 2-core machine; one file per
# benchmark and side in OUT_DIR (default ./bench-out), each run headed by its time and load average.
set -u
before=${1:?usage: compare_trees.sh BEFORE_TREE AFTER_TREE [OUT_DIR]}
after=${2:?usage: compare_trees.sh BEFORE_TREE AFTER_TREE [OUT_DIR]}
out=$(realpath -m "${3:-bench-out}")
mkdir -p "$out"
run() { # tree label script args...
    local tree=$1 label=$2
    shift 2
    echo "### $label $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/$label.txt"
    (cd "$tree" && timeout 900 .venv/bin/python "$@") >>"$out/$label.txt" 2>&1
}
for _ in 1 2; do
    run "$before" before_cpu bench/bench_adapter_cpu.py
    run "$after" after_cpu bench/bench_adapter_cpu.py
    run "$after" after_plan bench/bench_plan.py
    run "$before" before_plan bench/bench_plan.py
    run "$before" before_client bench/bench_client.py --rounds 9
    run "$after" after_client bench/bench_client.py --rounds 9
    run "$after" after_mockcalls bench/bench_mock_calls.py --visits 100
    run "$before" before_mockcalls bench/bench_mock_calls.py --visits 100
done
run "$before" before_visits bench/bench_visits.py --memory --desks 2 --floor --visits 100 --warm-up 10
run "$after" after_visits bench/bench_visits.py --memory --desks 2 --floor --visits 100 --warm-up 10
echo "results in $out"

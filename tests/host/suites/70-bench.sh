# SPDX-License-Identifier: GPL-2.0
#
# The benchmark (scripts/bench) runs in one boot and reports every
# measurement of vdev, its C twin, tmpfs and the ceiling, with the ratios;
# its report refuses incomplete samples. (A short run: the figures of a real
# one come from ./scripts/bench itself.)
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's

bench_reports_every_measurement_with_its_ratios() {
	"$KIT_ROOT/scripts/bench" --reps 2 --mib 1 --out "$work/bench" >"$work/bench.log" 2>&1 ||
		fail "scripts/bench failed: $(tail -n 3 "$work/bench.log")"
	local row
	for row in 'sequential read, 4K' 'sequential write, 1M' '1-byte pread latency' \
		'2 devices read in parallel' 'fill and read back, 16M' 'module load, 64 dev' \
		'open + pread + close, 64 dev'; do
		grep -q "^$row " "$work/bench.log" || fail "the table has no row '$row'"
	done
	grep -qE '^sequential read, 4K .* [0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2}  (met|MISSED)' "$work/bench.log" ||
		fail "the sequential read row has no vdev/C and vdev/tmpfs ratios and verdict"
	# 26 measurements: 9 with all four targets, 5 with three, 12 with the two modules.
	[ "$(($(wc -l <"$work/bench/bench.csv") - 1))" -eq $((9 * 4 + 5 * 3 + 12 * 2)) ] ||
		fail "bench.csv has $(($(wc -l <"$work/bench/bench.csv") - 1)) rows, not 75"
	python3 -c 'import sys, xml.etree.ElementTree as e; e.parse(sys.argv[1])' "$work/bench/bench.svg" ||
		fail "bench.svg is not well-formed"
	# matplotlib draws each bar as a patch: 24 ratios, 4 x 3 throughputs.
	[ "$(grep -c '<g id="patch_' "$work/bench/bench.svg")" -gt 36 ] || fail "bench.svg has hardly any bars"
	[ "$(head -c 8 "$work/bench/bench.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "bench.png is not a PNG"
}

bench_report_refuses_incomplete_samples() {
	local rc=0
	grep '^BENCH' "$work/bench/console.log" | grep -v ' vdev_c ' >"$work/partial.log"
	"$KIT_ROOT/scripts/bench-report" "$work/partial.log" >"$work/partial.out" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "bench-report exited with $rc on samples without vdev_c"
	grep -q 'no samples of vdev_c' "$work/partial.out" || fail "the report does not say what is missing"
}

ktap_plan 2
ktap_run bench_reports_every_measurement_with_its_ratios
ktap_run bench_report_refuses_incomplete_samples

#!/usr/bin/env bash
# make fuzz: each target for N seconds from its seed corpus; prints execs and findings.
set -uo pipefail
dir=$1 seconds=$2
shift 2
found=0
printf '%-12s %12s %10s  %s\n' target execs exec/s findings
for target in "$@"; do
  corpus=$dir/corpus/$target
  mkdir -p "$corpus" "$dir/crashes/$target"
  cp -n tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null
  log=$dir/$target.log
  "$dir/fuzz_$target" "$corpus" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/$target/" -rss_limit_mb=2048 >"$log" 2>&1
  status=$?
  execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  rate=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
  crashes=$(ls "$dir/crashes/$target" | wc -l)
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    found=1
    printf '%-12s %12s %10s  %s\n' "$target" "${execs:-?}" "${rate:-?}" "FOUND: see $log and $dir/crashes/$target"
  else
    printf '%-12s %12s %10s  %s\n' "$target" "${execs:-?}" "${rate:-?}" none
  fi
done
exit $found

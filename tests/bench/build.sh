#!/usr/bin/env bash
# make bench ONLY=build: the build a student meets, the commit issue 19 started from against
# this one, side by side in one run, both cold on this machine (no ccache, every core):
#   cold `make all` time, new / old                      goal <= 0.35
#   `make tour` from a clean tree to demo 01's heading   goal <= 0.25
#   size of build/bin, new / old                         goal <= 0.25
# Writes OUT/build.json and prints one line per ratio.
set -euo pipefail
out=${1:-build/bench}
base=${BASE:-3c3485e}  # "A traced program is named by its label": where issue 19 began
jobs=$(nproc)
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
mkdir -p "$out"

checkout() {  # checkout COMMIT DIR: a clean tree of that commit (committed files only)
  git -C "$root" worktree add -q --detach "$2" "$1"
}
cleanup() { git -C "$root" worktree remove --force "$work/old" 2>/dev/null || true
            git -C "$root" worktree remove --force "$work/new" 2>/dev/null || true
            rm -rf "$work"; }
trap cleanup EXIT
checkout "$base" "$work/old"
checkout HEAD "$work/new"

seconds() { python3 -c 'import time; print(time.monotonic())'; }

cold_build() {  # cold_build DIR -> seconds
  local t0 t1
  rm -rf "$1/build"
  t0=$(seconds)
  make -C "$1" -j"$jobs" CXX=g++ all </dev/null >"$1/build.log" 2>&1
  t1=$(seconds)
  python3 -c "print(round($t1 - $t0, 1))"
}

tour_first_line() {  # tour_first_line DIR -> seconds from `make tour` to demo 01's heading
  local t0 t1 pid
  rm -rf "$1/build"
  t0=$(seconds)
  # Its own process group: the tour, and whatever it builds behind demo 01, stop together.
  setsid bash -c "cd '$1' && exec make -j$jobs CXX=g++ tour </dev/null" >"$1/tour.log" 2>&1 &
  pid=$!
  until grep -q "== 01-nagle-merge" "$1/tour.log"; do
    kill -0 "$pid" 2>/dev/null || { echo "build.sh: the tour in $1 ended before demo 01" >&2; exit 1; }
    sleep 0.1
  done
  t1=$(seconds)
  kill -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  python3 -c "print(round($t1 - $t0, 1))"
}

bin_size() { du -sb "$1/build/bin" | cut -f1; }

# Alternate old and new so that neither gets the quieter minute.
old_tour=$(tour_first_line "$work/old"); new_tour=$(tour_first_line "$work/new")
old_build=$(cold_build "$work/old");     new_build=$(cold_build "$work/new")
old_size=$(bin_size "$work/old");        new_size=$(bin_size "$work/new")

python3 - "$out/build.json" <<EOF
import json, sys
rows = [
  ("cold_build", "cold make all, this commit / $base", $new_build, $old_build, 0.35),
  ("tour_first_line", "make tour to demo 01's heading, this commit / $base", $new_tour, $old_tour, 0.25),
  ("bin_size", "size of build/bin, this commit / $base", $new_size, $old_size, 0.25),
]
results = {}
for key, what, new, old, goal in rows:
    ratio = new / old
    met = ratio <= goal
    results[key] = {"what": what, "new": new, "old": old, "ratio": round(ratio, 3), "goal": f"<= {goal}", "met": met}
    print(f"  {what:<58} {ratio:6.3f}  (<= {goal}) {'met' if met else 'MISSED'}  [{new} vs {old}]")
json.dump(results, open(sys.argv[1], "w"), indent=1)
EOF

#!/usr/bin/env bash
# make tour: the problems first (01-04), then the fix (05) and what doing it right takes
# (06 onwards), frametool last. On a terminal each demo pauses before each of its parts
# (--step=parts), so part A stays on the screen until you have read it, and the tour pauses
# between demos; elsewhere it runs straight through.
set -uo pipefail
bin=${1:-build/bin}
interactive=false
[ -t 0 ] && [ -t 1 ] && interactive=true
bold=$'\e[1m'; dim=$'\e[2m'; reset=$'\e[0m'
if [ -n "${NO_COLOR:-}" ] || [ ! -t 1 ]; then bold=""; dim=""; reset=""; fi
step=""
$interactive && step="--step=parts"
# make tour PREDICT=1: guess what each recv() returns before it happens, then see.
[ -n "${PREDICT:-}" ] && $interactive && step="--predict"

heading() { printf '\n%s== %s ==%s\n' "$bold" "$1" "$reset"; }
show() { printf '%s$ %s%s\n' "$dim" "$*" "$reset"; eval "$@"; }
pause() {
  if $interactive; then
    read -r -p "${dim}Enter for $1, q to stop: ${reset}" answer || exit 0
    [ "$answer" = q ] && exit 0
  fi
  return 0
}

# Demo 01 is built before the tour starts (make tour); the rest build in the background,
# gently, while the student reads, and each demo waits for its own program if it must.
demos=()
for source in demos/[0-9][0-9]-*.cpp; do
  demos+=("$bin/$(basename "$source" .cpp)")
done
builder=""
if [ -n "${MAKE:-}" ]; then
  nice -n 10 $MAKE --no-print-directory programs >"${bin%/bin}/tour-build.log" 2>&1 &
  builder=$!
fi
ready() {  # ready PROGRAM: built, or says why not
  if [ ! -x "$1" ] && [ -n "$builder" ]; then
    printf '%s(building %s …)%s\n' "$dim" "$(basename "$1")" "$reset"
    wait "$builder"
    builder=""
  fi
  [ -x "$1" ] && return 0
  echo "tour: $(basename "$1") did not build; see ${bin%/bin}/tour-build.log" >&2
  exit 1
}

for i in "${!demos[@]}"; do
  ready "${demos[$i]}"
  heading "$(basename "${demos[$i]}")"
  show "${demos[$i]} $step"
  if [ "$i" -lt $((${#demos[@]} - 1)) ]; then pause "the next demo"; else pause "frametool"; fi
done

ready "$bin/frametool"
heading "frametool: a message becomes a frame"
echo "A 4-byte big-endian length, then the body, in one buffer:"
show "$bin/frametool encode --format hex hello world"
echo
echo "Feed the decoder one byte at a time — the frames do not change:"
show "$bin/frametool encode hello world | $bin/frametool decode --chunk 1"
echo
echo "Or in random pieces:"
show "$bin/frametool encode hello world | $bin/frametool decode --random-chunks 7:3 --format json"
echo
echo "Look inside a frame:"
show "$bin/frametool encode hello | $bin/frametool inspect"
echo
echo "A hostile peer claims 2 GiB; the decoder refuses before allocating anything:"
show "printf '\\x7f\\xff\\xff\\xff' | $bin/frametool decode --max-frame 1024"
echo
echo "Text where a length should be — the wrong codec, explained:"
show "printf 'hello world\\n' | $bin/frametool decode"
echo
echo "That was the tour. Lessons are in lessons/, one per demo; 'make test' proves every claim."
echo "To watch the bytes arrive in the classroom viewer: make view"
[ -z "$builder" ] || wait "$builder"

#!/usr/bin/env bash
# Joins every shard directory found under SHARDS_DIR into one suite (suite.html, junit.xml, suite.json and the run
# directories) in OUT, compared with the previous night when BASELINE points at its suite.json or directory.
# Exits as the merged suite does: 0 every outcome matched, 1 one differs or changed since the baseline, 2 a run
# failed or was undecided, 3 the shards do not fit together (a shard missing, twice, or of another plan).
#   SHARDS_DIR   where the shard artifacts were downloaded (default: shards)
#   OUT          the merged directory (default: nightly)
#   BASELINE     the previous night's suite.json or directory (optional; ignored if absent, e.g. the first night)
#   SPLITBRAIN   how to call splitbrain (default: npx splitbrain)
set -uo pipefail
SB=${SPLITBRAIN:-npx splitbrain}
SHARDS_DIR=${SHARDS_DIR:-shards}
OUT=${OUT:-nightly}
mapfile -t dirs < <(find "$SHARDS_DIR" -name shard.json -printf '%h\n' | sort)
if [ "${#dirs[@]}" -eq 0 ]; then
  echo "nightly: no shard.json under $SHARDS_DIR" >&2
  exit 3
fi
args=()
if [ -n "${BASELINE:-}" ] && [ -e "$BASELINE" ]; then
  args=(--baseline "$BASELINE")
else
  echo "nightly: no baseline (${BASELINE:-unset}): this night is compared with nothing"
fi
# shellcheck disable=SC2086 # SPLITBRAIN may be a command with arguments
$SB merge "${dirs[@]}" --out "$OUT" "${args[@]}" </dev/null

#!/usr/bin/env bash
# One shard of the nightly suite. Its directory (suite.json, junit.xml, shard.json, the run directories) is the
# artifact the merge step joins; whether scenarios matched is judged there, after the merge, so this step fails only
# when the shard produced no result at all (exit 3: usage or environment).
#   SHARD        k/n, e.g. 2/4; or leave it unset and give JOB_COMPLETION_INDEX (0-based, Kubernetes) and SHARDS (n)
#   RESULTS      where the shard's suite directory goes (default: results/shard-<k>)
#   SPLITBRAIN   how to call splitbrain (default: npx splitbrain)
#   further arguments go to `splitbrain suite` (e.g. --only a,b --repeat 3); every shard must get the same ones
set -uo pipefail
SB=${SPLITBRAIN:-npx splitbrain}
if [ -z "${SHARD:-}" ]; then
  if [ -n "${JOB_COMPLETION_INDEX:-}" ] && [ -n "${SHARDS:-}" ]; then
    SHARD="$((JOB_COMPLETION_INDEX + 1))/$SHARDS"
  else
    echo "nightly: set SHARD=k/n (or JOB_COMPLETION_INDEX and SHARDS)" >&2
    exit 3
  fi
fi
K=${SHARD%%/*}
RESULTS=${RESULTS:-results/shard-$K}
mkdir -p "$RESULTS"
# shellcheck disable=SC2086 # SPLITBRAIN may be a command with arguments
$SB suite --shard "$SHARD" --results "$RESULTS" "$@" </dev/null
code=$?
echo "nightly: shard $SHARD exited $code (0 matched, 1 differs, 2 failed or undecided, 3 no result)"
if [ "$code" -ge 3 ]; then exit "$code"; fi
exit 0

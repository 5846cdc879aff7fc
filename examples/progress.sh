#!/usr/bin/env bash
# A progress loop for a command route: `POST /progress?steps=N` (default 10) takes N
# half-second steps, reporting each with ::tick, and ends with a JSON result.
set -euo pipefail

steps=${HERALD_QUERY_STEPS:-10}
if ! [[ $steps =~ ^[0-9]+$ ]] || ((steps < 1 || steps > 1000)); then
  echo "steps must be a whole number from 1 to 1000, not '$steps'" >&2
  exit 2
fi

# N ticks from 0 to 100: a range of N, one tick per unit.
echo "::progress-range 0 $steps 1"
for ((i = 1; i <= steps; i++)); do
  sleep 0.5
  echo "::tick"
  echo "step $i of $steps done"
done
echo "::result {\"steps\": $steps, \"task\": \"$HERALD_TASK_ID\"}"

#!/usr/bin/env bash
# A job that fails: what it writes to stderr becomes the task's error, after its exit code
# (`exit code 3: error: ...`).
echo "::progress 30"
echo "reading the input"
echo "error: the input file /data/import.csv does not exist" >&2
exit 3

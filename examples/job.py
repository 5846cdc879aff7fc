#!/usr/bin/env python3
"""A job for a command route: reads its JSON body from stdin ({"words": [...]}), sends a
custom `word` event for each word it handles, and ends with a JSON result."""

import json
import os
import sys
import time


def say(line):
    # stdout is a pipe: flush each line, or herald sees them only when the job ends.
    print(line, flush=True)


def main():
    body = sys.stdin.read()
    try:
        params = json.loads(body) if body.strip() else {}
    except json.JSONDecodeError as e:
        print(f"the body is not JSON: {e}", file=sys.stderr)
        return 2
    words = params.get("words", ["alpha", "beta", "gamma"]) if isinstance(params, dict) else []
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words) or not words:
        print('the body must be {"words": ["...", ...]} with at least one word', file=sys.stderr)
        return 2

    say(f"::progress-range 0 {len(words)} 1")
    lengths = {}
    for word in words:
        time.sleep(0.3)
        lengths[word] = len(word)
        say("::event word " + json.dumps({"word": word, "length": len(word)}))
        say("::tick")
    say("::result " + json.dumps({"task": os.environ.get("HERALD_TASK_ID"), "lengths": lengths}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

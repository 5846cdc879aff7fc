#!/usr/bin/env python3
"""Heap bytes per unit by the herald source line that allocated them, from two detailed
snapshots of valgrind's massif (before and after N units were made: queued tasks, idle
subscribers). Each allocation is charged to the innermost frame in this repository's sources;
what has none is shown by massif's own description. Usage:

    massif_sites.py BEFORE AFTER N [--top K]
"""

import argparse
import collections
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def our_files():
    names = set()
    for top in ("actors", "net", "app", "tools"):
        for base, _, files in os.walk(os.path.join(ROOT, top)):
            names.update(f for f in files if f.endswith((".cpp", ".hpp")))
    return names


def parse_tree(path):
    """The last detailed heap tree of a massif file, as (bytes, description, children)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("heap_tree=detailed")]
    if not starts:
        sys.exit(f"massif_sites: {path} has no detailed snapshot")
    pos = starts[-1] + 1
    header = lines[: starts[-1]]
    extra = 0
    for line in reversed(header):
        if line.startswith("mem_heap_extra_B="):
            extra = int(line.split("=", 1)[1])
            break
    # Iterative: the trees are deep (40 frames) and wide.
    root = None
    stack = []  # (node, children still to read)
    while True:
        m = re.match(r"\s*n(\d+): (\d+) (.*)", lines[pos])
        if not m:
            sys.exit(f"massif_sites: {path}: unexpected line {pos + 1}")
        pos += 1
        node = (int(m.group(2)), m.group(3), [])
        if stack:
            stack[-1][0][2].append(node)
            stack[-1][1] -= 1
        else:
            root = node
        if int(m.group(1)) > 0:
            stack.append([node, int(m.group(1))])
        while stack and stack[-1][1] == 0:
            stack.pop()
        if not stack:
            return root, extra


def by_site(root, ours):
    sites = collections.Counter()
    frame = re.compile(r"\(([\w.-]+\.(?:cpp|hpp)):(\d+)\)")
    pending = [(child, None) for child in root[2]]
    while pending:
        (size, desc, children), site = pending.pop()
        if site is None:
            m = frame.search(desc)
            if m and m.group(1) in ours:
                name = desc.split(":", 1)[1].strip().replace("(anonymous namespace)", "{anon}")
                name = re.sub(r"\s*\(.*$", "", name)
                site = f"{m.group(1)}:{m.group(2)}  {name[:70]}"
        rest = size - sum(c[0] for c in children)
        if rest > 0:
            if site:
                key = site
            elif "below massif's threshold" in desc:
                key = "(elsewhere: sites below massif's threshold)"
            else:
                key = "(elsewhere) " + re.sub(r"^0x[0-9A-F]+: ", "", desc)[:70]
            sites[key] += rest
        pending.extend((c, site) for c in children)
    return sites


def main():
    p = argparse.ArgumentParser()
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("n", type=int)
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args()
    ours = our_files()
    root0, extra0 = parse_tree(a.before)
    root1, extra1 = parse_tree(a.after)
    s0, s1 = by_site(root0, ours), by_site(root1, ours)
    diff = collections.Counter({k: s1[k] - s0.get(k, 0) for k in s1})
    heap = (root1[0] - root0[0]) / a.n
    overhead = (extra1 - extra0) / a.n
    print(f"heap requested per unit: {heap:,.0f} B; allocator overhead (massif's model): "
          f"{overhead:,.0f} B; together {heap + overhead:,.0f} B")
    shown = 0
    for key, size in diff.most_common(a.top):
        if size / a.n < 1:
            break
        print(f"{size / a.n:9,.1f} B  {key}")
        shown += size
    # What is not listed: sites under a byte per unit, and those that shrank (a buffer that
    # was larger at the first snapshot), so this may come out below zero.
    print(f"{(root1[0] - root0[0] - shown) / a.n:9,.1f} B  (the rest, net)")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Per-operator totals of a Chrome trace written by `astrom3_bench_model --profile FILE`.

    scripts/profile_summary.py trace.json [ROWS]

For every operator name: self time (its own duration minus that of the operators it called,
from the nesting of events on each thread), inclusive time and calls, sorted by self time; the
self times add up to the traced time. Standard library only.
"""
import collections
import json
import sys


def main():
    events = json.load(open(sys.argv[1]))
    if isinstance(events, dict):
        events = events.get("traceEvents", [])
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    spans = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X":
            spans[e.get("tid")].append((float(e["ts"]), float(e.get("dur", 0)), e["name"]))
    own, inclusive, calls = collections.Counter(), collections.Counter(), collections.Counter()
    for items in spans.values():
        items.sort(key=lambda s: (s[0], -s[1]))
        stack = []  # (end, name)
        for ts, dur, name in items:
            while stack and ts >= stack[-1][0]:
                stack.pop()
            if stack:
                own[stack[-1][1]] -= dur  # the parent's time inside this child
            own[name] += dur
            inclusive[name] += dur
            calls[name] += 1
            stack.append((ts + dur, name))
    total = sum(own.values())
    print(f"{'operator':52s} {'self ms':>9s} {'self %':>7s} {'incl. ms':>9s} {'calls':>7s}")
    for name, us in own.most_common(rows):
        print(f"{name[:52]:52s} {us / 1000:9.1f} {100 * us / total:6.1f}% "
              f"{inclusive[name] / 1000:9.1f} {calls[name]:7d}")
    print(f"{'total':52s} {total / 1000:9.1f}")


if __name__ == "__main__":
    main()

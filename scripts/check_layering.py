#!/usr/bin/env python3
"""Checks that astrom3's library areas include only the areas below them (docs/architecture.md).

Reads every `#include "astrom3/<area>/..."`, `#include <astrom3/<area>/...>` and
`#include "<area>/..."` (the areas' private headers under src/) in include/astrom3/<area>/ and
src/<area>/, and fails, listing each offending line, when an area includes one that is not below
it in LAYERS, when a library area includes the command-line layer, or when include/astrom3/ or
src/ holds a folder that LAYERS does not place. src/cli/ may include everything and is not read.
Standard library only; any python3 runs it.

    scripts/check_layering.py [SOURCE_DIR]      # exit 0 when the order holds, 1 otherwise
    scripts/check_layering.py --self-test       # the check finds planted violations
"""
import pathlib
import re
import sys
import tempfile

# Lowest first. An area may include itself and the areas listed before it; `cli` (the
# executable) may include everything.
LAYERS = ["common", "io", "dist", "data", "synth", "ingest", "model", "eval", "train", "config"]
EXECUTABLE = "cli"

INCLUDE = re.compile(r'^\s*#\s*include\s*(?:"(?:astrom3/)?([a-z_0-9]+)/[^"]+"|<astrom3/([a-z_0-9]+)/[^>]+>)')


def area_files(root, area):
    for base in (root / "include" / "astrom3" / area, root / "src" / area):
        if base.is_dir():
            yield from sorted(p for p in base.rglob("*") if p.suffix in (".h", ".cpp", ".in"))


def violations(root):
    known = set(LAYERS) | {EXECUTABLE}
    found = []
    for rank, area in enumerate(LAYERS):
        allowed = set(LAYERS[: rank + 1])
        for path in area_files(root, area):
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                target = m and (m.group(1) or m.group(2))
                if not target or target not in known or target in allowed:
                    continue
                found.append(f"{path.relative_to(root)}:{number}: {area} includes "
                             f"{target} ({line.strip()}), which is not below it")
    for base in ("src", "include/astrom3"):
        folder = root / base
        if not folder.is_dir():
            continue
        for name in sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in known):
            found.append(f"{base}/{name}: an area that LAYERS in scripts/check_layering.py does "
                         "not place; add it there and to docs/architecture.md")
    return found


def self_test():
    """Plants allowed includes and five violations in a scratch tree; exactly those must be found."""
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        files = {
            "include/astrom3/data/a.h": '#include "astrom3/common/error.h"\n',  # allowed
            "src/data/a.cpp": '#include "astrom3/train/trainer.h"\n',  # upwards
            "src/model/b.cpp": '  #  include "eval/private.h"\n',  # a private header upwards
            "include/astrom3/train/c.h": '#include "cli/exit_codes.h"\n',  # the executable
            "src/io/d.cpp": '#include <astrom3/model/conv1d.h>\n',  # angle brackets, upwards
            "include/astrom3/plugins/e.h": "",  # an area the order does not place
            "src/cli/main.cpp": '#include "astrom3/config/run_config.h"\n',  # allowed
        }
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        found = violations(root)
        expected = ["src/data/a.cpp:1:", "src/model/b.cpp:1:", "include/astrom3/train/c.h:1:",
                    "src/io/d.cpp:1:", "include/astrom3/plugins:"]
        missing = [e for e in expected if not any(v.startswith(e) for v in found)]
        if missing or len(found) != len(expected):
            print("self-test failed: expected", expected, "found", found)
            return 1
    print("self-test: the five planted violations were found, the allowed includes were not")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                        pathlib.Path(__file__).resolve().parent.parent)
    found = violations(root)
    for v in found:
        print(v)
    if found:
        print(f"{len(found)} include(s) break the layer order "
              f"{' < '.join(LAYERS)} < {EXECUTABLE} (docs/architecture.md)")
        return 1
    print(f"layer order holds: {' < '.join(LAYERS)} < {EXECUTABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

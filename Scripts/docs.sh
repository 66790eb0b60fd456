#!/usr/bin/env bash
# Builds the DocC documentation of the StoryLedger library into .build/docs/StoryLedger.doccarchive,
# failing on any warning (a broken symbol link, a missing article).
#
#   Scripts/docs.sh            # build the archive
#   Scripts/docs.sh --preview  # also write a static site to .build/docs/site
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d /opt/swift/usr/bin ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
# Symbol graphs are written only when the module compiles, so each run uses a fresh scratch path.
rm -rf .build/docs-scratch .build/symbol-graphs .build/docs
mkdir -p .build/symbol-graphs .build/docs
swift build --target StoryLedger --scratch-path .build/docs-scratch \
  -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc .build/symbol-graphs \
  -Xswiftc -emit-extension-block-symbols
docc convert DocsSource/StoryLedger.docc --additional-symbol-graph-dir .build/symbol-graphs \
  --output-path .build/docs/StoryLedger.doccarchive --fallback-display-name StoryLedger \
  --fallback-bundle-identifier org.storyledger.StoryLedger --warnings-as-errors
# Every public symbol written in the package has a doc comment (the compiler's synthesized
# conformances, which have no source location, are exempt).
python3 - <<'PY'
import glob, json, sys
missing = []
for path in glob.glob(".build/symbol-graphs/StoryLedger*.symbols.json"):
    for symbol in json.load(open(path))["symbols"]:
        if symbol.get("accessLevel") in ("public", "open") and symbol.get("location") \
                and not symbol.get("docComment"):
            location = symbol["location"]
            missing.append(f'{location["uri"].split("/Sources/")[-1]}:{location["position"]["line"] + 1}: '
                           + ".".join(symbol["pathComponents"]))
if missing:
    print("public symbols without a doc comment:\n  " + "\n  ".join(sorted(missing)), file=sys.stderr)
    sys.exit(1)
PY
if [ "${1:-}" = "--preview" ]; then
  docc process-archive transform-for-static-hosting .build/docs/StoryLedger.doccarchive \
    --output-path .build/docs/site
fi
echo "docs: .build/docs/StoryLedger.doccarchive"

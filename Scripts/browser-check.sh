#!/usr/bin/env bash
# The demo report in a real browser: headless Chromium loads it with no console errors, takes a
# screenshot, and the figures in the page it parsed equal the ledger's.
#
#   Scripts/browser-check.sh --install-only        # install Debian's chromium if missing, then stop
#   Scripts/browser-check.sh [--install] [--storyledger PATH] [--rows N] [--screenshot FILE]
#
# --install        install chromium first if it is missing (apt-get; sudo when not root)
# --storyledger    the tool to test (default: $STORYLEDGER_BIN, else .build/debug/storyledger)
# --rows           rows of the demo ledger (default 3000)
# --screenshot     keep the screenshot there (the docs keep one at
#                  DocsSource/StoryLedger.docc/Resources/demo-report.png)
#
# Chromium is found as $CHROMIUM, else chromium, chromium-browser or google-chrome on PATH.
# Checks, each of which fails the script:
#   1. a canary page that breaks the page's Content-Security-Policy shows console errors to the
#      check (so a clean report is clean because it is, not because errors are invisible);
#   2. the report loads with no console message at all (no CSP violation, no error) both when
#      screenshotted and when its DOM is dumped; the screenshot is a PNG;
#   3. the figures in the parsed DOM (data-key/data-value cells) equal `summary --json`,
#      `cascade up --json` and `export timeseries` of the same ledger and range.
set -euo pipefail
cd "$(dirname "$0")/.."

install=no
install_only=no
tool=${STORYLEDGER_BIN:-.build/debug/storyledger}
rows=3000
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --install) install=yes ;;
    --install-only) install=yes; install_only=yes ;;
    --storyledger) tool=$2; shift ;;
    --rows) rows=$2; shift ;;
    --screenshot) keep=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "browser-check: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done

find_chromium() {
  if [ -n "${CHROMIUM:-}" ]; then echo "$CHROMIUM"; return; fi
  for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  done
}

browser=$(find_chromium || true)
if [ -z "$browser" ] && [ "$install" = yes ]; then
  echo "browser-check: installing Debian's chromium (this takes a while once)..." >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
  browser=$(find_chromium || true)
fi
if [ -z "$browser" ]; then
  echo "browser-check: no chromium found; run Scripts/browser-check.sh --install-only" >&2
  exit 69
fi
echo "browser-check: using $("$browser" --version 2>/dev/null | head -n 1)" >&2
if [ "$install_only" = yes ]; then exit 0; fi

if [ ! -x "$tool" ]; then
  echo "browser-check: no storyledger at $tool; run swift build or give --storyledger" >&2
  exit 66
fi
command -v python3 >/dev/null || { echo "browser-check: python3 is needed" >&2; exit 69; }

work=$(mktemp -d "${TMPDIR:-/tmp}/storyledger-browser.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Headless Chromium with its console sent to stderr. Chromium's own noise (D-Bus, GPU) goes
# there too; console messages are the lines with ":CONSOLE".
run_browser() {
  local log=$1
  shift
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --disable-extensions --user-data-dir="$work/profile" \
    --enable-logging=stderr --v=0 "$@" 2>"$log"
}
console_messages() { grep -E ':CONSOLE|Uncaught|Refused to' "$1" || true; }

# 1. The canary: a script and a remote image, both against the policy, must be seen.
cat >"$work/canary.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
</head><body><p>canary</p><script>console.error("canary")</script>
<img alt="" src="http://example.invalid/canary.png"></body></html>
HTML
run_browser "$work/canary.log" --dump-dom "file://$work/canary.html" >/dev/null
if [ -z "$(console_messages "$work/canary.log")" ]; then
  echo "browser-check: FAIL: the canary page's console errors were not seen; the check is blind" >&2
  exit 1
fi

# 2. The demo ledger and its report, loaded twice: a screenshot and a dump of the DOM.
"$tool" demo --rows "$rows" --into "$work/ledger" >/dev/null 2>"$work/demo.log"
ledger=(--ledger "$work/ledger")
"$tool" "${ledger[@]}" report nhs --output "$work/report.html" 2>"$work/report.log"
run_browser "$work/shot.log" --screenshot="$work/report.png" --window-size=1280,3000 \
  "file://$work/report.html" >/dev/null
run_browser "$work/dom.log" --dump-dom "file://$work/report.html" >"$work/dom.html"
for log in shot dom; do
  messages=$(console_messages "$work/$log.log")
  if [ -n "$messages" ]; then
    echo "browser-check: FAIL: the report logged to the console ($log):" >&2
    echo "$messages" >&2
    exit 1
  fi
done
if [ "$(head -c 8 "$work/report.png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
  echo "browser-check: FAIL: no PNG screenshot was written" >&2
  exit 1
fi

# 3. The figures of the parsed page against the ledger's own answers.
read -r from to granularity < <(python3 - "$work/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
main = re.search(r'<main id="report"[^>]*>', dom)
if not main:
    sys.exit("browser-check: FAIL: the browser's DOM has no report")
attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', main.group(0)))
print(attrs["from"], attrs["to"], attrs["granularity"])
PY
)
"$tool" "${ledger[@]}" summary nhs --as-of "$to" --json >"$work/summary.json"
"$tool" "${ledger[@]}" cascade up nhs --period "$from..$to" --depth 1 --json >"$work/cascade.json"
"$tool" "${ledger[@]}" export timeseries --period "$granularity" --level national \
  --from "$from" --to "$to" --format jsonl >"$work/series.jsonl"

python3 - "$work" <<'PY'
import json, sys
from html.parser import HTMLParser

work = sys.argv[1]

class Figures(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values, self.svgs, self.title = {}, 0, ""
        self._in_h1 = False
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-key" in attrs:
            self.values[attrs["data-key"]] = attrs.get("data-value")
        if tag == "svg":
            self.svgs += 1
        self._in_h1 = tag == "h1"
    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False
    def handle_data(self, data):
        if self._in_h1:
            self.title += data

page = Figures()
page.feed(open(f"{work}/dom.html", encoding="utf-8").read())
summary = json.load(open(f"{work}/summary.json"))
cascade = json.load(open(f"{work}/cascade.json"))
series = [json.loads(line) for line in open(f"{work}/series.jsonl")]

dimensions = ["capacitating", "calibrating", "calculating"]
checked, wrong = 0, []

def expect(key, value):
    global checked
    checked += 1
    shown = page.values.get(key)
    if shown != str(value):
        wrong.append(f"{key}: page {shown!r}, ledger {value!r}")

total = summary["total"]
expect("stories", total["stories"])
for dimension in dimensions:
    for visibility in ["visible", "invisible"]:
        box = total["boxes"][dimension][visibility]
        expect(f"end.{dimension}.{visibility}.items", box["items"])
        expect(f"end.{dimension}.{visibility}.monetised", box["monetised"])
for status in ["made", "active", "conditional", "fulfilled", "lapsed", "withdrawn"]:
    expect(f"pledges.{status}", total["pledges"][status])
own = cascade["levels"][0]["total"]
for index, dimension in enumerate(dimensions):
    expect(f"made-visible.{dimension}", own["made_visible"][index])
children = cascade["levels"][1]["nodes"]
for child in children:
    node = child["node"]
    expect(f"child.{node}.stories", child["stories"])
    expect(f"child.{node}.made-visible", sum(child["made_visible"]))
    for dimension in dimensions:
        for visibility in ["visible", "invisible"]:
            expect(f"child.{node}.{dimension}.{visibility}.items",
                   child["boxes"][dimension][visibility]["items"])
rows = [row for row in series if row["node"] == "nhs"]
for row in rows:
    key = f"series.{row['period_start']}.{row['dimension']}"
    expect(f"{key}.visible", row["visible_items"])
    expect(f"{key}.invisible", row["invisible_items"])
    expect(f"{key}.made-visible", row["made_visible"])
    expect(f"{key}.recorded", row["items_recorded"])
    expect(f"{key}.monetised-visible", row["monetised_visible"])

if page.svgs < 5 + len(children):
    wrong.append(f"only {page.svgs} charts in the page")
if "nhs" not in page.title:
    wrong.append(f"title {page.title!r}")
if len(rows) < 3 or len(children) < 2:
    wrong.append(f"too little to compare: {len(rows)} series rows, {len(children)} children")
if wrong:
    print("browser-check: FAIL: figures in the page differ from the ledger's:", file=sys.stderr)
    for line in wrong[:20]:
        print("  " + line, file=sys.stderr)
    sys.exit(1)
print(f"browser-check: {checked} figures in the page equal the ledger's "
      f"({page.svgs} charts, {len(rows) // 3} periods, {len(children)} children)")
PY

if [ -n "$keep" ]; then
  cp "$work/report.png" "$keep"
  echo "browser-check: screenshot kept at $keep" >&2
fi
echo "browser-check: the demo report loads in $("$browser" --version 2>/dev/null | head -n 1) with no console errors"

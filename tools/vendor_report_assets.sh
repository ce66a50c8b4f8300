#!/bin/sh
# Re-fetch the third-party files the HTML reports inline (see advisor/report/vendor/VENDORED.md)
# from the npm registry with `npm pack`, and check them against the recorded checksums.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/advisor/report/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent plotly.js-cartesian-dist-min@4.1.1 world-atlas@2.0.2 >/dev/null
mkdir plotly atlas
tar xzf plotly.js-cartesian-dist-min-4.1.1.tgz -C plotly
tar xzf world-atlas-2.0.2.tgz -C atlas
cp plotly/package/plotly-cartesian.min.js "$dest/plotly-cartesian.min.js"
cp plotly/package/LICENSE "$dest/plotly.js-LICENSE.txt"
cp atlas/package/countries-110m.json "$dest/countries-110m.json"
cp atlas/package/LICENSE "$dest/world-atlas-LICENSE.txt"
cd "$dest"
sha256sum -c <<SUMS
79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a  plotly-cartesian.min.js
2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8  countries-110m.json
SUMS

#!/usr/bin/env bash
# Re-fetch the vendored charting library (Chart.js, MIT) from the npm registry
# into assets/vendor/. The build never runs this: the files are committed and
# embedded in the binary, because the machines that serve the page are offline.
# Usage: adapters/web/vendor.sh [VERSION]   (default: the version in README.md)
set -euo pipefail
version="${1:-4.6.1}"
here="$(cd "$(dirname "$0")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
npm pack --silent "chart.js@${version}" >/dev/null
tar -xzf "chart.js-${version}.tgz"
cp package/dist/chart.umd.min.js "$here/assets/vendor/chart.umd.min.js"
cp package/LICENSE.md "$here/assets/vendor/chart.js.LICENSE.md"
echo "vendored chart.js ${version}; update the version in adapters/web/README.md"

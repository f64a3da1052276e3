#!/usr/bin/env bash
# Runs the *E2E scenarios on kind: builds the product, then lets the e2e module build the image, bring kind up
# (up.sh), install the chart and run the suite. Only the bootstrap differs from the local cluster run.
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -ntp -q install -DskipTests
mvn -B -ntp -Pe2e -Dlpo.cluster=kind -pl e2e verify "$@"

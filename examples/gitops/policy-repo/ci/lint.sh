#!/usr/bin/env bash
# The policy repository's CI: every change must lint clean, warnings included. Same checks, same messages as the
# operator's; exit code 1 names file, line, object and field. LPO_JAR points at lpo.jar (a release asset, or
# operator/cli/target/lpo.jar from a build of the operator's repository).
set -euo pipefail
cd "$(dirname "$0")/.."
java -jar "${LPO_JAR:?set LPO_JAR to lpo.jar}" lint --strict policies/
# What the nodes will get, for review in the pull request:
java -jar "$LPO_JAR" render policies/ --out rendered/

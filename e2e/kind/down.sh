#!/usr/bin/env bash
# Deletes the kind cluster e2e/kind/up.sh made.
set -euo pipefail
kind delete cluster --name "${LPO_KIND_CLUSTER:-lpo-e2e}"

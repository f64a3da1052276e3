#!/usr/bin/env bash
# Copies the CRDs generated from the Java classes in operator/api into crds/ and into the Helm chart.
# CrdsUpToDateTest fails the build when the committed files differ from what the classes generate.
set -euo pipefail
top="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$top"
mvn -B -ntp -q -pl operator/api process-classes
for f in operator/api/target/generated-crds/*-v1.yml; do
  name=$(basename "$f" -v1.yml)
  cp "$f" "crds/$name.yaml"
  for chart in helm/*/crds; do
    [ -d "$chart" ] && cp "$f" "$chart/$name.yaml"
  done
done

# The CRD reference page, from the same schemas.
mvn -B -ntp -q -pl operator/api test -Dtest=CrdReferenceTest -Dlpo.updateDocs=true -Dsurefire.failIfNoSpecifiedTests=false

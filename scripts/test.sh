#!/usr/bin/env bash
# The test command (npm test): installs what it needs, then runs every check and fails
# on the first that fails. SKIP_SCANNERS=1 runs only the TypeScript checks (fast loop).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${SKIP_SCANNERS:-}" ]; then bash scripts/ensure-deps.sh; else bash scripts/ensure-deps.sh --python; fi
export PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH"

# Each step says how long the one before it took (SECONDS is bash's clock), so a slow check is easy to find.
last_step=""
step_began=$SECONDS
step() {
  [ -n "$last_step" ] && printf -- '-- %s: %ss\n' "$last_step" "$((SECONDS - step_began))"
  last_step=$1
  step_began=$SECONDS
  printf '\n== %s\n' "$1"
}

step "type-check (tsc)"
tsc -p tsconfig.json

step "unit, contract, schema and snapshot tests (vitest)"
vitest run

if [ -n "${SKIP_SCANNERS:-}" ]; then step "done"; exit 0; fi

step "Polaris catalog creator, run from dist/ against the Polaris API models (stand-in server)"
.venv-polaris/bin/python test/polaris/creator_test.py dist

step "Polaris admin tool: the bootstrap Job's arguments through picocli with the 1.7.0 option model, its credentials file and the catalog's flags through the real polaris-core 1.7.0"
node test/polaris/admin/check.mjs dist

step "Trino: the pinned release boots with the generated configuration (downloads cached in ~/.cache/aks-lakehouse)"
node --no-warnings test/trino/boot.mjs dist

step "Kafka Connect: the generated worker and sink configuration, validated by Connect 4.3.1 and the Iceberg sink (jars from images/kafka-connect/pom.xml)"
node test/kafka-connect/check.mjs dist

step "Flink: the workload identity token provider, its unit tests and the real flink-azure-fs-hadoop 1.20.0 plugin loading it (Maven Surefire)"
mvn -B --no-transfer-progress -f images/flink/token-provider/pom.xml verify | grep -E "Tests run:|BUILD|ERROR|FAIL"

step "Flink: every configuration key the charts write exists in Flink 1.20.0 (its jars) or the operator 1.15.0, none deprecated"
node test/flink/check.mjs dist

step "Flink: npm run publish-job builds the example job with Maven and uploads it with Entra ID, never over a published version (fake az)"
node test/flink/publish-job.mjs

step "Alerts: promtool v0.316.0 (built from the Go module proxy into ~/.cache/aks-lakehouse) checks every rule group and unit-tests every alert, firing and quiet"
node test/monitoring/promtool.mjs bicep/env

step "Metric names: a real Prometheus v0.316.0 scrapes Trino 476 booted from dist/; every name the alerts and panels take from Trino is there, and TrinoWorkersMissing goes pending"
node --no-warnings test/monitoring/coverage.mjs dist

step "Kubernetes schemas, strict (kubernetes-validate)"
python scripts/validate_k8s.py .

step "forbidden strings (S3/AWS residue, placeholders, keys, SAS, connection strings)"
node scripts/scan.mjs .

step "yamllint"
yamllint --strict -c .yamllint.yaml dist .yamllint.yaml cdk8s.yaml

step "Bicep parses (pycep-parser)"
python scripts/parse_bicep.py bicep

step "Bicep against the pinned Azure type index (what bicep build would report)"
python scripts/check_bicep_types.py bicep pinned

step "the type check can fail: it must reject the wrong fixture"
if out=$(python scripts/check_bicep_types.py test/fixtures/bicep-types pinned 2>&1); then
  echo "check_bicep_types.py passed test/fixtures/bicep-types, which is wrong on purpose" >&2; exit 1
fi
for expected in "'anonymousPullEnabled' is not a property of RegistryProperties" "storageAccounts@2019-13-01 is not in the pinned Azure type index" \
  "'notez' is not a property" "'Standard' is not one of 'standard', 'premium'" "properties.clientId: is read-only" \
  "passes 'virtualNetworkld'" "does not pass 'virtualNetworkId'"; do
  grep -qF "$expected" <<<"$out" || { echo "check_bicep_types.py did not report: $expected" >&2; exit 1; }
done
echo "the type check rejects all 7 wrong things in test/fixtures/bicep-types/wrong.bicep"

step "checkov: Kubernetes manifests"
checkov --config-file .checkov.yaml -d dist --framework kubernetes

step "checkov: Bicep"
checkov --config-file .checkov.yaml -d bicep --framework bicep

step "checkov can fail: it must reject the insecure fixtures"
canary() {
  local framework=$1 file=$2; shift 2
  local out
  if out=$(checkov --config-file .checkov.yaml --framework "$framework" -f "$file" 2>&1); then
    echo "checkov passed $file, which is insecure on purpose: the scan is not running" >&2; exit 1
  fi
  for check in "$@"; do
    grep -q "$check" <<<"$out" || { echo "checkov did not report $check on $file" >&2; exit 1; }
  done
  echo "checkov rejects $file ($*)"
}
canary bicep test/fixtures/checkov/insecure.bicep CKV_AZURE_3 CKV_AZURE_44
canary kubernetes test/fixtures/checkov/insecure.yaml CKV_K8S_16 CKV_K8S_19

step "done"
printf '\nall checks passed in %ss\n' "$SECONDS"

/**
 * The init container's script (bash, the image's shell for Flink's own scripts): exchanges the
 * federated token for a storage token (client credentials with a client assertion, Entra ID v2.0
 * token endpoint) and downloads the jar from Blob storage, turning the abfss:// location into
 * its https:// blob URL. Any failed call stops it (pipefail; an empty token is an error), so the
 * JobManager never starts with a missing or wrong jar.
 */
export const FETCH_JAR_SCRIPT = [
  'set -euo pipefail',
  'url=$(printf %s "$JAR_LOCATION" | sed -E "s#^abfss://([^@]+)@([^.]+)\\.dfs\\.core\\.windows\\.net/(.*)#https://\\2.blob.core.windows.net/\\1/\\3#")',
  'response=$(curl -sSf --retry 3 "${AZURE_AUTHORITY_HOST%/}/$AZURE_TENANT_ID/oauth2/v2.0/token" --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$AZURE_CLIENT_ID" --data-urlencode scope=https://storage.azure.com/.default --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer --data-urlencode "client_assertion@$AZURE_FEDERATED_TOKEN_FILE")',
  'token=$(printf %s "$response" | sed -nE \'s/.*"access_token" *: *"([^"]+)".*/\\1/p\')',
  '[ -n "$token" ] || { echo "no access_token in the token response" >&2; exit 1; }',
  'curl -sSf --retry 3 -H "Authorization: Bearer $token" -H "x-ms-version: 2023-11-03" -o "$JAR_FILE" "$url"',
  'echo "fetched $JAR_LOCATION"',
].join('\n');

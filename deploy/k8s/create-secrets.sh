#!/bin/sh
# Creates Judgify's Secrets in a namespace, generating what can be generated:
#   DATABASE_URL='postgres://judgify:…@postgres:5432/judgify' REDIS_URL='redis://:…@redis:6379' \
#     deploy/k8s/create-secrets.sh judgify
# - JWT_SECRET: generated (openssl rand) unless set; 32+ characters.
# - the gateway's signing key: generated (openssl genpkey -algorithm ed25519) unless
#   SIGNING_KEY_FILE names a PKCS#8 PEM; it never leaves this machine but into the Secret.
# - OPENAI_API_KEY: optional.
# It refuses to overwrite (kubectl create): rotating is a deliberate step (docs/kubernetes.md).
# `--print` writes the manifests to stdout instead, e.g. for `kubeseal`.
set -eu

print=false
if [ "${1:-}" = "--print" ]; then print=true; shift; fi
namespace="${1:?usage: create-secrets.sh [--print] NAMESPACE}"
: "${DATABASE_URL:?set DATABASE_URL, e.g. postgres://judgify:PASSWORD@postgres:5432/judgify}"
: "${REDIS_URL:?set REDIS_URL, e.g. redis://:PASSWORD@redis:6379}"
jwt_secret="${JWT_SECRET:-$(openssl rand -base64 48 | tr -d '\n')}"
if [ "${#jwt_secret}" -lt 32 ]; then echo "JWT_SECRET must be at least 32 characters" >&2; exit 1; fi

key_file="${SIGNING_KEY_FILE:-}"
if [ -z "$key_file" ]; then
  key_file="$(mktemp)"
  trap 'rm -f "$key_file"' EXIT
  openssl genpkey -algorithm ed25519 -out "$key_file" 2>/dev/null
fi

b64() { base64 | tr -d '\n'; }

# secret NAME KEY VALUE [KEY VALUE ...]: one Secret, its values base64-encoded.
secret() {
  name="$1"
  shift
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/part-of: judgify\ntype: Opaque\ndata:\n' "$name" "$namespace"
  while [ "$#" -gt 1 ]; do
    printf '  %s: "%s"\n' "$1" "$(printf %s "$2" | b64)"
    shift 2
  done
}

manifests() {
  secret judgify-datastores DATABASE_URL "$DATABASE_URL" REDIS_URL "$REDIS_URL"
  secret judgify-gateway JWT_SECRET "$jwt_secret"
  secret judgify-gateway-signing-key signing-key.pem "$(cat "$key_file")"
  secret judgify-llm OPENAI_API_KEY "${OPENAI_API_KEY:-}"
}

if [ "$print" = true ]; then
  manifests
else
  manifests | kubectl create -f -
fi

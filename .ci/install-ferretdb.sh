#!/usr/bin/env bash
# Builds FerretDB v1.24.2 (the MongoDB-protocol server the store contract suite runs against) into $GOBIN.
# A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
# start, because the module lacks build/version/version.txt; so build from the module source with it added.
set -euo pipefail
VERSION=v1.24.2
GOBIN="${GOBIN:-$(go env GOPATH)/bin}"
installed=$("$GOBIN/ferretdb" --version 2>/dev/null || true)
case "$installed" in
  *"version: ${VERSION}"*) exit 0 ;;
esac
dir=$(go mod download -json "github.com/FerretDB/FerretDB@${VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "could not download the FerretDB ${VERSION} module" >&2; exit 1; }
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
echo "$VERSION" > "$work/src/build/version/version.txt"
mkdir -p "$GOBIN"
(cd "$work/src" && GOFLAGS=-mod=mod go build -trimpath -o "$GOBIN/ferretdb" ./cmd/ferretdb)
version=$("$GOBIN/ferretdb" --version)
echo "${version%%$'\n'*}"

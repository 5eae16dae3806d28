#!/usr/bin/env bash
# The project's test command: set-up, static checks, the whole test suite and
# short fuzzing runs. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(go env GOPATH)/bin:$PATH"
scripts/setup.sh

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then echo "gofmt would change:"; echo "$bad"; exit 1; fi
echo "== go vet"
go vet ./...
echo "== pure-Go build"
CGO_ENABLED=0 go build ./...
if command -v staticcheck >/dev/null 2>&1; then
  echo "== staticcheck"
  staticcheck ./...
fi

echo "== go test"
go test -count=1 -timeout 15m ./...

echo "== deploy module (serving image, Kubernetes manifests)"
# Its own module, so that nerkit gains none of its dependencies; its tests
# build nerkit with CGO_ENABLED=0 and run it from the image they make.
(cd deploy && go vet ./... && if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; fi && go test -count=1 ./...)

echo "== beam module (nerkit-beam, its own go.mod)"
# The Apache Beam SDK stays out of nerkit's module; its pipelines are tested
# here, on Prism in this process and through Prism's job server.
# Everything runs pure Go (CGO_ENABLED=0), so the SDK compiles once.
(
  cd beam
  export CGO_ENABLED=0
  go vet ./...
  go build ./...
  if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; fi
  go test -count=1 -timeout 10m ./...
)

echo "== fuzz (short)"
# Each fuzz target runs briefly; the seed corpora also run as plain tests above.
# The budget is a count of executions, not a duration: go1.26's coordinator can
# report a spurious "context deadline exceeded" when a duration expires
# (go.dev/issue/75804, fixed in go1.27).
while read -r pkg target; do
  [ -n "$pkg" ] || continue
  go test -run='^$' -fuzz="^${target}\$" -fuzztime="${FUZZTIME:-20000x}" "$pkg"
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  d=$(dirname "$f")
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r t; do echo "./${d#./} $t"; done
done)
echo "all checks passed"

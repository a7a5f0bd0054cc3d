#!/usr/bin/env bash
# Builds the real test-environment binaries from their Go modules (no images, no release
# downloads) into a cache directory keyed by versions.env and this script, and prints that
# directory. A complete cache is reused as is; a missing or partial one is (re)built.
#
#   KUBENOVA_TESTENV_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubenova-testenv)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

cache=${KUBENOVA_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubenova-testenv}
key=$(cat "$here/versions.env" "$here/build.sh" "$here/wrapper-replaces.mjs" | sha256sum | cut -c1-16)
out="$cache/$key"
if [[ -f "$out/.complete" ]]; then echo "$out"; exit 0; fi

log() { echo "[testenv build] $*" >&2; }
export GOFLAGS="-mod=mod -trimpath" CGO_ENABLED=0
modcache=$(go env GOMODCACHE)
mkdir -p "$out/bin" "$out/charts" "$cache/work"
started=$SECONDS

# build NAME MODULE VERSION LDFLAGS PACKAGE... : a throwaway wrapper module requires MODULE at
# VERSION with MODULE's own replace directives (local-path ones mapped to published versions,
# see wrapper-replaces.mjs), then builds the upstream main packages from it. When a function
# patch_NAME exists, it edits a copy of the module's source, which is built instead.
build() {
  local name=$1 module=$2 version=$3 ldflags=$4; shift 4
  local work="$cache/work/$name-$version" t=$SECONDS
  log "$name $version: resolving $module"
  rm -rf "$work" && mkdir -p "$work"
  (
    cd "$work"
    go mod init "kubenova.local/testenv/$name" >/dev/null 2>&1
    local dir
    dir=$(go mod download -json "$module@$version" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
    # The upstream's own checksums: some of its replacement targets (forks at pseudo-versions)
    # are unknown to the checksum database, and the upstream go.sum vouches for them.
    [[ -f "$dir/go.sum" ]] && cp "$dir/go.sum" go.sum && chmod u+w go.sum
    go mod edit -require="$module@$version"
    mapfile -t edits < <(go mod edit -json "$dir/go.mod" | node "$here/wrapper-replaces.mjs" "$version")
    ((${#edits[@]})) && go mod edit "${edits[@]}"
    if declare -F "patch_$name" >/dev/null; then
      # Build from a patched copy of the module (go refuses overlays of module-cache files).
      cp -r "$dir" src && chmod -R u+w src
      "patch_$name" "$work/src"
      go mod edit -replace="$module=./src"
    fi
    log "$name $version: building $*"
    go build -ldflags "-s -w $ldflags" -o "$out/bin/" "$@"
  )
  log "$name $version: done in $((SECONDS - t))s"
}

kminor=${KUBERNETES_VERSION#v1.}; kminor=${kminor%%.*}
kver="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$kminor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"

build etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "" go.etcd.io/etcd/server/v3
mv "$out/bin/server" "$out/bin/etcd"
build kubernetes k8s.io/kubernetes "$KUBERNETES_VERSION" "$kver" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
build kwok sigs.k8s.io/kwok "$KWOK_VERSION" "" sigs.k8s.io/kwok/cmd/kwok
# Capsule hard-codes its health-probe listener to ":10080" (cmd/controller/main.go), so a second
# Capsule on one host (a second test cluster) cannot start. This patch lets the environment
# variable CAPSULE_HEALTH_PROBE_BIND_ADDRESS choose the address; unset, upstream behaviour stays.
patch_capsule() {
  local main="$1/cmd/controller/main.go"
  local literal='HealthProbeBindAddress:  ":10080",'
  grep -qF "$literal" "$main" || { log "capsule: '$literal' not found in $main; revisit patch_capsule"; return 1; }
  sed -i "s|$literal|HealthProbeBindAddress:  healthProbeBindAddress(),|" "$main"
  cat >> "$main" <<'GO'

func healthProbeBindAddress() string {
	if addr := os.Getenv("CAPSULE_HEALTH_PROBE_BIND_ADDRESS"); addr != "" {
		return addr
	}
	return ":10080"
}
GO
}
build capsule github.com/projectcapsule/capsule "$CAPSULE_VERSION" "" github.com/projectcapsule/capsule/cmd/controller
mv "$out/bin/controller" "$out/bin/capsule"
build kubevela github.com/oam-dev/kubevela "$KUBEVELA_VERSION" \
  "-X github.com/oam-dev/kubevela/version.VelaVersion=$KUBEVELA_VERSION" github.com/oam-dev/kubevela/cmd/core
mv "$out/bin/core" "$out/bin/vela-core"
build helm helm.sh/helm/v3 "$HELM_VERSION" "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" helm.sh/helm/v3/cmd/helm

# The components' own Helm charts (CRDs, webhooks, KubeVela's built-in Definitions) as the
# pinned modules ship them; tools/testenv renders them with the helm built above.
cp -r "$modcache/github.com/projectcapsule/capsule@$CAPSULE_VERSION/charts/capsule" "$out/charts/"
cp -r "$modcache/github.com/oam-dev/kubevela@$KUBEVELA_VERSION/charts/vela-core" "$out/charts/"
# kwok's own Stage definitions (node ready + lease heartbeat, pods to Running), read by kwok
# --config as the kustomize dir kwok-stages/fast.
cp -r "$modcache/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage" "$out/kwok-stages"
chmod -R u+w "$out/charts" "$out/kwok-stages"

log "all built in $((SECONDS - started))s into $out"
du -sh "$out/bin" >&2
touch "$out/.complete"
# Builds for other pins are dead weight: keep only this one.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" ! -name work -exec rm -rf {} +
rm -rf "$cache/work"
echo "$out"

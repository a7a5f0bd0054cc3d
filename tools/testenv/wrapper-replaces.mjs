// Reads `go mod edit -json` of an upstream go.mod on stdin and prints, one per line, the
// `go mod edit -replace=...` arguments a wrapper module needs to build it as a dependency:
// replaces to other modules are copied; replaces to local paths (k8s.io/kubernetes' staging
// modules, etcd's sub-modules) become the published version the upstream requires.
const upstreamVersion = process.argv[2];
// k8s.io/kubernetes v1.X.Y publishes its staging modules as v0.X.Y and requires them at v0.0.0.
const stagingVersion = upstreamVersion.replace(/^v1\./, 'v0.');
let input = '';
process.stdin
  .on('data', (d) => (input += d))
  .on('end', () => {
    const mod = JSON.parse(input);
    const required = new Map((mod.Require ?? []).map((r) => [r.Path, r.Version]));
    for (const { Old, New } of mod.Replace ?? []) {
      const old = Old.Version ? `${Old.Path}@${Old.Version}` : Old.Path;
      if (New.Path.startsWith('./') || New.Path.startsWith('../')) {
        // A local module the upstream does not require is outside the build graph: skip it.
        const v = required.get(Old.Path);
        if (v) console.log(`-replace=${old}=${Old.Path}@${v === 'v0.0.0' ? stagingVersion : v}`);
      } else {
        console.log(`-replace=${old}=${New.Path}${New.Version ? `@${New.Version}` : ''}`);
      }
    }
  });

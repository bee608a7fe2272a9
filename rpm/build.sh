#!/usr/bin/env bash
# Builds the tandem noarch RPM into build/rpm/RPMS/noarch/ (`make rpm`, after
# `make build`). Production dependencies are installed fresh from the lock
# file with --omit=dev --omit=optional, so nothing native sneaks in; each of
# them is declared as `Provides: bundled(nodejs-NAME) = VERSION`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
version=$(node -p "require('./package.json').version")
topdir=$root/build/rpm
stage=$topdir/stage/tandem-$version
[[ -f dist/src/cli/main.js ]] || { echo "rpm/build.sh: dist/ is missing; run 'make build' first" >&2; exit 66; }
command -v rpmbuild >/dev/null || { echo "rpm/build.sh: rpmbuild not found (Debian package 'rpm')" >&2; exit 69; }

rm -rf "$topdir"
mkdir -p "$stage" "$topdir/SOURCES"
# The compiled code without tests, source maps or benchmarks.
(cd dist && find src agents -type f -name '*.js' ! -name '*.test.js' -print0 | xargs -0 -I{} install -D -m 0644 {} "$stage/dist/{}")
# The agents' one-file bundles sit where their launchers look: /usr/lib/tandem/ocf-bundle.
[[ -d dist/ocf-bundle ]] || { echo "rpm/build.sh: dist/ocf-bundle is missing; run 'make build' first" >&2; exit 66; }
install -d "$stage/ocf-bundle"
install -m 0644 dist/ocf-bundle/*.mjs "$stage/ocf-bundle/"
cp -a package.json package-lock.json LICENSE README.md "$stage/"
mkdir -p "$stage/ocf/resource.d/tandem" "$stage/rpm"
# One launcher file; the agents' names are links to it (see ocf/tandem-launcher).
cp -a ocf/tandem-launcher "$stage/ocf/"
cp -a ocf/resource.d/tandem/. "$stage/ocf/resource.d/tandem/"
# The launcher names its interpreter directly once installed (rpmlint: env-script-interpreter).
sed -i '1s|^#!/usr/bin/env node|#!/usr/bin/node|' "$stage/ocf/tandem-launcher"
cp -a rpm/tandem.service rpm/tandem.tmpfiles rpm/tandem.conf rpm/tandem.sbin rpm/tandemd.sbin "$stage/rpm/"
(cd "$stage" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
rm -f "$stage/package-lock.json"
# Only what runs: no tests, examples, type declarations, sources or dot files
# of the bundled packages; interpreters named directly (rpmlint rejects
# `/usr/bin/env node`, and so does RHEL's brp-mangle-shebangs).
modules=$stage/node_modules
find "$modules" -depth -name '.*' -exec rm -rf {} +
find "$modules" -depth -type d \( -name test -o -name tests -o -name example -o -name examples -o -name benchmark -o -name docs \) -exec rm -rf {} +
find "$modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.c' -o -name '*.h' -o -name '*.ts' -o -name '*.tsbuildinfo' \) -delete
find "$modules" -type f -empty -delete
grep -rlZ --include='*' -m1 '^#!/usr/bin/env node' "$modules" | xargs -0 -r sed -i '1s|^#!/usr/bin/env node|#!/usr/bin/node|'

# bundled(nodejs-NAME) = VERSION for every installed production package.
node - "$stage/node_modules" >"$topdir/SOURCES/bundled-provides.inc" <<'NODE'
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const path = require('node:path');
const found = new Map();
function visit(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const full = path.join(dir, entry);
    if (entry.startsWith('@')) { visit(full); continue; }
    const manifest = path.join(full, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
      if (name && version) found.set(`${name}@${version}`, [name, version]);
    }
    visit(path.join(full, 'node_modules'));
  }
}
visit(process.argv[2]);
for (const [name, version] of [...found.values()].sort((a, b) => a[0].localeCompare(b[0]))) {
  console.log(`Provides: bundled(nodejs-${name}) = ${version}`);
}
NODE

with_daemon=0
[[ -f "$stage/dist/src/daemon/main.js" ]] && with_daemon=1
tar -C "$topdir/stage" -czf "$topdir/SOURCES/tandem-$version.tar.gz" "tandem-$version"

args=(--define "_topdir $topdir" --define "tandem_version $version" --define "with_daemon $with_daemon" --define "_sbindir /usr/sbin")
# Debian's rpm has no systemd macros: load our shim, or %systemd_post would
# be left as literal text in the scriptlets without any build error.
if [[ -z "$(rpm --eval '%{?systemd_post:defined}')" ]]; then args+=(--load "$root/rpm/macros.shim"); fi
rpmbuild -bb --quiet "${args[@]}" rpm/tandem.spec
ls "$topdir"/RPMS/noarch/tandem-"$version"-*.noarch.rpm

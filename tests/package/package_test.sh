#!/usr/bin/env bash
# The Debian package, installed into a throwaway root (nothing on this system changes):
#   1. CPack builds the .deb from the already-built tree: `cmake --install --strip` into a staging
#      directory, then cpack packs that directory with the project's CPack configuration (cpack's
#      own install step would first build every target of the tree; this never builds);
#   2. dpkg-deb unpacks it; the files, modes, conffiles and maintainer scripts are where an
#      operator expects them;
#   3. the packaged `silta --version` runs and names the project's version;
#   4. `silta config check` on the shipped /etc/silta/silta.json fails with a clear message
#      until the operator's files exist, and passes once they do (the demo PKI's certificates,
#      keys made by `silta keygen`, each secret mode 0600);
#   5. `systemd-analyze verify` finds nothing wrong with the unit, which has the hardening
#      docs/operations.md promises and sends SIGHUP on reload.
#
# usage: package_test.sh BUILD_DIR CERTS_DIR VERSION
set -euo pipefail

build=$1 certs=$2 version=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/silta-package-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
checks=0
ok() { checks=$((checks + 1)); echo "ok: $*"; }

# 1. The package.
DESTDIR="$work/stage" cmake --install "$build" --prefix /usr --strip >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "cmake --install failed"; }
cpack --config "$build/CPackConfig.cmake" -B "$work/out" -D CPACK_INSTALL_CMAKE_PROJECTS= \
  -D "CPACK_INSTALLED_DIRECTORIES=$work/stage;/" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$work"/out/silta_"$version"_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no silta_${version}_*.deb in $work/out"
ok "built $(basename "$deb")"

# 2. Its contents.
root="$work/root"
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$work/control"
for f in usr/bin/silta etc/silta/silta.json etc/silta/registry.json lib/systemd/system/silta.service \
         usr/share/silta/catalogs/fi/catalog.json usr/share/doc/silta/operations.md \
         usr/share/doc/silta/examples/prometheus/silta.rules.yml; do
  [ -e "$root/$f" ] || fail "/$f is not in the package"
done
[ -x "$root/usr/bin/silta" ] || fail "/usr/bin/silta is not executable"
for f in postinst prerm postrm conffiles; do
  [ -f "$work/control/$f" ] || fail "the package has no $f"
done
grep -qx /etc/silta/silta.json "$work/control/conffiles" || fail "silta.json is not a conffile"
grep -q 'adduser --system' "$work/control/postinst" || fail "postinst makes no system user"
grep -q '^Depends:.*adduser' "$work/control/control" || fail "the package does not depend on adduser"
if find "$root" -name '*.key' | grep -q .; then fail "the package contains a key file"; fi
ok "files, conffiles and maintainer scripts"

# 3. The binary runs from the package.
got=$("$root/usr/bin/silta" --version)
[ "$got" = "silta $version" ] || fail "silta --version said \"$got\", expected \"silta $version\""
ok "silta --version: $got"

# 4. The shipped configuration: refused until the operator's files exist, then valid.
config="$root/etc/silta/silta.json"
if "$root/usr/bin/silta" config check "$config" >"$work/check.out" 2>&1; then
  fail "config check passed without certificates and keys"
fi
grep -q '/tls/certificate' "$work/check.out" || { cat "$work/check.out"; fail "no pointer to the missing certificate"; }
grep -q '/audit/signing_key' "$work/check.out" || { cat "$work/check.out"; fail "no pointer to the missing signing key"; }
ok "config check names what the operator must provide"

etc="$root/etc/silta"
install -d -m 0700 "$etc/tls" "$etc/keys"
install -m 0644 "$certs/gateway.pem" "$etc/tls/gateway.pem"
install -m 0600 "$certs/gateway.key" "$etc/tls/gateway.key"
install -m 0644 "$certs/root-ca.pem" "$etc/tls/federation-ca.pem"
install -m 0644 "$certs/crl.pem" "$etc/tls/federation-crl.pem"
"$root/usr/bin/silta" keygen --dir "$etc/keys" --name silta.test/package >/dev/null 2>&1 ||
  fail "silta keygen failed"
chmod 0644 "$etc/tls/gateway.key"
if "$root/usr/bin/silta" config check "$config" >"$work/check.out" 2>&1; then
  fail "config check accepted a TLS key that others can read"
fi
chmod 0600 "$etc/tls/gateway.key"
"$root/usr/bin/silta" config check "$config" >"$work/check.out" 2>&1 ||
  { cat "$work/check.out"; fail "config check refused the provisioned configuration"; }
ok "config check: $(cat "$work/check.out")"

# 5. The unit. verify --root wants the system's targets and /bin/kill inside the root.
unit="$root/lib/systemd/system/silta.service"
for directive in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
                 CapabilityBoundingSet= ReadWritePaths=/var/lib/silta User=silta \
                 'ExecReload=/bin/kill -HUP $MAINPID' StandardOutput=journal; do
  grep -qxF -- "$directive" "$unit" || fail "the unit lacks $directive"
done
if command -v systemd-analyze >/dev/null; then
  install -d "$root/tmp" "$root/bin"
  cp /bin/kill "$root/bin/kill"
  cp /lib/systemd/system/*.target /lib/systemd/system/*.slice "$root/lib/systemd/system/"
  systemd-analyze verify --root="$root" "$unit" >"$work/verify.out" 2>&1 ||
    { cat "$work/verify.out"; fail "systemd-analyze verify failed"; }
  [ ! -s "$work/verify.out" ] || { cat "$work/verify.out"; fail "systemd-analyze verify warned"; }
  ok "systemd-analyze verify: clean"
else
  fail "systemd-analyze is missing: run scripts/install-deps"
fi

echo "$checks passed, 0 failed"

#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not installed
# yet. Does nothing when all are present, so a second `make test` is fast.
# As a non-root user it only reports what is missing: the tests that need a
# missing package then fail and say so.
set -euo pipefail
missing=()
for package in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "install-debs: not root; missing Debian packages: ${missing[*]}" >&2
  exit 0
fi
echo "install-debs: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps Debian's postinst scripts from starting services (postgresql,
# keepalived ...) on the build machine: tests start their own instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; created_policy=1
fi
trap '[[ $created_policy -eq 1 ]] && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# What `commerce-ci cluster up` runs beside the Kubernetes and Argo CD binaries it builds from
# their Go modules: etcd, containerd, runc and the CNI plugins (bridge, host-local, loopback), plus
# conntrack and iptables for kube-proxy, all from Debian's packages. Their own services are not
# wanted: the cluster starts its own processes on 127.0.0.1 and stops them on `cluster down`.
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(etcd-server containerd runc containernetworking-plugins conntrack iptables)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    created_policy=1
  fi
  apt-cache show "${missing[@]}" >/dev/null 2>&1 || timeout 600 apt-get update -q
  timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
fi
for tool in etcd containerd runc conntrack; do
  command -v "$tool" >/dev/null || { echo "$tool missing after installing ${packages[*]}" >&2; exit 1; }
done
test -x /usr/lib/cni/bridge || { echo "/usr/lib/cni/bridge missing (containernetworking-plugins)" >&2; exit 1; }
echo "cluster packages: $(dpkg-query -W -f='${Package} ${Version}, ' "${packages[@]}")"

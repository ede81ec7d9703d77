#!/bin/sh
# Runs once inside a node image's root filesystem at build time (chroot on the offline route, RUN on the online
# route). Everything a node needs beyond the database and Debian packages is prepared here.
set -eu

# The database keeps its files here; at run time a size-limited tmpfs is mounted over it.
mkdir -p /data
chmod 0755 /data

# iptables has two backends. Debian's default (nft) works in containers on most kernels; where it does not, the
# image builder re-imports the image with this directory first on PATH, which selects the legacy backend.
mkdir -p /usr/local/lib/splitbrain/legacy-bin
for tool in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  if [ -x "/usr/sbin/${tool%%-*}-legacy${tool#${tool%%-*}}" ]; then
    ln -sf "/usr/sbin/${tool%%-*}-legacy${tool#${tool%%-*}}" "/usr/local/lib/splitbrain/legacy-bin/$tool"
  fi
done

# Packages on Debian start their daemons through init scripts; nodes start the database themselves.
for svc in redis-server redis-sentinel valkey-server valkey-sentinel; do
  rm -f "/etc/init.d/$svc" 2>/dev/null || true
done

# Smaller images import faster: documentation, man pages and apt lists are never read in a node.
rm -rf /usr/share/doc/* /usr/share/man/* /usr/share/info/* /var/lib/apt/lists/* /var/cache/apt/archives/*.deb

#!/usr/bin/env bash
# A Debian 12 (bookworm) base image made without a container registry, for course/cluster/Dockerfile
# where docker.io cannot be reached: `debootstrap --variant=minbase` (essential packages and apt, as
# the official debian:bookworm-slim), imported with `podman import` and tagged under the name the
# Dockerfile's FROM uses, so that `podman build -f course/cluster/Dockerfile .` then works offline.
# Run it as root (debootstrap), with Debian's debootstrap and podman:
#
#   course/cluster/debian-base.sh [NAME]        # NAME: docker.io/library/debian:bookworm-slim
#
# DEBIAN_MIRROR (http://deb.debian.org/debian) and PODMAN (podman, e.g. "podman --root DIR") may be set.
# The image's apt sources are bookworm, bookworm-updates and bookworm-security, as the official image's.
set -euo pipefail
name=${1:-docker.io/library/debian:bookworm-slim}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
read -r -a podman <<< "${PODMAN:-podman}"
work=$(mktemp -d /var/tmp/debian-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase bookworm "$work/root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
rm -f "$work/root/etc/apt/sources.list"
cat > "$work/root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# As the official image: no package lists, caches or logs of the build, and no host name baked in.
rm -rf "$work"/root/var/lib/apt/lists/* "$work"/root/var/cache/apt/*.bin "$work"/root/var/cache/apt/archives/*.deb \
  "$work"/root/var/log/* "$work/root/etc/hostname"
tar --numeric-owner --xattrs -C "$work/root" -c . \
  | "${podman[@]}" import --quiet --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --message "debootstrap --variant=minbase bookworm $mirror" - "$name" > /dev/null
echo "$name"

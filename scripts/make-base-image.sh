#!/usr/bin/env bash
# Makes sure the Docker engine has debian:bookworm-slim (the FROM of docker/Dockerfile) without an
# image registry: when `docker image inspect` finds it, this returns at once; otherwise it builds a
# Debian 12 root file system with `debootstrap --variant=minbase` from the host's Debian mirror,
# trims it the way the official slim image is trimmed (no docs but copyright files, no man pages,
# info pages or locales beyond the built-in C.UTF-8, no apt lists or caches) and imports it.
#
# Usage: scripts/make-base-image.sh [--force]
#   --force          rebuild and re-import even when the image exists
# Environment:
#   APL_BASE_IMAGE   image name to create (default debian:bookworm-slim)
#   APL_MIRROR       Debian mirror (default: the host's /etc/apt sources, else deb.debian.org)
#   APL_SECURITY_MIRROR  security mirror written into the image's sources
#                        (default: the host's, else deb.debian.org/debian-security)
# Needs root (debootstrap) and a running Docker engine; installs debootstrap with apt-get if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${APL_BASE_IMAGE:-debian:bookworm-slim}
suite=bookworm
force=0
for arg in "$@"; do
  case $arg in
    --force) force=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-base-image: unknown argument $arg" >&2; exit 2 ;;
  esac
done

log() { echo "make-base-image: $*" >&2; }

if ! docker info >/dev/null 2>&1; then
  log "the Docker engine does not answer (docker info failed)"; exit 1
fi

image_size() {
  docker image inspect -f '{{.Size}}' "$1" | awk '{printf "%.1f MB (%d bytes)", $1 / 1e6, $1}'
}

if ((force == 0)) && docker image inspect "$image" >/dev/null 2>&1; then
  log "$image exists ($(image_size "$image")); nothing to do"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  log "debootstrap needs root; run as root (or with sudo)"; exit 1
fi

# URIs of the host's apt sources for one suite, one-line (sources.list) and deb822 (.sources) formats.
host_uris() {  # $1 = suite, e.g. bookworm or bookworm-security
  local want=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    # deb [options] URI SUITE COMPONENTS...
    sed -E 's/#.*//; s/\[[^]]*\]//' "$f" | awk -v s="$want" '$1 == "deb" && $3 == s { print $2 }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    awk -v s="$want" '
      function flush() { if (deb && hit) for (i = 1; i <= n; i++) print u[i]; deb = hit = n = 0 }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
      tolower($1) == "uris:" { for (i = 2; i <= NF; i++) u[++n] = $i }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) hit = 1 }
      tolower($1) == "enabled:" && tolower($2) == "no" { deb = 0 }
      END { flush() }' "$f"
  done
}

mirror=${APL_MIRROR:-$(host_uris "$suite" | grep -E '^https?://' | head -n1 || true)}
mirror=${mirror:-http://deb.debian.org/debian}
security=${APL_SECURITY_MIRROR:-$(host_uris "$suite-security" | grep -E '^https?://' | head -n1 || true)}
security=${security:-http://deb.debian.org/debian-security}

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/apl-rootfs.XXXXXX")
root=$work/rootfs
# debootstrap mounts proc and sys (and, in an LXC container, binds host device nodes) inside the
# root; a run that dies can leave them mounted. Unmount those first, and never let rm cross into
# another file system.
release_mounts() {
  awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r \
    | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
cleanup() { release_mounts; rm -rf --one-file-system "$work"; }
trap cleanup EXIT
# Downloaded .debs are kept under .cache/ (git-ignored) so a rebuild does not fetch them again.
cache=$PWD/.cache/debootstrap
mkdir -p "$cache"

start=$(date +%s)
log "debootstrap --variant=minbase $suite from $mirror (log: $work/debootstrap.log)"
if ! debootstrap --variant=minbase --cache-dir="$cache" "$suite" "$root" "$mirror" \
    >"$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  [[ -f $root/debootstrap/debootstrap.log ]] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
  log "debootstrap failed"; exit 1
fi
log "debootstrap took $(( $(date +%s) - start )) s; rootfs $(du -sh --exclude=./proc "$root" | cut -f1)"

log "trimming like the slim image (docs, man, info, locales, apt lists and caches)"
# Keep later `apt-get install` runs inside the image just as slim (what debuerreotype's slimify and
# the official image's /etc/apt/apt.conf.d/docker-* files do).
cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# Slim image: no documentation but copyright files, no man/info pages, no locales.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
# Same sources as the official image: the release, its updates and the security archive.
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$root"/usr/share/{man,groff,info,lintian,linda,locale}/*
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
  "$root"/var/lib/dpkg/*-old "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/debootstrap \
  "$root"/tmp/* "$root"/var/tmp/* "$root"/root/.bash_history
# The engine mounts its own /dev, /proc, /sys, /etc/hostname, /etc/hosts and /etc/resolv.conf.
release_mounts
rm -rf --one-file-system "$root"/dev/* "$root"/proc/* "$root"/sys/*
: >"$root/etc/machine-id"
: >"$root/etc/resolv.conf"
rm -f "$root/etc/hostname"

log "importing $(du -sh "$root" | cut -f1) as $image"
tar --numeric-owner -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' \
  --change "LABEL org.opencontainers.image.description=\"debootstrap minbase $suite, trimmed like slim\"" \
  --message "scripts/make-base-image.sh: debootstrap --variant=minbase $suite" \
  - "$image" >/dev/null

log "$image imported in $(( $(date +%s) - start )) s in all; size $(image_size "$image")"

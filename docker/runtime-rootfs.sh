#!/usr/bin/env bash
# Assembles the small root file system that the runtime images copy onto `scratch`, from the
# Debian packages installed in the stage it runs in.
#
#   docker/runtime-rootfs.sh packages BINARY...
#     prints the Debian packages that own the shared libraries BINARY... load (ldd), one per line
#   docker/runtime-rootfs.sh rootfs DEST BINARY...
#     copies into DEST every file of those packages, plus bash (HEALTHCHECK, `docker exec`),
#     base-files, netbase and busybox where installed (its applets linked in /usr/local/bin), the
#     CA trust store, a dpkg status.d record per package, /etc/passwd and /etc/group with the
#     unprivileged user `apl` (uid/gid 10001), and /state and /home/apl owned by it.
#
# Whole packages rather than single libraries, so what is loaded at run time without ldd seeing
# it (OpenSSL providers, glibc NSS modules) is there too; docs (but copyright files), man pages,
# locales and glibc's gconv modules (iconv, ~8 MB, unused) are left out.
set -euo pipefail

libs_of() {  # shared objects that the given ELF files load, with the dynamic loader
  ldd "$@" 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(/ { print $1 }' | sort -u
}

owner_of() {  # Debian package that ships a file (merged-/usr: try the path as given, then resolved)
  local f=$1 p
  for p in "$f" "$(readlink -f "$f")" "${f#/usr}" "/usr$f"; do
    if dpkg-query -S "$p" >/dev/null 2>&1; then
      dpkg-query -S "$p" | head -n1 | cut -d: -f1
      return
    fi
  done
  echo "runtime-rootfs: no package ships $f" >&2
  return 1
}

packages_of() {
  local lib
  for lib in $(libs_of "$@"); do owner_of "$lib"; done | sort -u
}

mode=${1:-}
case $mode in
  packages)
    shift
    packages_of "$@"
    ;;
  rootfs)
    dest=$2
    shift 2
    mapfile -t pkgs < <( {
      packages_of "$@" /bin/bash
      for pkg in bash base-files netbase busybox; do  # those that are installed
        if [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]]; then
          echo "$pkg"
        fi
      done; } | sort -u)
    echo "runtime-rootfs: packages: ${pkgs[*]}" >&2
    mkdir -p "$dest"
    # Merged /usr as in the base image: /bin, /lib, /lib64 and /sbin are links into /usr.
    for d in bin lib lib64 sbin; do
      if [[ -L /$d ]]; then cp -a "/$d" "$dest/"; fi
    done
    list=$(mktemp)
    for pkg in "${pkgs[@]}"; do
      dpkg-query -L "$pkg" | while IFS= read -r f; do
        [[ -e $f || -L $f ]] && [[ ! -d $f || -L $f ]] || continue
        case $f in
          /usr/share/doc/*/copyright) ;;
          /usr/share/doc/*|/usr/share/man/*|/usr/share/info/*|/usr/share/locale/*) continue ;;
          /usr/share/lintian/*|/usr/share/bug/*|/usr/share/menu/*|*/gconv/*) continue ;;
        esac
        # Name every file by its real directory so nothing is extracted over a /usr link.
        d=$(readlink -f "$(dirname "$f")")
        d="$d/$(basename "$f")"
        echo "${d#/}"
      done
    done | sort -u >"$list"
    tar -C / -cf - --no-recursion --files-from="$list" \
      | tar -C "$dest" --keep-directory-symlink -xf -
    # Whole trees: the trust store that ca-certificates generated, OpenSSL's configuration, the
    # loader's configuration, name service switch.
    extra=()
    for f in etc/ssl usr/lib/ssl usr/share/ca-certificates etc/nsswitch.conf etc/ld.so.conf \
        etc/ld.so.conf.d; do
      if [[ -e /$f ]]; then extra+=("$f"); fi
    done
    tar -C / -cf - "${extra[@]}" | tar -C "$dest" --keep-directory-symlink -xf -
    rm -f "$list"

    # A dpkg record per package (the distroless layout that image scanners read).
    mkdir -p "$dest/var/lib/dpkg/status.d"
    for pkg in "${pkgs[@]}"; do
      dpkg-query -s "$pkg" >"$dest/var/lib/dpkg/status.d/$pkg"
    done

    ln -sf bash "$dest/usr/bin/sh"
    # busybox's applets (ls, cat, ps, vi, wget, nc ...) for `docker exec`: nothing else has them.
    if [[ -x /bin/busybox ]]; then
      for applet in $(/bin/busybox --list); do
        case $applet in sh|ash|hush|busybox) continue ;; esac
        for d in usr/bin usr/sbin usr/local/bin; do
          [[ -e $dest/$d/$applet || -L $dest/$d/$applet ]] && continue 2
        done
        mkdir -p "$dest/usr/local/bin"
        ln -s /usr/bin/busybox "$dest/usr/local/bin/$applet"
      done
    fi
    cat >"$dest/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
apl:x:10001:10001:aastra provisioning lab:/home/apl:/bin/bash
PASSWD
    cat >"$dest/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
apl:x:10001:
GROUP
    install -d -m 0700 "$dest/root"
    install -d -m 1777 "$dest/tmp" "$dest/var/tmp"
    install -d -m 0755 -o 10001 -g 10001 "$dest/home/apl" "$dest/state"
    ldconfig -r "$dest"
    echo "runtime-rootfs: $(du -sh "$dest" | cut -f1) in $dest" >&2
    ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

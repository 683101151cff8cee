# t_library.sh - the shared library exports the public API (unspin_*) and
# nothing else, and a program built against the header links and runs.
SO=$(dirname "$UNSPIN")/libunspin.so
if [ -f "$SO" ] && command -v nm >/dev/null 2>&1; then
    nm -D --defined-only "$SO" | awk '$2 == "T" {print $3}' >"$T/exports"
    if grep -qx unspin_version "$T/exports" && grep -qx unspin_tokenize "$T/exports"; then
        ok lib-exports-api
    else
        fail lib-exports-api "public functions missing from $SO"
    fi
    if grep -v '^unspin_' "$T/exports" | grep -q .; then
        fail lib-exports-only-api "exports internal symbols: $(grep -v '^unspin_' "$T/exports" | head -n 5 | tr '\n' ' ')"
    else
        ok lib-exports-only-api
    fi
    # (a sanitizer build's library needs a sanitizer-linked program: skipped)
    if ! nm -D "$SO" | grep -q ' U __asan'; then
    printf '#include "unspin.h"\n#include <stdio.h>\n#include <string.h>\nint main(void) { return strcmp(unspin_version(), UNSPIN_VERSION_STRING) != 0; }\n' >"$T/use.c"
    if ${CC:-cc} -std=c11 -Iinclude "$T/use.c" -L"$(dirname "$SO")" -lunspin -o "$T/use" 2>"$T/cc.err" &&
        LD_LIBRARY_PATH=$(dirname "$SO") "$T/use"; then
        ok lib-link-shared
    else
        fail lib-link-shared "$(head -c 300 "$T/cc.err")"
    fi
    fi
fi

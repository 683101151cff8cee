# t_tokens.sh - `unspin tokens`: exit codes, errors, and the byte-exact round trip.
# (sourced by tests/cli/run.sh: $UNSPIN is the binary, $T a scratch folder)

tok_roundtrip() { # NAME FILE [OPTIONS]: rebuild FILE from the JSON tokens
    name=$1; file=$2; shift 2
    if ! "$UNSPIN" tokens --json "$@" "$file" >"$T/tok.json" 2>"$T/tok.err"; then
        fail "$name" "exit $?: $(head -c 300 "$T/tok.err")"; return
    fi
    if ! python3 -c '
import json, sys
out = open(sys.argv[2], "wb")
for line in open(sys.argv[1], encoding="utf-8"):
    out.write(json.loads(line)["text"].encode("utf-8", "surrogateescape"))
' "$T/tok.json" "$T/tok.back" 2>"$T/tok.err"; then
        fail "$name" "bad JSON: $(head -c 300 "$T/tok.err")"; return
    fi
    if cmp -s "$file" "$T/tok.back"; then ok "$name"; else fail "$name" "round trip differs from $file"; fi
}

expect tokens-fixture 0 -- "$UNSPIN" tokens tests/data/tok-news.txt
tok_roundtrip tokens-roundtrip-news tests/data/tok-news.txt
tok_roundtrip tokens-roundtrip-mixed tests/data/tok-mixed.txt
tok_roundtrip tokens-roundtrip-science tests/data/tok-science.txt

head -c 100000 /dev/urandom >"$T/random.bin"
tok_roundtrip tokens-roundtrip-binary "$T/random.bin"

# more than one read block (1 MiB): long tokens and block edges
python3 -c '
import random
random.seed(7)
w = ["Kim\u2019s", "didn'"'"'t", "U.S.", "\u201cquoted\u201d", "3.5", "Mosk\u0432a", "\U0001F44D", "a" * 5000, "\n\n", " "]
print(" ".join(random.choice(w) for _ in range(400000)))' >"$T/big.txt"
tok_roundtrip tokens-roundtrip-big "$T/big.txt"

# text output: one line per token, offsets add up
printf 'Mr. Kim said: "It\342\200\231s fine."\n' >"$T/s.txt"
"$UNSPIN" tokens "$T/s.txt" >"$T/s.out" 2>&1
if grep -q '^0	3	word	title	S	Mr\.$' "$T/s.out" && grep -q '	word	lower	Q	’s$' "$T/s.out"; then
    ok tokens-text-format
else
    fail tokens-text-format "$(head -c 300 "$T/s.out")"
fi

: >"$T/empty.txt"
expect tokens-empty 0 -- "$UNSPIN" tokens "$T/empty.txt"
if [ -s "$T/out" ]; then fail tokens-empty-output "output on an empty file"; else ok tokens-empty-output; fi

expect tokens-missing 2 'nosuch' -- "$UNSPIN" tokens "$T/nosuch.txt"
expect tokens-directory 2 "$T" -- "$UNSPIN" tokens "$T"
expect tokens-bad-option 2 'bogus' -- "$UNSPIN" tokens --bogus
expect tokens-help 0 -- "$UNSPIN" tokens --help
expect tokens-unknown-command 2 'tokenz' -- "$UNSPIN" tokenz

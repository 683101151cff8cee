# t_lm.sh - `unspin lm`: import, info, verify, score, export, and broken models.
A=tests/data/tiny.arpa
expect lm-import 0 -- "$UNSPIN" lm import -o "$T/tiny.uslm" "$A"
expect lm-import-q8 0 -- "$UNSPIN" lm import -q 8 -o "$T/tiny8.uslm" "$A"
expect lm-import-badq 2 'quantize' -- "$UNSPIN" lm import -q 1 -o "$T/x.uslm" "$A"
expect lm-info 0 -- "$UNSPIN" lm info "$T/tiny.uslm"
grep -q '^3-grams *19$' "$T/out" && ok lm-info-counts || fail lm-info-counts "$(cat "$T/out")"
expect lm-info-json 0 -- "$UNSPIN" lm info --json "$T/tiny8.uslm"
grep -q '"counts":\[7,16,19\],"quantize_bits":8' "$T/out" && ok lm-info-json-q || fail lm-info-json-q "$(cat "$T/out")"
expect lm-verify 0 -- "$UNSPIN" lm verify "$T/tiny.uslm"

# scoring: hand-checked values from tests/unit/test_lm.c
printf 'a b c\n' >"$T/s.txt"
printf 'a\t-0.447158\t2\nb\t-0.30103\t3\nc\t-0.20412\t3\n</s>\t-0.425969\t3\n# sentences 1 tokens 4 oov 0 logprob -1.378277 perplexity 2.2109 perplexity_no_oov 2.2109\n' >"$T/want"
expect_out lm-score "$T/want" -- "$UNSPIN" lm score --model "$T/tiny.uslm" "$T/s.txt"
expect_out lm-score-pretok "$T/want" -- "$UNSPIN" lm score -p --model "$T/tiny.uslm" "$T/s.txt"
printf 'A b zz\n' >"$T/s2.txt"
expect lm-score-json 0 -- "$UNSPIN" lm score --json --model "$T/tiny.uslm" "$T/s2.txt"
grep -q '^{"token":"zz","logprob":-[0-9.]*,"oov":true,"ngram_length":1}$' "$T/out" && ok lm-score-json-oov || fail lm-score-json-oov "$(cat "$T/out")"
grep -q '^{"summary":true,"perplexity":[0-9.]*,"perplexity_no_oov":[0-9.]*,"tokens":4,"oov":1,"sentences":1' "$T/out" && ok lm-score-json-summary || fail lm-score-json-summary "$(tail -n 1 "$T/out")"
expect lm-score-pretok-case 0 -- "$UNSPIN" lm score -p -j --model "$T/tiny.uslm" "$T/s2.txt"
grep -q '"token":"A","logprob":[-0-9.]*,"oov":true' "$T/out" && ok lm-score-pretok-nolower || fail lm-score-pretok-nolower "$(head -n 1 "$T/out")"
expect lm-score-nomodel 3 'default.uslm' -- sh -c 'cd "$1" && UNSPIN_MODELS="$1/none" exec "$2" lm score "$1/s.txt"' sh "$T" "$UNSPIN"
expect lm-score-missing-input 2 'nope.txt' -- "$UNSPIN" lm score --model "$T/tiny.uslm" "$T/nope.txt"

# export: ARPA that imports to the identical file
expect lm-export 0 -- "$UNSPIN" lm export -o "$T/rt.arpa" "$T/tiny.uslm"
expect lm-reimport 0 -- "$UNSPIN" lm import -o "$T/rt.uslm" "$T/rt.arpa"
cmp -s "$T/tiny.uslm" "$T/rt.uslm" && ok lm-roundtrip-identical || fail lm-roundtrip-identical "files differ"
expect lm-export-stdout 0 -- "$UNSPIN" lm export "$T/tiny.uslm"
cmp -s "$T/out" "$T/rt.arpa" && ok lm-export-stdout-same || fail lm-export-stdout-same "differs"

# broken models: one stderr line, exit 3
cp "$T/tiny.uslm" "$T/flip.uslm"
printf 'X' | dd of="$T/flip.uslm" bs=1 seek=1800 conv=notrunc 2>/dev/null
expect lm-verify-corrupt 3 'checksum mismatch' -- "$UNSPIN" lm verify "$T/flip.uslm"
head -c 1000 "$T/tiny.uslm" >"$T/trunc.uslm"
expect lm-verify-truncated 3 'truncated' -- "$UNSPIN" lm verify "$T/trunc.uslm"
expect lm-info-notmodel 3 'bad magic' -- "$UNSPIN" lm info "$A"
{ printf 'USLM-INC'; tail -c +9 "$T/tiny.uslm"; } >"$T/inc.uslm"
expect lm-info-incomplete 3 'unfinished' -- "$UNSPIN" lm info "$T/inc.uslm"
expect lm-verify-missing 3 'nope.uslm' -- "$UNSPIN" lm verify "$T/nope.uslm"

# malformed ARPA: line-numbered error, exit 2
printf '\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a\n\\2-grams:\n-1 a\n\\end\\\n' >"$T/bad.arpa"
expect lm-import-malformed 2 'bad.arpa:7: expected 2 words, got 1' -- "$UNSPIN" lm import -o "$T/bad.uslm" "$T/bad.arpa"

# usage
expect lm-nocmd 2 'expected a command' -- "$UNSPIN" lm
expect lm-badcmd 2 "unknown command 'frob'" -- "$UNSPIN" lm frob
for sub in score info verify export import; do
    expect "lm-$sub-help" 0 -- "$UNSPIN" lm "$sub" --help
    grep -q "^usage: unspin lm $sub" "$T/out" && ok "lm-$sub-help-text" || fail "lm-$sub-help-text" "$(head -n 1 "$T/out")"
done
expect lm-info-noarg 2 'expected one model file' -- "$UNSPIN" lm info

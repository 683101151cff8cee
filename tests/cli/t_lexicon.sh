# t_lexicon.sh - `unspin build lexicon` and `unspin lexicon` on the fixtures of tests/data/lex.
LX=tests/data/lex
expect lex_build 0 -- "$UNSPIN" build lexicon -o "$T/lex.uslex" --wordnet $LX/wordnet --mythes $LX/mythes.dat \
    --aiksaurus $LX/aiksaurus --gcide $LX/gcide --embeddings $LX/emb.json \
    --morph-american $LX/american.txt --morph-british $LX/british.txt
expect lex_build_again 0 -- "$UNSPIN" build lexicon -o "$T/lex2.uslex" --wordnet $LX/wordnet --mythes $LX/mythes.dat \
    --aiksaurus $LX/aiksaurus --gcide $LX/gcide --embeddings $LX/emb.json \
    --morph-american $LX/american.txt --morph-british $LX/british.txt
if cmp -s "$T/lex.uslex" "$T/lex2.uslex"; then ok lex_deterministic; else fail lex_deterministic "two builds differ"; fi

"$UNSPIN" lexicon --model "$T/lex.uslex" stated >"$T/out" 2>"$T/err"
if grep -q "^stated	1	said	" "$T/out"; then ok lex_lookup; else fail lex_lookup "$(cat "$T/out" "$T/err" | head -5)"; fi
"$UNSPIN" lexicon --model "$T/lex.uslex" --json "machine intelligence" >"$T/out" 2>"$T/err"
if grep -q '"text":"artificial intelligence","span":2' "$T/out"; then ok lex_phrase_json; else fail lex_phrase_json "$(head -c 300 "$T/out")"; fi
"$UNSPIN" lexicon --model "$T/lex.uslex" "didn't" >"$T/out" 2>"$T/err"
if grep -q "	2	did not	function" "$T/out"; then ok lex_contraction; else fail lex_contraction "$(head -c 300 "$T/out")"; fi
"$UNSPIN" lexicon --model "$T/lex.uslex" --similar big -k 1 >"$T/out" 2>"$T/err"
if grep -q "	large	embedding" "$T/out"; then ok lex_similar; else fail lex_similar "$(head -c 300 "$T/out")"; fi
mkdir -p "$T/empty"
(cd "$T/empty" && UNSPIN_MODELS="$T/empty" "$UNSPIN" lexicon qwertyuiop >"$T/out" 2>"$T/err")
if [ $? -eq 3 ]; then ok lex_default_missing; else fail lex_default_missing "want exit 3"; fi
cp "$T/lex.uslex" "$T/default.uslex"
UNSPIN_MODELS=$T "$UNSPIN" lexicon --verify huge >"$T/out" 2>"$T/err"
if grep -q "	big	" "$T/out"; then ok lex_default_model; else fail lex_default_model "$(head -c 300 "$T/err")"; fi

expect lex_usage 2 "lexicon" -- "$UNSPIN" lexicon --model "$T/lex.uslex"
expect lex_build_usage 2 "build lexicon" -- "$UNSPIN" build lexicon --wordnet $LX/wordnet
expect lex_build_missing_source 2 "no-such" -- "$UNSPIN" build lexicon -o "$T/x.uslex" --mythes "$T/no-such.dat"
expect lex_missing_model 3 "nope.uslex" -- "$UNSPIN" lexicon --model "$T/nope.uslex" big
head -c 100 "$T/lex.uslex" >"$T/trunc.uslex"
expect lex_truncated 3 "trunc.uslex" -- "$UNSPIN" lexicon --model "$T/trunc.uslex" big
cp "$T/lex.uslex" "$T/v.uslex"; printf "\\002" | dd of="$T/v.uslex" bs=1 seek=8 conv=notrunc 2>/dev/null
expect lex_version 3 "version" -- "$UNSPIN" lexicon --model "$T/v.uslex" big
cp "$T/lex.uslex" "$T/c.uslex"
sz=$(wc -c <"$T/c.uslex")
printf 'Z' | dd of="$T/c.uslex" bs=1 seek=$((sz - 30)) conv=notrunc 2>/dev/null
expect lex_checksum 3 "checksum" -- "$UNSPIN" lexicon --verify --model "$T/c.uslex" big

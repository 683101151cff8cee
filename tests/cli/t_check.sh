# tests/cli/t_check.sh - `unspin check` on fixture models built from
# tests/data/restore.arpa and tests/data/restore-thes.dat.

expect check_help 0 -- "$UNSPIN" check --help
expect check_bad_threshold 2 -- "$UNSPIN" check --threshold 2
expect check_bad_option 2 -- "$UNSPIN" check --no-such-option
expect check_missing_model 3 'language model not found' -- \
    env UNSPIN_MODELS="$T/none" sh -c "cd '$T' && '$UNSPIN' check </dev/null"

if "$UNSPIN" lm import tests/data/restore.arpa -o "$T/c.uslm" >/dev/null 2>&1 &&
   "$UNSPIN" build lexicon -o "$T/c.uslex" --mythes tests/data/restore-thes.dat --no-function-words >/dev/null 2>&1; then
    C="$UNSPIN check --model $T/c.uslm --lexicon $T/c.uslex"
    expect check_missing_lexicon 3 'lexicon not found' -- "$UNSPIN" check --model "$T/c.uslm" --lexicon "$T/none.uslex"
    expect check_missing_weights 3 'weights not found' -- $C --weights "$T/none.uscheck"
    printf 'USCHECK\001xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' >"$T/bad.uscheck"
    expect check_corrupt_weights 3 'bad.uscheck' -- $C --weights "$T/bad.uscheck"
    expect check_missing_input 2 'nonexistent' -- $C "$T/nonexistent.txt"
    printf 'He mentioned that it rained.\n\nHe said that it rained.\n' >"$T/in.txt"
    # one JSON record per line (blank line included) and the document summary
    $C --json "$T/in.txt" >"$T/json" 2>"$T/err"
    rc=$?
    if [ "$rc" -le 1 ] && [ "$(wc -l <"$T/json")" -eq 4 ] &&
       grep -q '^{"line":1,"p_spun":[0-9.]*,"p_local":[0-9.]*,"words":5,"spans":\[{"start":3,"end":12,"text":"mentioned","score":[0-9.]*,"suggestion":"said"}\]}$' "$T/json" &&
       grep -q '^{"line":2,"p_spun":[0-9.]*,"p_local":[0-9.]*,"words":0,"spans":\[\]}$' "$T/json" &&
       grep -q '^{"line":3,"p_spun":[0-9.]*,"p_local":[0-9.]*,"words":5,"spans":\[\]}$' "$T/json" &&
       grep -q '^{"document":true,"p_spun":[0-9.]*,"paragraphs":3}$' "$T/json"; then
        ok check_json
    else
        fail check_json "exit $rc: $(cat "$T/json" "$T/err")"
    fi
    # the spun line scores higher than the original
    p1=$(sed -n 1p "$T/json" | sed 's/.*"p_spun":\([0-9.]*\).*/\1/')
    p3=$(sed -n 3p "$T/json" | sed 's/.*"p_spun":\([0-9.]*\).*/\1/')
    if awk -v a="$p1" -v b="$p3" 'BEGIN { exit !(a > b) }'; then ok check_spun_higher; else fail check_spun_higher "$p1 <= $p3"; fi
    # text output: P<TAB>preview, spans, summary; exit status follows the threshold
    expect check_threshold_low 0 -- $C --threshold 0 "$T/in.txt"
    expect check_threshold_high 1 -- $C --threshold 1 "$T/in.txt"
    $C --spans --threshold 0 "$T/in.txt" >"$T/out" 2>/dev/null
    if grep -q '^0\.[0-9]*	He mentioned that it rained\.$' "$T/out" && grep -q '	3-12	mentioned -> said	' "$T/out" &&
       grep -q '^document	0\.[0-9]*	3 paragraphs$' "$T/out"; then ok check_text; else fail check_text "$(cat "$T/out")"; fi
    # --per-file: one document per file, each with its summary and line numbers
    printf 'He said that it rained.\n' >"$T/in2.txt"
    $C --json --per-file "$T/in.txt" "$T/in2.txt" >"$T/pf" 2>"$T/err"
    rc=$?
    if [ "$rc" -le 1 ] && [ "$(wc -l <"$T/pf")" -eq 6 ] &&
       grep -q '^{"document":true,"file":".*in\.txt","p_spun":[0-9.]*,"paragraphs":3}$' "$T/pf" &&
       grep -q '^{"document":true,"file":".*in2\.txt","p_spun":[0-9.]*,"paragraphs":1}$' "$T/pf" &&
       [ "$(grep -c '^{"line":1,' "$T/pf")" -eq 2 ]; then
        ok check_per_file
    else
        fail check_per_file "exit $rc: $(cat "$T/pf" "$T/err")"
    fi
    # a document of one line: p_spun is p_local
    l=$(sed -n 5p "$T/pf")
    if [ "$(echo "$l" | sed 's/.*"p_spun":\([0-9.]*\).*/\1/')" = "$(echo "$l" | sed 's/.*"p_local":\([0-9.]*\).*/\1/')" ]; then
        ok check_single_line_local
    else
        fail check_single_line_local "$l"
    fi
    # quiet: no output, only the status; stdin without a final newline
    expect check_quiet 0 -- sh -c "printf 'He mentioned that it rained.' | $C --quiet --threshold 0 | wc -c | grep -qx 0"
fi

# spinsim (data/tools/spinsim.c), when built: the fixture thesaurus, every eligible word replaced
if [ -x build/tools/spinsim ]; then
    printf 'He said that it rained.\n"He said" it, two days ago.\nThe apple\n' >"$T/clean.txt"
    build/tools/spinsim --mythes tests/data/restore-thes.dat --rate 1 --seed 3 --pairs "$T/pairs.txt" \
        --log "$T/log.txt" <"$T/clean.txt" >"$T/spun.txt" 2>"$T/spin.err"
    if [ $? -eq 0 ] && cmp -s "$T/pairs.txt" "$T/clean.txt" && [ "$(wc -l <"$T/spun.txt")" -eq 3 ] &&
       grep -Eq '^He (mentioned|stated|announced) that it rained\.$' "$T/spun.txt" &&
       grep -Eq '^"He said" it, 2 days ago\.$' "$T/spun.txt" && grep -q '^The pear$' "$T/spun.txt" &&
       grep -q '^1	said	' "$T/log.txt" && grep -q '^spinsim: 3 lines' "$T/spin.err"; then
        ok spinsim_fixture
    else
        fail spinsim_fixture "$(cat "$T/spun.txt" "$T/spin.err")"
    fi
    # the same seed gives the same output
    build/tools/spinsim --mythes tests/data/restore-thes.dat --rate 0.5 --seed 9 <"$T/clean.txt" >"$T/a.txt" 2>/dev/null
    build/tools/spinsim --mythes tests/data/restore-thes.dat --rate 0.5 --seed 9 <"$T/clean.txt" >"$T/b.txt" 2>/dev/null
    if cmp -s "$T/a.txt" "$T/b.txt"; then ok spinsim_deterministic; else fail spinsim_deterministic "outputs differ"; fi
    expect spinsim_no_thesaurus 2 -- build/tools/spinsim --rate 0.5
fi

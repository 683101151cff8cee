# tests/cli/t_match.sh - `unspin match` on the fixture texts in tests/data/match.
M=tests/data/match
ORIG="-a $M/orig-council.txt -a $M/orig-school.txt -a $M/orig-weather.txt"

expect match_help 0 -- "$UNSPIN" match --help
expect match_no_originals 2 'either --index' -- "$UNSPIN" match -N "$M/spun-council.txt"
expect match_bad_top 2 -- "$UNSPIN" match -N -k 0 $ORIG "$M/spun-council.txt"
expect match_bad_min 2 -- "$UNSPIN" match -N --min-score 1.5 $ORIG "$M/spun-council.txt"
expect match_missing_query 2 'nope.txt' -- "$UNSPIN" match -N $ORIG "$M/nope.txt"
expect match_missing_lexicon 3 'none.uslex' -- "$UNSPIN" match -l "$T/none.uslex" $ORIG "$M/spun-council.txt"

# found (exit 0) / not found (exit 1), as grep
expect match_found 0 -- "$UNSPIN" match -N $ORIG "$M/spun-council.txt"
if [ "$(cut -f 1,2,7 "$T/out")" = "$(printf '%s\t1\t%s' "$M/spun-council.txt" "$M/orig-council.txt")" ]; then
    ok match_found_source
else
    fail match_found_source "$(cat "$T/out")"
fi
expect match_not_found 1 -- "$UNSPIN" match -N $ORIG "$M/unrelated.txt"
if [ -s "$T/out" ]; then fail match_not_found_quiet "$(cat "$T/out")"; else ok match_not_found_quiet; fi
# stdin as the query
expect match_stdin 0 -- sh -c "'$UNSPIN' match -N $ORIG < '$M/spun-council.txt'"

# a saved index gives the same answer; JSON with spans
expect match_save 0 -- "$UNSPIN" match --save "$T/o.usidx" "$M/orig-council.txt" "$M/orig-school.txt" "$M/orig-weather.txt"
"$UNSPIN" match -N $ORIG "$M/spun-council.txt" >"$T/a" 2>&1
"$UNSPIN" match -N -i "$T/o.usidx" "$M/spun-council.txt" >"$T/b" 2>&1
if cmp -s "$T/a" "$T/b" && [ -s "$T/a" ]; then ok match_index_same; else fail match_index_same "$(cat "$T/a" "$T/b")"; fi
"$UNSPIN" match -N --json -i "$T/o.usidx" "$M/spun-council.txt" >"$T/j" 2>&1
if grep -q '"source":"tests/data/match/orig-council.txt","doc":0,' "$T/j" && grep -q '"spans":\[{"query":\[' "$T/j"; then
    ok match_json
else
    fail match_json "$(cat "$T/j")"
fi
# a corrupt or truncated index: exit 3 with one line naming the file
head -c 100 "$T/o.usidx" >"$T/trunc.usidx"
expect match_truncated_index 3 'trunc.usidx' -- "$UNSPIN" match -N -i "$T/trunc.usidx" "$M/spun-council.txt"
printf 'not an index at all, just some text that is long enough to fill a header....\n' >"$T/junk.usidx"
expect match_junk_index 3 'junk.usidx.*magic' -- "$UNSPIN" match -N -i "$T/junk.usidx" "$M/spun-council.txt"
expect match_missing_index 3 'none.usidx' -- "$UNSPIN" match -N -i "$T/none.usidx" "$M/spun-council.txt"

# --lines: each line is a document, named FILE:LINE
printf 'A strong storm brought heavy rain and powerful winds to the shore on Sunday night.\n' >"$T/q.txt"
expect match_lines 0 -- "$UNSPIN" match -N --lines -a "$M/lines.txt" -k 1 "$T/q.txt"
if [ "$(cut -f 1,2,7 "$T/out")" = "$(printf '%s\t1\t%s' "$T/q.txt:1" "$M/lines.txt:2")" ]; then
    ok match_lines_source
else
    fail match_lines_source "$(cat "$T/out")"
fi

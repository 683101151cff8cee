# tests/cli/t_restore.sh - `unspin restore` on fixture models built from
# tests/data/restore.arpa and tests/data/restore-thes.dat.

# missing models: one stderr line, exit 3
expect restore_missing_model 3 'language model not found' -- \
    env UNSPIN_MODELS="$T/none" sh -c "cd '$T' && '$UNSPIN' restore </dev/null"
expect restore_missing_lexicon 3 'lexicon not found' -- \
    "$UNSPIN" restore --model tests/data/restore.arpa --lexicon "$T/none.uslex" --channel "$T/none.uschan"
expect restore_bad_threshold 2 -- "$UNSPIN" restore --threshold 1.5
expect restore_help 0 -- "$UNSPIN" restore --help
expect restore_bad_candidates 2 -- "$UNSPIN" restore --candidates 0
expect restore_diff_and_json 2 -- "$UNSPIN" restore --diff --json

# fixture models
if "$UNSPIN" lm import tests/data/restore.arpa -o "$T/r.uslm" >/dev/null 2>&1 &&
   "$UNSPIN" build lexicon -o "$T/r.uslex" --mythes tests/data/restore-thes.dat --no-function-words >/dev/null 2>&1; then
    R="$UNSPIN restore --model $T/r.uslm --lexicon $T/r.uslex --threshold 0.5"
    # no channel file given and none in the model folder: exit 3
    expect restore_missing_channel 3 'channel model not found' -- \
        env UNSPIN_MODELS="$T/none" sh -c "cd '$T' && $R </dev/null"
    # a corrupt channel file: exit 3
    printf 'USCHAN\001\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' >"$T/bad.uschan"
    expect restore_corrupt_channel 3 'bad.uschan' -- $R --channel "$T/bad.uschan"
    printf 'He mentioned that it rained.\n\n  He ate a pear. \n"He mentioned" it\n' >"$T/in.txt"
    printf 'He said that it rained.\n\n  He ate an apple. \n"He mentioned" it\n' >"$T/want.txt"
    # a channel file with the built-in untrained weights (fit_channel --defaults)
    if [ -x build/tools/fit_channel ] && build/tools/fit_channel --defaults -o "$T/r.uschan" 2>/dev/null; then
        R="$R --channel $T/r.uschan"
        expect_out restore_fixture "$T/want.txt" -- $R "$T/in.txt"
        # stdin, and a last line without a newline
        printf 'He mentioned that it rained.' >"$T/in2.txt"
        printf 'He said that it rained.' >"$T/want2.txt"
        expect_out restore_no_final_newline "$T/want2.txt" -- sh -c "$R < '$T/in2.txt'"
        printf 'He [-mentioned-]{+said+} that it rained.\n' >"$T/want3.txt"
        expect_out restore_diff "$T/want3.txt" -- sh -c "head -n 1 '$T/in.txt' | $R --diff"
        expect_out restore_no_consistency "$T/want.txt" -- $R --no-consistency --beam 1 --candidates 2 "$T/in.txt"
        # two files: each is restored on its own, the outputs follow each other
        cat "$T/want.txt" "$T/want.txt" >"$T/want4.txt"
        expect_out restore_two_files "$T/want4.txt" -- $R "$T/in.txt" "$T/in.txt"
        # stdin is one document too (buffered for the observation pass): same output as the file
        expect_out restore_stdin_document "$T/want.txt" -- sh -c "$R < '$T/in.txt'"
        # document evidence: a replacement repeated in the document clears a high threshold
        printf 'He mentioned that it rained.\nShe mentioned that it rained.\nHe mentioned that it rained.\n' >"$T/in5.txt"
        printf 'He said that it rained.\nShe said that it rained.\nHe said that it rained.\n' >"$T/want5.txt"
        R2="$UNSPIN restore --model $T/r.uslm --lexicon $T/r.uslex --channel $T/r.uschan --threshold 0.999"
        expect_out restore_document_evidence "$T/want5.txt" -- $R2 "$T/in5.txt"
        expect_out restore_document_evidence_off "$T/in5.txt" -- $R2 --no-consistency "$T/in5.txt"
        # JSON: offsets from the start of the input
        $R --json "$T/in.txt" >"$T/json" 2>"$T/err"
        if [ "$(sed -n 3p "$T/json" | grep -o '"start":[0-9]*,"end":[0-9]*,"spun":"a pear"')" = '"start":39,"end":45,"spun":"a pear"' ] &&
           [ "$(wc -l <"$T/json")" -eq 4 ]; then ok restore_json; else fail restore_json "$(cat "$T/json")"; fi
    fi
fi

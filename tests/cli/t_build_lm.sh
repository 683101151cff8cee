# t_build_lm.sh - `unspin build lm`: training, mixing, Sphinx import, errors.
D=tests/data
expect build_lm_missing_file 2 'nosuch' -- "$UNSPIN" build lm --order 3 -o "$T/x.uslm" "$T/nosuch.txt"
expect build_lm_bad_order 2 'order' -- "$UNSPIN" build lm --order 9 -o "$T/x.uslm" "$D/toy-lm-a.txt"
expect build_lm_no_order 2 'order' -- "$UNSPIN" build lm -o "$T/x.uslm" "$D/toy-lm-a.txt"
expect build_lm_no_output 2 '-o' -- "$UNSPIN" build lm --order 3 "$D/toy-lm-a.txt"
expect build_lm_bad_memory 2 'memory' -- "$UNSPIN" build lm --order 3 --memory lots -o "$T/x.uslm" "$D/toy-lm-a.txt"
expect build_lm_no_text 2 'text' -- "$UNSPIN" build lm --order 3 -o "$T/x.uslm"
expect build_unknown_target 2 'unknown' -- "$UNSPIN" build nothing
expect build_lm_train 0 -- "$UNSPIN" build lm --order 3 -o "$T/a.uslm" "$D/toy-lm-a.txt"
expect build_lm_train_b 0 -- "$UNSPIN" build lm --order 2 --memory 1M -o "$T/b.uslm" "$D/toy-lm-b.txt"
expect build_lm_prune_bad_first 2 'prune' -- "$UNSPIN" build lm --order 3 --prune 1,1 -o "$T/x.uslm" "$D/toy-lm-a.txt"
expect build_lm_prune_decreasing 2 'prune' -- "$UNSPIN" build lm --order 3 --prune 0,2,1 -o "$T/x.uslm" "$D/toy-lm-a.txt"
expect build_lm_prune_junk 2 'prune' -- "$UNSPIN" build lm --order 3 --prune 0,x -o "$T/x.uslm" "$D/toy-lm-a.txt"
expect build_lm_prune 0 -- "$UNSPIN" build lm --order 3 --prune 0,0,1 -o "$T/p.uslm" "$D/toy-lm-a.txt"
if grep -q '^3-grams .* pruned [1-9]' "$T/out"; then ok build_lm_prune_report; else fail build_lm_prune_report "$(cat "$T/out")"; fi
if [ -s "$T/a.uslm" ]; then ok build_lm_output_exists; else fail build_lm_output_exists "no $T/a.uslm"; fi
expect build_lm_mix_no_heldout 2 'heldout' -- "$UNSPIN" build lm --mix "$T/a.uslm,$T/b.uslm" -o "$T/m.uslm"
expect build_lm_mix_missing_model 3 -- "$UNSPIN" build lm --mix "$T/a.uslm,$T/nosuch.uslm" --heldout "$D/toy-lm-a-heldout.txt"
expect build_lm_mix 0 -- "$UNSPIN" build lm --mix "$T/a.uslm,$T/b.uslm" --heldout "$D/toy-lm-a-heldout.txt" \
    --heldout "$D/toy-lm-b-heldout.txt" -o "$T/m.uslm"
if grep -q '^mixture ' "$T/out" && grep -q 'weight 0\.' "$T/out"; then ok build_lm_mix_report; else fail build_lm_mix_report "$(cat "$T/out")"; fi
expect build_lm_sphinx 0 -- "$UNSPIN" build lm --sphinx "$D/toy-sphinx.lm.bin" -o "$T/s.uslm"
expect build_lm_sphinx_bad 3 'Sphinx' -- "$UNSPIN" build lm --sphinx "$D/toy-lm-a.txt" -o "$T/s2.uslm"

#!/usr/bin/env bash
# The sensitivity curve: how strong must a planted precursor be before a model detects it, read
# against the paired null archive?
#   for each precursor strength: a synthetic archive (paired: the same seed and options, so the
#   strength-0 archive is the null of every other one) -> DataSet 07 under each design
#   -> each model trained (same training seed) -> test and validation predictions
#   -> evaluate --null: planted minus null with a paired event bootstrap
#   -> sensitivity.csv, s* per design and model, figure (GMT), sensitivity.md (report section)
# Usage: scripts/sensitivity.sh [BIN] [OUTDIR]
# Environment: SEED (1), DAYS of CSES data (60), STRENGTHS ("0 0.5 1 2 4"),
#   DESIGNS ("paper rigorous"), MODELS ("seqnet geo rough multiscale oracle"), BOOT resamples (1000),
#   KEEP_ARCHIVES (0: each planted archive is removed once its datasets are built).
set -euo pipefail
bin=${1:-build/seqnetquake}
out=${2:-sensitivity-out}
seed=${SEED:-1}
days=${DAYS:-60}
strengths=${STRENGTHS:-0 0.5 1 2 4}
designs=${DESIGNS:-paper rigorous}
models=${MODELS:-seqnet geo rough multiscale oracle}
boot=${BOOT:-1000}
mkdir -p "$out/pred" "$out/models" "$out/eval"
t0=$(date +%s)
say() { echo "   [$(( $(date +%s) - t0 )) s] $*"; }
first=${strengths%% *}
[ "$first" = 0 ] || { echo "sensitivity: the first strength must be 0 (the null archive)" >&2; exit 2; }

for s in $strengths; do
  a="$out/archive-s$s"
  need=0
  for d in $designs; do [ -f "$out/ds-$d-s$s.h5" ] || need=1; done
  if [ $need = 1 ]; then
    [ -f "$a/synth.txt" ] || { rm -rf "$a"; "$bin" synth --out "$a" --seed "$seed" --satellites cses \
                                 --cses-days "$days" --precursor-strength "$s" --quiet; }
    for d in $designs; do
      [ -f "$out/ds-$d-s$s.h5" ] ||
        "$bin" build --archive "$a" --preset 07 --design "$d" --seed "$seed" --out "$out/ds-$d-s$s.h5" --quiet
    done
  fi
  [ "${KEEP_ARCHIVES:-0}" = 1 ] || [ "$s" = 0 ] || rm -rf "$a"
  say "strength $s: archive and datasets"
done

for d in $designs; do
  for m in $models; do
    for s in $strengths; do
      name="$d-$m-s$s"; data="$out/ds-$d-s$s.h5"
      if [ ! -f "$out/pred/$name.val.csv" ]; then
        "$bin" train --data "$data" --model "$m" --seed "$seed" --out "$out/models/$name.h5" --quiet
        "$bin" predict --model "$out/models/$name.h5" --data "$data" --split test --out "$out/pred/$name.test.csv" --quiet
        "$bin" predict --model "$out/models/$name.h5" --data "$data" --split validation --out "$out/pred/$name.val.csv" --quiet
      fi
      null="$d-$m-s0"
      "$bin" evaluate --pred "$out/pred/$name.test.csv" --val-pred "$out/pred/$name.val.csv" --data "$data" \
            --null "$out/pred/$null.test.csv" --null-val-pred "$out/pred/$null.val.csv" \
            --bootstrap "$boot" --permutations 0 --seed "$seed" --name "$m ($d design, strength $s)" \
            --no-figures --quiet --out "$out/eval/$name"
    done
    say "$d design, $m: trained and evaluated at strengths $strengths"
  done
done

# One CSV of every evaluation: null_corrected.csv rows with design, model and strength.
csv="$(cd "$out" && pwd)/sensitivity.csv"
echo "design,model,strength,metric,planted,planted_lo,planted_hi,null,null_lo,null_hi,diff,diff_lo,diff_hi,p_diff" > "$csv"
for d in $designs; do for m in $models; do for s in $strengths; do
  tail -n +2 "$out/eval/$d-$m-s$s/null_corrected.csv" | cut -d, -f1-11 | sed "s/^/$d,$m,$s,/" >> "$csv"
done; done; done

# s* = the smallest strength whose 95% interval of the null-corrected MCC seismic/control
# excludes 0 (lo > 0); "none" when no strength does.
sstar="$out/sstar.csv"
echo "design,model,s_star,diff_at_1,diff_at_1_lo,diff_at_1_hi,raw_at_0,raw_at_0_lo,raw_at_0_hi" > "$sstar"
awk -F, -v designs="$designs" -v models="$models" '
  NR > 1 && $4 == "mcc_seismic_vs_control" {
    k = $1 "," $2
    if ($3 == 1) at1[k] = sprintf("%.3f,%.3f,%.3f", $11, $12, $13)
    if ($3 == 0) at0[k] = sprintf("%.3f,%.3f,%.3f", $5, $6, $7)
    if ($3 > 0 && $12 > 0 && (!(k in s) || $3 < s[k])) s[k] = $3
  }
  END {
    nd = split(designs, D, " "); nm = split(models, M, " ")
    for (i = 1; i <= nd; i++) for (j = 1; j <= nm; j++) {
      k = D[i] "," M[j]
      print k "," (k in s ? s[k] : "none") "," (k in at1 ? at1[k] : "NaN,NaN,NaN") "," at0[k]
    }
  }' "$csv" >> "$sstar"

# Figure: null-corrected MCC seismic/control against strength, one panel per design, with the
# raw (planted-side) MCC beneath: the confounded skill a single archive would show.
fig="$out/sensitivity"
colors=(black red blue darkgreen orange purple)
if command -v gmt > /dev/null; then
  ymin=$(awk -F, 'NR > 1 && $4 == "mcc_seismic_vs_control" { v = ($6 < $12 ? $6 : $12); if (v < m) m = v } END { printf "%.1f", (m < -0.2 ? m - 0.05 : -0.2) }' m=0 "$csv")
  xmax=$(echo "$strengths" | awk '{ print $NF * 1.1 + 0.2 }')
  tmp=$(mktemp -d)
  (
    cd "$tmp"
    gmt begin fig png E150 > /dev/null 2>&1
    gmt set FONT_TITLE 12p FONT_TAG 11p > /dev/null 2>&1
    gmt subplot begin 2x2 -Fs9c/6c -M0.6c/0.9c -A -R-0.2/$xmax/$ymin/1 -Bwsne -Bxaf -Byaf \
        -SRl+l"MCC seismic/control" -SCb+l"precursor strength" > /dev/null 2>&1
    col=0
    for what in diff planted; do
      for d in $designs; do
        gmt subplot set $((col / 2)),$((col % 2)) > /dev/null 2>&1
        title="$d: $([ $what = diff ] && echo 'planted minus paired null' || echo 'planted archive alone')"
        gmt basemap -B+t"$title" > /dev/null 2>&1
        echo "-0.2 0
$xmax 0" | gmt plot -W0.5p,gray,- > /dev/null 2>&1
        i=0
        for m in $models; do
          c=${colors[$((i % 6))]}
          dx=$(awk -v i=$i -v n="$(echo $models | wc -w)" 'BEGIN { print (i - (n - 1) / 2) * 0.06 }')
          fields=$([ $what = diff ] && echo '11,12,13' || echo '5,6,7')
          awk -F, -v d=$d -v m=$m -v dx=$dx -v f="$fields" 'BEGIN { split(f, F, ",") }
            NR > 1 && $1 == d && $2 == m && $4 == "mcc_seismic_vs_control" {
              print $3 + dx, $F[1], $F[1] - $F[2], $F[3] - $F[1] }' "$csv" > pts.txt
          gmt plot pts.txt -W1p,$c > /dev/null 2>&1
          gmt plot pts.txt -Sc0.15c -G$c -Ey+a+p0.8p,$c -l"$m" > /dev/null 2>&1
          i=$((i + 1))
        done
        col=$((col + 1))
      done
    done
    gmt subplot end > /dev/null 2>&1
    gmt end > /dev/null 2>&1
  ) && cp "$tmp/fig.png" "$fig.png" || echo "sensitivity: the figure could not be drawn (gmt failed); the CSV is complete" >&2
  rm -rf "$tmp"
fi

# The report section.
{
  echo "## Sensitivity: null-corrected skill against precursor strength"
  echo
  echo "CSES-like archive, $days days, seed $seed; DataSet 07 (night, T = 20, Dobrovolsky radius); one"
  echo "training seed per model; strengths $strengths (paired archives: strength 0 is every other's"
  echo "null). Null-corrected skill = MCC seismic/control on the planted archive minus on the null one,"
  echo "95% interval from a paired event bootstrap ($boot resamples). s* = the smallest strength"
  echo "whose interval excludes 0. Raw = the planted side alone at strength 0: what the design gives"
  echo "away without any precursor."
  echo
  echo "| design | model | s* | null-corrected MCC at strength 1 | raw MCC at strength 0 |"
  echo "|---|---|---|---|---|"
  tail -n +2 "$sstar" | awk -F, '{ printf "| %s | %s | %s | %s [%s, %s] | %s [%s, %s] |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
  echo
  [ -f "$fig.png" ] && echo "![sensitivity](sensitivity.png)"
} > "$out/sensitivity.md"
say "done: $csv, $sstar, $out/sensitivity.md${fig:+, $fig.png}"
cat "$out/sensitivity.md"

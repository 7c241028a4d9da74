#!/usr/bin/env bash
# The diagnosis of bench/FINDINGS.md, one run after another (2-core CPU: never two at once):
# per held-back model, Gen trained on it alone with each loss, then the widths, the faces, longer.
#   bash bench/diagnose_all.sh            # writes bench/results/diag/*.json, then the curves
set -euo pipefail
cd "$(dirname "$0")/.."
D=bench/results/diag; mkdir -p $D
run() { local out=$D/$1.json; shift; [ -s "$out" ] || python bench/diagnose.py --out "$out" "$@"; }
for m in starganv2 stgan attgan; do
  for loss in paper toward away breaking; do run ${m}_${loss} --models $m --loss $loss; done
done
for m in starganv2 stgan attgan; do
  for w in 32 64; do run ${m}_breaking_w$w --models $m --loss breaking --width $w; done
  run ${m}_breaking_all --models $m --loss breaking --faces all
  run ${m}_breaking_long --models $m --loss breaking --epochs 100 --every 10
done
for m in starganv2 stgan attgan; do
  python bench/diagnose.py --plot $D/${m}_*.json --png $D/$m.png
done

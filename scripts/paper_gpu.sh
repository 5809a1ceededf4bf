#!/usr/bin/env bash
# Paper-scale reproduction on one CUDA GPU, resumable.
#
#   bash scripts/paper_gpu.sh [OUT_DIR]          (default: collapse_lib/results)
#
# 1. the CUDA tests (tests/test_cuda.py and the CUDA case of tests/test_simulation.py);
# 2. the benchmark on the GPU -> OUT_DIR/bench_cuda.json (skipped if present);
# 3. every figure at paper scale on the GPU -> OUT_DIR/figN.json, cheapest first.
#
# Re-run the same command after an interruption (a time limit, a pre-empted job):
# finished figures are skipped, and inside a figure the finished cells are kept under
# $COLLAPSE_CACHE_DIR (default ~/.cache/collapse_lib; see collapse_lib/cache.py), so only
# the missing work is redone, with the same numbers. Logs go to OUT_DIR/paper_gpu.log.
# Then copy the data files into collapse_lib/results (if OUT_DIR is elsewhere), rebuild the book
# and commit the files. Where only a few files per command can be copied back from the GPU
# machine, keep OUT_DIR and the cache there (e.g. /tmp/paper, COLLAPSE_CACHE_DIR=/tmp/cache)
# and end each command with `tar czf <returned folder>/paper.tgz -C /tmp/paper .`.
#
# Needs: python3 with torch (CUDA), numpy, scipy, pandas, matplotlib, tqdm, pytest;
# the library is used from this checkout (PYTHONPATH), nothing is installed.
# Testing the script without a GPU: DEVICE=cpu SCALE=smoke bash scripts/paper_gpu.sh /tmp/out
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=$(mkdir -p "${1:-collapse_lib/results}" && cd "${1:-collapse_lib/results}" && pwd)
device=${DEVICE:-cuda}
scale=${SCALE:-paper}
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
log="$out/paper_gpu.log"
exec > >(tee -a "$log") 2>&1
echo "::: $(date -u +%FT%TZ) device=$device scale=$scale out=$out"
python3 -c "import torch, collapse_lib; print('torch', torch.__version__, 'collapse_lib', collapse_lib.__version__,
      'cuda', torch.cuda.is_available() and torch.cuda.get_device_name(0))"
if [ "$device" != cpu ]; then
  python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device visible')"
  python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py "tests/test_simulation.py::test_cuda_matches_cpu_statistically"
fi
bench="$out/bench_${device%%:*}.json"
if [ -f "$bench" ]; then echo "::: $bench exists; benchmark skipped"
elif [ "$scale" = paper ]; then python3 -m collapse_lib.bench --device "$device" --out "$bench"
else python3 -m collapse_lib.bench --tiny --device "$device" --out "$bench"; fi
for fig in fig2 fig3 fig9 fig10 fig4 fig5 fig1 fig6 fig7 fig8; do
  echo "::: $(date -u +%T) $fig"
  python3 -m collapse_lib reproduce "$fig" --scale "$scale" --device "$device" --out-dir "$out"
done
echo "::: $(date -u +%FT%TZ) all figures done"

#!/usr/bin/env bash
# Collects the raw output of every GPU-related command repro's snapshot probes run, on a real
# GPU machine, into $OUT (one file per command). The files become test fixtures under
# tests/fixtures/gpu/ so the parsers are tested against what real tools print.
set -u
out=${OUT:?set OUT to a directory}
run() { local name=$1; shift; { "$@"; echo "exit=$?" >&2; } > "$out/$name.stdout" 2> "$out/$name.stderr"; }
run nvidia-smi nvidia-smi
run nvidia-smi-query nvidia-smi --query-gpu=index,name,uuid,pci.bus_id,driver_version,memory.total,memory.free,compute_cap --format=csv,noheader,nounits
run nvidia-smi-q nvidia-smi -q
run nvcc nvcc --version
run cuda-version-json cat /usr/local/cuda/version.json
run cudnn-headers bash -c 'ls -1 /usr/include/cudnn_version*.h /usr/include/*/cudnn_version*.h /usr/local/cuda/include/cudnn_version*.h 2>/dev/null; python3 -c "import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))" 2>/dev/null'
run python-probe python3 templates/python-probe.py --frameworks
run uname uname -a
run which bash -c 'which node nvidia-smi nvcc python3 rocm-smi; ls /usr/local/cuda* -d'
h=$(python3 -c "import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))" 2>/dev/null)
[ -n "$h" ] && run cudnn-version-h bash -c "cat $h/include/cudnn_version.h"
exit 0

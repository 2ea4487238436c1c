#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages neurocma needs, only those missing.
set -euo pipefail
PKGS=(cmake g++ make pkg-config libeigen3-dev libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools
      libcli11-dev nlohmann-json3-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev
      curl python3 python3-numpy python3-h5py)
if [[ "${NEUROCMA_WITH_SLURM_TEST:-1}" == "1" ]]; then
  PKGS+=(slurm-wlm munge)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install-deps: missing packages ${missing[*]} and no apt-get; see README (cluster install)" >&2
  exit 1
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Install, from Debian's packages, whatever fraglab needs and the machine
# lacks. The lists live in ci/deps.d/*.txt (one package per line, '#'
# comments), one file per area. Safe to run twice; needs root or sudo.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: ci/deps.sh [--list] [--help]
Installs the Debian packages listed in ci/deps.d/*.txt that are missing.
  --list   print the package list and exit
  --help   this text
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
--help | -h) usage; exit 0 ;;
--list) cat "$here"/deps.d/*.txt | sed 's/#.*//' | awk 'NF' | sort -u; exit 0 ;;
"") ;;
*) echo "ci/deps.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

mapfile -t wanted < <(cat "$here"/deps.d/*.txt | sed 's/#.*//' | awk 'NF {print $1}' | sort -u)
missing=()
for p in "${wanted[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#wanted[@]} packages present"
	exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "ci/deps.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"

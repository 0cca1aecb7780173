#!/usr/bin/env bash
# The README's test command, and exactly what CI (.ci/run) runs: as root on a fresh Debian
# machine it installs the Debian packages the tests need (libpcap-dev before the capture addon
# is built; clang-14 and libclang-rt-14-dev for the coverage fuzzer's libFuzzer addon,
# fuzz/libfuzzer; redis-server for capture requests), installs the npm dependencies and, in a
# Python venv, yacryptopan (PACKRAT_TEST_PYTHON), builds, then runs
#   1. every test, with a real two-node OpenSearch 2.19 cluster (Java 17) started for them;
#   2. the cluster suites (dist/test/es) again on OpenSearch 3.x (Temurin 25 JDK);
#   3. the cluster suites on Elasticsearch 9 (Temurin 25 JDK), the @elastic/elasticsearch path.
# A missing prerequisite (Java, Maven, the Temurin JDK) stops it with its name: nothing skips.
#   test/run-all.sh [--no-install] [--only-es]
set -euo pipefail
cd "$(dirname "$0")/.."
OS2=2.19.6
OS3=3.8.0
ES9=es-9.2.0
TEMURIN=/usr/lib/jvm/temurin-25-jdk-amd64
DEBS=(libpcap-dev tcpdump tshark iproute2 iputils-ping chromium unzip curl maven clang-14 libclang-rt-14-dev redis-server python3-venv)
# An independent Crypto-PAn implementation from PyPI, the anonymisation tests' second judge.
PYENV=/var/cache/packrat/pyenv
PYPKGS=(yacryptopan==1.0.2)
install=1 only_es=0
for a in "$@"; do
  case $a in
    --no-install) install=0 ;;
    --only-es) only_es=1 ;;
    *) echo "usage: test/run-all.sh [--no-install] [--only-es]" >&2; exit 2 ;;
  esac
done

if (( install )); then
  missing=()
  for p in "${DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if (( ${#missing[@]} )); then
    [[ $(id -u) == 0 ]] || { echo "run-all: missing Debian packages ${missing[*]}: run as root to install them" >&2; exit 1; }
    echo "run-all: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

need() { command -v "$1" >/dev/null 2>&1 || { echo "run-all: $1 is missing: $2" >&2; exit 1; }; }
need java "the OpenSearch $OS2 test cluster needs Java 17 (apt-get install openjdk-17-jre-headless)"
need mvn "Maven fetches the OpenSearch test cluster from Maven Central (apt-get install maven)"
[[ -x $TEMURIN/bin/java ]] || { echo "run-all: $TEMURIN is missing: OpenSearch $OS3 and Elasticsearch 9 need Java 21+" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "run-all: must run as root (live-capture tests use network namespaces; the cluster runs as an unprivileged user this creates)" >&2; exit 1; }

if (( install )); then
  npm ci --no-audit --no-fund
  [[ -x $PYENV/bin/python ]] || python3 -m venv "$PYENV"
  "$PYENV/bin/pip" install -q "${PYPKGS[@]}"
fi
export PACKRAT_TEST_PYTHON=$PYENV/bin/python
npm run build

cluster=test/cluster/opensearch.sh
es_tests() { find dist/test/es -name '*.test.js' | sort; }

if (( ! only_es )); then
  echo "run-all: every test, OpenSearch $OS2 cluster" >&2
  # shellcheck disable=SC2046
  PACKRAT_OS_VERSION=$OS2 $cluster run "$OS2" -- node --test --test-concurrency=2 $(find dist -name '*.test.js' | sort)
else
  echo "run-all: cluster suites, OpenSearch $OS2" >&2
  # shellcheck disable=SC2046
  $cluster run "$OS2" -- node --test --test-concurrency=1 $(es_tests)
fi
echo "run-all: cluster suites, OpenSearch $OS3" >&2
# shellcheck disable=SC2046
$cluster run "$OS3" -- node --test --test-concurrency=1 $(es_tests)
echo "run-all: cluster suites, Elasticsearch ${ES9#es-}" >&2
# shellcheck disable=SC2046
$cluster run "$ES9" -- node --test --test-concurrency=1 $(es_tests)
echo "run-all: all passed" >&2

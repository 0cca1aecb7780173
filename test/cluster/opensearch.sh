#!/usr/bin/env bash
# A real two-node OpenSearch cluster on loopback for tests and benchmarks.
#
#   opensearch.sh run [VERSION] -- COMMAND...   start, run COMMAND with ELASTICSEARCH_URL set, stop
#   opensearch.sh start [VERSION]               start; prints `export ...` lines for the shell
#   opensearch.sh stop                          stop both nodes and remove everything start made
#   opensearch.sh stop-node N | start-node N    kill -9 node N (1 or 2) / start it again
#   opensearch.sh pause | resume                stop every node (data kept) / start them again
#   opensearch.sh fetch [VERSION]               only download and unpack into the cache
#
# VERSION: an OpenSearch version (default 2.19.6), or es-VERSION for Elasticsearch (es-9.2.0).
# PACKRAT_OS_EXTRA_YML: lines appended to each node's settings (a test's tiny write queue).
#
# The server is OpenSearch's integration-test distribution from Maven Central
# (org.opensearch.distribution.integ-test-zip:opensearch:VERSION:zip), fetched with Maven into
# $PACKRAT_CACHE (default /var/cache/packrat) and reused from there. 2.19.x runs on the default
# Java 17; 3.x needs Java 21+, so it runs on the Temurin 25 JDK. OpenSearch refuses to run as
# root: the nodes run as the unprivileged user `packrat-os`, created when missing.
#
# Node 1 is cluster-manager and data, node 2 data only: with two nodes only one can hold the
# vote, and the node the fault tests kill (node 2) must not take the cluster's manager with it.
# State (data, logs, pids, ports) lives in one temp folder named by $PACKRAT_OS_STATE.
set -euo pipefail

OS_USER=packrat-os
# not under /root: the unprivileged user must be able to read the server
CACHE=${PACKRAT_CACHE:-/var/cache/packrat}/opensearch
STATE_FILE_DEFAULT=${TMPDIR:-/tmp}/packrat-os-state
HTTP_BASE=${PACKRAT_OS_HTTP_PORT:-9250}
TRANSPORT_BASE=${PACKRAT_OS_TRANSPORT_PORT:-9350}
DEFAULT_VERSION=${PACKRAT_OS_VERSION:-2.19.6}
TEMURIN=/usr/lib/jvm/temurin-25-jdk-amd64

die() { echo "opensearch.sh: $*" >&2; exit 1; }

java_home_for() {
  case "$1" in
    2.*|es-8.*) if [[ -n "${JAVA17_HOME:-}" ]]; then echo "$JAVA17_HOME"; return; fi
         local j; j=$(command -v java) || die "java is missing (OpenSearch $1 needs Java 17: apt-get install openjdk-17-jre-headless)"
         dirname "$(dirname "$(readlink -f "$j")")" ;;
    *) [[ -x $TEMURIN/bin/java ]] || die "$1 needs Java 21+: $TEMURIN is missing"
       echo "$TEMURIN" ;;
  esac
}

# VERSION is an OpenSearch version (2.19.6, 3.8.0) or es-VERSION for Elasticsearch's own
# integration-test distribution (org.elasticsearch.distribution.integ-test-zip:elasticsearch).
product() {
  if [[ $1 == es-* ]]; then
    PRODUCT=elasticsearch; PVER=${1#es-}; GROUP=org.elasticsearch.distribution.integ-test-zip
    CONF_VAR=ES_PATH_CONF; OPTS_VAR=ES_JAVA_OPTS; MANAGER=master
  else
    PRODUCT=opensearch; PVER=$1; GROUP=org.opensearch.distribution.integ-test-zip
    CONF_VAR=OPENSEARCH_PATH_CONF; OPTS_VAR=OPENSEARCH_JAVA_OPTS; MANAGER=cluster_manager
  fi
}

fetch() {
  product "$1"
  local v=$PVER dir=$CACHE/$1 p=$PRODUCT
  if [[ -x $dir/$p-$v/bin/$p ]]; then
    if [[ $p == opensearch && ! -d $dir/$p-$v/modules/analysis-common ]]; then add_analysis_common "$v" "$dir/$p-$v"; chmod -R a+rX "$dir"; fi
    echo "$dir/$p-$v"; return
  fi
  command -v mvn >/dev/null || die "mvn (Maven) is missing: it fetches OpenSearch $v from Maven Central (apt-get install maven)"
  command -v unzip >/dev/null || die "unzip is missing (apt-get install unzip)"
  mkdir -p "$dir"
  echo "opensearch.sh: fetching $p $v from Maven Central into $dir" >&2
  mvn -q -B dependency:copy "-Dartifact=$GROUP:$p:$v:zip" \
    "-DoutputDirectory=$dir" >&2 || die "Maven could not fetch $GROUP:$p:$v:zip"
  rm -rf "$dir/$p-$v.tmp" && mkdir "$dir/$p-$v.tmp"
  unzip -q "$dir/$p-$v.zip" -d "$dir/$p-$v.tmp"
  mv "$dir/$p-$v.tmp/$p-$v" "$dir/$p-$v" && rm -rf "$dir/$p-$v.tmp" "$dir/$p-$v.zip"
  if [[ $p == opensearch && ! -d $dir/$p-$v/modules/analysis-common ]]; then add_analysis_common "$v" "$dir/$p-$v"; fi
  chmod -R a+rX "$dir"
  echo "$dir/$p-$v"
}

# OpenSearch 2.x's integration-test distribution holds only transport-netty4. Arkime's sessions
# template needs analysis-common (the `pattern` tokenizer of its wordSplit analyzer), which
# Maven Central serves as a jar: install it as the module every real distribution has.
add_analysis_common() {
  local v=$1 home=$2 mod=$2/modules/analysis-common
  mkdir -p "$mod.tmp"
  mvn -q -B dependency:copy "-Dartifact=org.opensearch.plugin:analysis-common:$v:jar" "-DoutputDirectory=$mod.tmp" >&2 \
    || die "Maven could not fetch org.opensearch.plugin:analysis-common:$v:jar"
  cat >"$mod.tmp/plugin-descriptor.properties" <<EOF
description=Adds "built in" analyzers to OpenSearch.
version=$v
name=analysis-common
classname=org.opensearch.analysis.common.CommonAnalysisModulePlugin
java.version=11
opensearch.version=$v
custom.foldername=
extended.plugins=
has.native.controller=false
EOF
  mv "$mod.tmp" "$mod"
}

ensure_user() {
  id "$OS_USER" >/dev/null 2>&1 && return
  [[ $(id -u) == 0 ]] || die "must run as root to create the user $OS_USER (OpenSearch refuses to run as root)"
  useradd --system --no-create-home --shell /usr/sbin/nologin "$OS_USER"
}

state() { cat "${PACKRAT_OS_STATE:-$STATE_FILE_DEFAULT}" 2>/dev/null || die "no cluster running (no state file)"; }

start_node() {
  local root=$1 n=$2
  # shellcheck disable=SC1091
  source "$root/env"
  local conf=$root/node$n/config pidf=$root/node$n/pid
  (cd "$root/node$n" && runuser -u "$OS_USER" -- env -i PATH=/usr/bin:/bin JAVA_HOME="$JAVA_HOME" ES_JAVA_HOME="$JAVA_HOME" \
    "$CONF_VAR=$conf" "$OPTS_VAR=-Xms${HEAP} -Xmx${HEAP} -XX:-HeapDumpOnOutOfMemoryError" \
    "$DIST/bin/$PRODUCT" -d -p "$pidf" >"$root/node$n/stdout" 2>&1) \
    || { cat "$root/node$n/stdout" >&2; cmd_stop; die "node $n did not start"; }
}

wait_health() {
  local url=$1 nodes=$2 deadline=$((SECONDS + ${3:-180}))
  while (( SECONDS < deadline )); do
    if curl -fsS "$url/_cluster/health?wait_for_nodes=$nodes&wait_for_status=yellow&timeout=5s" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

kill_node() {
  local root=$1 n=$2 sig=${3:-KILL} pid
  pid=$(cat "$root/node$n/pid" 2>/dev/null) || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$root/node$n/pid"
}

cmd_start() {
  local v=${1:-$DEFAULT_VERSION} dist java root
  dist=$(fetch "$v")
  product "$v"
  java=$(java_home_for "$v")
  ensure_user
  root=$(mktemp -d "${TMPDIR:-/tmp}/packrat-os.XXXXXX")
  chmod 755 "$root"
  cat >"$root/env" <<EOF
DIST=$dist
JAVA_HOME=$java
PRODUCT=$PRODUCT
PVER=$PVER
CONF_VAR=$CONF_VAR
OPTS_VAR=$OPTS_VAR
HEAP=${PACKRAT_OS_HEAP:-384m}
VERSION=$v
URL=http://127.0.0.1:$HTTP_BASE
EOF
  for n in 1 2; do
    local http=$((HTTP_BASE + n - 1)) transport=$((TRANSPORT_BASE + n - 1)) roles
    if (( n == 1 )); then roles="[$MANAGER, data, ingest]"; else roles='[data, ingest]'; fi
    mkdir -p "$root/node$n/data" "$root/node$n/logs"
    cp -r "$dist/config" "$root/node$n/config"
    # jvm.options names logs/ and data/ relative to the server's folder, which is read-only here
    sed -i -e "s#logs/#$root/node$n/logs/#g" -e "s#=data\$#=$root/node$n/data#" "$root/node$n/config/jvm.options"
    cat >"$root/node$n/config/$PRODUCT.yml" <<EOF
cluster.name: packrat-test-$$
node.name: n$n
node.roles: $roles
path.data: $root/node$n/data
path.logs: $root/node$n/logs
network.host: 127.0.0.1
http.port: $http
transport.port: $transport
discovery.seed_hosts: ["127.0.0.1:$TRANSPORT_BASE", "127.0.0.1:$((TRANSPORT_BASE + 1))"]
cluster.initial_${MANAGER}_nodes: ["n1"]
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: true
EOF
    if [[ $PRODUCT == elasticsearch ]]; then echo 'xpack.security.enabled: false' >>"$root/node$n/config/$PRODUCT.yml"; fi
    # extra node settings for a test (e.g. a tiny write queue)
    if [[ -n ${PACKRAT_OS_EXTRA_YML:-} ]]; then printf '%s\n' "$PACKRAT_OS_EXTRA_YML" >>"$root/node$n/config/$PRODUCT.yml"; fi
  done
  chown -R "$OS_USER" "$root"
  echo "$root" >"${PACKRAT_OS_STATE:-$STATE_FILE_DEFAULT}"
  start_node "$root" 1
  start_node "$root" 2
  if ! wait_health "http://127.0.0.1:$HTTP_BASE" 2 240; then
    tail -n 40 "$root"/node*/logs/*.log >&2 || true
    cmd_stop; die "$PRODUCT $PVER did not become healthy with two nodes"
  fi
  echo "opensearch.sh: $PRODUCT $PVER up, two nodes, http://127.0.0.1:$HTTP_BASE (state $root)" >&2
  echo "export ELASTICSEARCH_URL=http://127.0.0.1:$HTTP_BASE"
  echo "export PACKRAT_OS_STATE=${PACKRAT_OS_STATE:-$STATE_FILE_DEFAULT}"
}

cmd_stop() {
  local root
  root=$(state) || return 0
  kill_node "$root" 2 TERM; kill_node "$root" 1 TERM
  rm -rf "$root" "${PACKRAT_OS_STATE:-$STATE_FILE_DEFAULT}"
}

case "${1:-}" in
  fetch) fetch "${2:-$DEFAULT_VERSION}" ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop ;;
  stop-node) kill_node "$(state)" "${2:?node number}" KILL ;;
  start-node)
    root=$(state); start_node "$root" "${2:?node number}"
    source "$root/env"; wait_health "$URL" 2 240 || die "node $2 did not rejoin" ;;
  pause) root=$(state); kill_node "$root" 2 TERM; kill_node "$root" 1 TERM ;;
  resume)
    root=$(state); start_node "$root" 1; start_node "$root" 2
    source "$root/env"; wait_health "$URL" 2 240 || die "cluster did not come back" ;;
  run)
    shift; v=$DEFAULT_VERSION
    if [[ ${1:-} != -- ]]; then v=$1; shift; fi
    [[ ${1:-} == -- ]] || die "usage: opensearch.sh run [VERSION] -- COMMAND..."
    shift
    export PACKRAT_OS_STATE=${PACKRAT_OS_STATE:-$(mktemp -u "${TMPDIR:-/tmp}/packrat-os-state.XXXXXX")}
    trap cmd_stop EXIT
    exports=$(cmd_start "$v") || exit 1
    eval "$exports"
    export PACKRAT_OS_VERSION=$v
    "$@" ;;
  *) sed -n '2,10p' "$0" >&2; exit 2 ;;
esac

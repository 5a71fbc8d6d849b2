#!/usr/bin/env bash
# VAE Lab for a bigger class: N `streamlit run` replicas on this host (ports 8501, 8502, …) behind nginx (sticky
# sessions by a cookie, websockets passed through), sharing one data folder: the class vote's SQLite file and the
# model store (a model trained by one replica is loaded by the others, never trained again).
#
#   deploy/vae-lab.sh start [N]   start N replicas (default 2) and nginx on $VAE_LAB_PORT (default 8080)
#   deploy/vae-lab.sh stop        stop nginx and the replicas this script started
#   deploy/vae-lab.sh status      what runs, and each replica's health
#
# Environment: VAE_LAB_DATA (shared data folder, default data/), VAE_LAB_STORE (model store, default
# $VAE_LAB_DATA/store), VAE_LAB_PORT (nginx's port), VAE_LAB_FIRST_PORT (8501), VAE_LAB_RUN (pid files, logs and
# nginx's config; default $VAE_LAB_DATA/run), PYTHON (default .venv/bin/python, else python3). docs/hosting.md says
# how to size it and how to spread the replicas over several hosts.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export VAE_LAB_DATA="${VAE_LAB_DATA:-$ROOT/data}"
export VAE_LAB_STORE="${VAE_LAB_STORE:-$VAE_LAB_DATA/store}"
PORT="${VAE_LAB_PORT:-8080}"
FIRST="${VAE_LAB_FIRST_PORT:-8501}"
RUN="${VAE_LAB_RUN:-$VAE_LAB_DATA/run}"
PYTHON="${PYTHON:-$([ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python3)}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

healthy() { "$PYTHON" -c "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:$1/_stcore/health', timeout=2).read() != b'ok')" 2>/dev/null; }

start() {
  local n="${1:-2}" servers="" port i
  [ -x "$NGINX" ] || { echo "nginx is not installed (Debian: apt-get install nginx)" >&2; exit 1; }
  mkdir -p "$RUN/nginx-tmp" "$VAE_LAB_STORE"
  if [ "$(id -u)" = 0 ]; then chown -R nobody "$RUN/nginx-tmp"; fi  # (nginx's workers run as nobody under root)
  # One cookie secret for every replica: a browser sent to another replica (its own went down) keeps its XSRF token.
  [ -s "$RUN/cookie-secret" ] || "$PYTHON" -c "import secrets; print(secrets.token_hex(32))" > "$RUN/cookie-secret"
  chmod 600 "$RUN/cookie-secret"
  for ((i = 0; i < n; i++)); do
    port=$((FIRST + i))
    servers+="        server 127.0.0.1:$port;"$'\n'
    if [ -s "$RUN/replica-$port.pid" ] && kill -0 "$(cat "$RUN/replica-$port.pid")" 2>/dev/null; then
      echo "replica on :$port already runs"; continue
    fi
    (cd "$ROOT" && STREAMLIT_SERVER_COOKIE_SECRET="$(cat "$RUN/cookie-secret")" exec nohup "$PYTHON" -m streamlit \
      run serve.py --server.port "$port" --server.address 127.0.0.1 --server.headless true \
      --browser.gatherUsageStats false --server.fileWatcherType none > "$RUN/replica-$port.log" 2>&1) &
    echo $! > "$RUN/replica-$port.pid"
  done
  sed -e "s|@RUN@|$RUN|g" -e "s|@LISTEN@|$PORT|g" "$ROOT/deploy/nginx.conf.template" \
    | awk -v servers="$servers" '{ if ($0 == "@SERVERS@") printf "%s", servers; else print }' > "$RUN/nginx.conf"
  for ((i = 0; i < n; i++)); do
    port=$((FIRST + i))
    for _ in $(seq 120); do
      healthy "$port" && break
      kill -0 "$(cat "$RUN/replica-$port.pid")" 2>/dev/null || break  # (it ended: its log says why)
      sleep 0.5
    done
    healthy "$port" || { echo "replica :$port did not start: see $RUN/replica-$port.log" >&2; exit 1; }
  done
  if [ -s "$RUN/nginx.pid" ] && kill -0 "$(cat "$RUN/nginx.pid")" 2>/dev/null; then
    "$NGINX" -p "$RUN" -c "$RUN/nginx.conf" -s reload
  else
    "$NGINX" -p "$RUN" -c "$RUN/nginx.conf"
  fi
  echo "VAE Lab: $n replicas (:$FIRST…:$((FIRST + n - 1))) behind http://$(hostname):$PORT/ — data $VAE_LAB_DATA, models $VAE_LAB_STORE"
  grep -h "presenter secret" "$RUN"/replica-*.log 2>/dev/null | tail -1 || true
}

stop() {
  if [ -s "$RUN/nginx.pid" ]; then "$NGINX" -p "$RUN" -c "$RUN/nginx.conf" -s quit 2>/dev/null || true; fi
  local file pid
  for file in "$RUN"/replica-*.pid; do
    [ -e "$file" ] || continue
    pid="$(cat "$file")"
    kill "$pid" 2>/dev/null || true  # (Streamlit stops its training pool as it exits)
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$file"
  done
  echo "VAE Lab stopped"
}

status() {
  local file port
  if [ -s "$RUN/nginx.pid" ] && kill -0 "$(cat "$RUN/nginx.pid")" 2>/dev/null; then echo "nginx: on :$PORT"; else echo "nginx: stopped"; fi
  for file in "$RUN"/replica-*.pid; do
    [ -e "$file" ] || continue
    port="${file##*replica-}"; port="${port%.pid}"
    if healthy "$port"; then echo "replica :$port: ok"; else echo "replica :$port: down"; fi
  done
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

# Garage (a real S3-compatible store, the Rust crate `garage`) as an optional, faster benchmark
# sink than s3s-fs: single node, on loopback, under .local/. Only scripts/bench --sink garage
# uses it; scripts/test never does. Source after common.sh.
# shellcheck shell=bash

GARAGE_VERSION="2.5.0"
GARAGE_ROOT="$LOCAL_DIR/garage"
GARAGE_BIN="$GARAGE_ROOT/bin/garage"
GARAGE_PORT="${LOCAL_STACK_GARAGE_PORT:-5040}"
GARAGE_RPC_PORT="$((GARAGE_PORT + 1))"
GARAGE_ADMIN_PORT="$((GARAGE_PORT + 3))"
# Fixed local credentials in Garage's formats (GK + 24 hex digits; 64 hex digits).
GARAGE_ACCESS_KEY="GK0000000000000000000be7c4"
GARAGE_SECRET_KEY="0000000000000000000000000000000000000000000000000000000000be7c4e"
GARAGE_PID=""

# cargo install, once (about 30 minutes on 2 cores): lmdb metadata, no metrics or K2V.
ensure_garage() {
  [[ -x "$GARAGE_BIN" ]] && "$GARAGE_BIN" --version 2>/dev/null | grep -q "$GARAGE_VERSION" && return 0
  log "installing garage $GARAGE_VERSION into $GARAGE_ROOT (cargo install: about 30 minutes, once)"
  cargo install --locked garage --version "$GARAGE_VERSION" --root "$GARAGE_ROOT" \
    --no-default-features --features bundled-libs,lmdb >"$LOG_DIR/bench-garage-install.log" 2>&1 ||
    die_showing_log "$LOG_DIR/bench-garage-install.log" "cargo install garage failed"
}

garage_cli() { "$GARAGE_BIN" -c "$GARAGE_ROOT/run/garage.toml" "$@"; }

# A fresh single-node cluster (layout, the bench key allowed to create buckets) in the background.
start_garage() {
  local run="$GARAGE_ROOT/run" node
  rm -rf "$run"
  mkdir -p "$run/meta" "$run/data"
  cat >"$run/garage.toml" <<TOML
metadata_dir = "$run/meta"
data_dir = "$run/data"
db_engine = "lmdb"
replication_factor = 1
# The benchmark's bytes do not compress: spend no CPU trying.
compression_level = "none"
rpc_bind_addr = "127.0.0.1:$GARAGE_RPC_PORT"
rpc_public_addr = "127.0.0.1:$GARAGE_RPC_PORT"
rpc_secret = "$(openssl rand -hex 32 2>/dev/null || od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"

[s3_api]
s3_region = "$LOCAL_REGION"
api_bind_addr = "127.0.0.1:$GARAGE_PORT"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$GARAGE_ADMIN_PORT"
TOML
  chmod 600 "$run/garage.toml"
  "$GARAGE_BIN" -c "$run/garage.toml" server >"$LOG_DIR/bench-garage.log" 2>&1 &
  GARAGE_PID=$!
  # `status` goes through the RPC port, so it answers only once the server listens.
  for _ in $(seq 1 150); do
    garage_cli status >/dev/null 2>&1 && break
    kill -0 "$GARAGE_PID" 2>/dev/null || die_showing_log "$LOG_DIR/bench-garage.log" "garage exited at start-up"
    sleep 0.2
  done
  node="$(garage_cli node id -q 2>/dev/null)" ||
    die_showing_log "$LOG_DIR/bench-garage.log" "garage did not answer within 30 s"
  {
    garage_cli layout assign -z local -c 100G "${node%%@*}" &&
      garage_cli layout apply --version 1 &&
      garage_cli key import --yes -n bench "$GARAGE_ACCESS_KEY" "$GARAGE_SECRET_KEY" &&
      garage_cli key allow --create-bucket bench
  } >>"$LOG_DIR/bench-garage.log" 2>&1 ||
    die_showing_log "$LOG_DIR/bench-garage.log" "could not set up the single-node garage"
  log "garage started (pid $GARAGE_PID, port $GARAGE_PORT)"
}

stop_garage() {
  [[ -n "$GARAGE_PID" ]] || return 0
  kill "$GARAGE_PID" 2>/dev/null || true
  wait "$GARAGE_PID" 2>/dev/null || true
  GARAGE_PID=""
  rm -rf "$GARAGE_ROOT/run"
}

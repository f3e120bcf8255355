# Shared by the scripts in scripts/: locations, ports, tool installation. Source it; do not run it.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Everything installed or written at run time lives here (git-ignored).
LOCAL_DIR="${ARCHIVER_LOCAL_DIR:-$REPO_ROOT/.local}"
RUN_DIR="$LOCAL_DIR/run"
LOG_DIR="$LOCAL_DIR/logs"
VENV_DIR="$LOCAL_DIR/venv"
TOOLS_BIN="$LOCAL_DIR/bin"

# Pinned so that every machine runs the emulators the tests were written against.
MOTO_VERSION="5.2.5"
CARGO_LAMBDA_VERSION="1.9.2"
S3S_FS_VERSION="0.14.1" # 0.17 needs a newer rustc than some machines have

# Loopback ports of the local stack; override with the environment.
# What clients (and moto's own Step Functions engine) call "moto": the Lambda router, which
# passes everything but Lambda invocations on to moto itself on MOTO_INTERNAL_PORT.
MOTO_PORT="${LOCAL_STACK_MOTO_PORT:-5010}"
MOTO_INTERNAL_PORT="${LOCAL_STACK_MOTO_INTERNAL_PORT:-$((MOTO_PORT + 1))}"
S3_PORT="${LOCAL_STACK_S3_PORT:-5020}"
# tools/s3-fault-proxy in front of s3s-fs: the functions' S3 (passes everything on unless a
# fault is added over its control API, as scripts/chaos does); tests check S3 directly.
S3_PROXY_PORT="${LOCAL_STACK_S3_PROXY_PORT:-$((S3_PORT + 1))}"
ZOOM_SIM_PORT="${LOCAL_STACK_ZOOM_SIM_PORT:-5030}"
LAMBDA_PORT="${LOCAL_STACK_LAMBDA_PORT:-9000}"

# Credentials the local servers accept (s3s-fs checks them; moto accepts any).
LOCAL_ACCESS_KEY="local-stack-access-key"
LOCAL_SECRET_KEY="local-stack-secret-key"
LOCAL_REGION="us-east-1"
# moto's fixed account id, and the names the local stack gives its resources.
LOCAL_ACCOUNT_ID="123456789012"
LOCAL_STATE_MACHINE_NAME="zoom-archiver-ingest"
LOCAL_SCAN_STATE_MACHINE_NAME="zoom-archiver-scan"
LOCAL_ZOOM_CHANGE_STATE_MACHINE_NAME="zoom-archiver-zoom-change"
LOCAL_BUCKET="zoom-archiver-local"
LOCAL_TABLE="zoom-archiver-local"
LOCAL_QUEUE="zoom-archiver-local-notify"
# The Lambda functions the state machine calls (the names of their crates in functions/).
PIPELINE_FUNCTIONS=(ingest-metadata retrieve-recording finish-ingest apply-zoom-change)
OPERATIONS_FUNCTIONS=(start-ingest reindex-recording scan-missed-meetings rebuild-database expire-recordings)
# The Zoom account of fixtures/scenarios/standard.json and zoom-sim's default credentials.
LOCAL_ZOOM_ACCOUNT_ID="bxTu88fMRR6lJDWVEJ4P9A"
LOCAL_ZOOM_CLIENT_ID="sim-client-id"
LOCAL_ZOOM_CLIENT_SECRET="sim-client-secret"
LOCAL_ZOOM_WEBHOOK_SECRET="sim-webhook-secret-token"

# The settings every function gets on the local stack (see README "Configuration").
function_settings() {
  cat <<SETTINGS
ZOOM_ALLOWED_HOSTS=http://127.0.0.1:$ZOOM_SIM_PORT
ZOOM_API_BASE_URL=http://127.0.0.1:$ZOOM_SIM_PORT/v2
ZOOM_OAUTH_TOKEN_URL=http://127.0.0.1:$ZOOM_SIM_PORT/oauth/token
ZOOM_ACCOUNT_ID=$LOCAL_ZOOM_ACCOUNT_ID
ZOOM_CLIENT_ID=$LOCAL_ZOOM_CLIENT_ID
ZOOM_CLIENT_SECRET=$LOCAL_ZOOM_CLIENT_SECRET
ZOOM_WEBHOOK_SECRET_TOKEN=$LOCAL_ZOOM_WEBHOOK_SECRET
RECORDINGS_BUCKET=$LOCAL_BUCKET
RECORDINGS_TABLE=$LOCAL_TABLE
STATE_MACHINE_ARN=arn:aws:states:$LOCAL_REGION:$LOCAL_ACCOUNT_ID:stateMachine:$LOCAL_STATE_MACHINE_NAME
ZOOM_CHANGE_STATE_MACHINE_ARN=arn:aws:states:$LOCAL_REGION:$LOCAL_ACCOUNT_ID:stateMachine:$LOCAL_ZOOM_CHANGE_STATE_MACHINE_NAME
S3_FORCE_PATH_STYLE=true
ARCHIVE_MIN_DURATION_MINUTES=1
NOTIFY_QUEUE_URL=http://127.0.0.1:$MOTO_PORT/$LOCAL_ACCOUNT_ID/$LOCAL_QUEUE
TRANSFER_CALL_BUDGET_SECONDS=${LOCAL_STACK_TRANSFER_CALL_BUDGET_SECONDS:-10}
TRANSFER_DEADLINE_MARGIN_SECONDS=5
OPERATIONS_DEADLINE_MARGIN_SECONDS=5
OPERATIONS_CALL_BUDGET_SECONDS=${LOCAL_STACK_OPERATIONS_CALL_BUDGET_SECONDS:-2}
SETTINGS
}

# Where the AWS SDK finds the local stack; S3 on the port given (default: s3s-fs itself).
aws_settings() {
  local s3_port="${1:-$S3_PORT}"
  cat <<SETTINGS
AWS_REGION=$LOCAL_REGION
AWS_DEFAULT_REGION=$LOCAL_REGION
AWS_ACCESS_KEY_ID=$LOCAL_ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$LOCAL_SECRET_KEY
AWS_EC2_METADATA_DISABLED=true
AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
AWS_ENDPOINT_URL_S3=http://127.0.0.1:$s3_port
SETTINGS
}

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# Fails with the end of the log that explains why: CI shows only what we print.
die_showing_log() {
  local log_file="$1"
  shift
  log "error: $*; see $log_file"
  if [[ -s "$log_file" ]]; then
    log "--- last 40 lines of $log_file:"
    tail -n 40 "$log_file" | sed 's/^/    /' >&2
    log "---"
  fi
  exit 1
}

# Python venv with moto's server and cargo-lambda (a PyPI wheel with the static binary).
ensure_python_tools() {
  local stamp="$VENV_DIR/.installed-moto-$MOTO_VERSION-cargo-lambda-$CARGO_LAMBDA_VERSION"
  [[ -f "$stamp" ]] && return 0
  command -v python3 >/dev/null || die "python3 is required (apt-get install python3 python3-venv)"
  log "installing moto[server] $MOTO_VERSION and cargo-lambda $CARGO_LAMBDA_VERSION into $VENV_DIR"
  mkdir -p "$LOG_DIR"
  if [[ ! -x "$VENV_DIR/bin/pip" ]]; then
    python3 -m venv "$VENV_DIR" || die "python3 -m venv failed (apt-get install python3-venv)"
  fi
  "$VENV_DIR/bin/pip" install --quiet --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" "cargo-lambda==$CARGO_LAMBDA_VERSION" \
    >"$LOG_DIR/install-python-tools.log" 2>&1 ||
    die_showing_log "$LOG_DIR/install-python-tools.log" "pip install failed"
  touch "$stamp"
}

# s3s-fs, the local S3 server, built from its crates.io source into the git-ignored tools dir,
# patched for object keys longer than its file names allow (scripts/lib/patch_s3s_fs.py).
ensure_s3s_fs() {
  local stamp="$TOOLS_BIN/.s3s-fs-$S3S_FS_VERSION-long-keys-no-such-upload" src="$LOCAL_DIR/src/s3s-fs-$S3S_FS_VERSION"
  [[ -f "$stamp" && -x "$TOOLS_BIN/s3s-fs" ]] && return 0
  log "building s3s-fs $S3S_FS_VERSION (a few minutes, once)"
  mkdir -p "$LOG_DIR" "$LOCAL_DIR/src"
  rm -rf "$src"
  curl -sfL --retry 3 "https://static.crates.io/crates/s3s-fs/s3s-fs-$S3S_FS_VERSION.crate" |
    tar -xz -C "$LOCAL_DIR/src" || die "could not download s3s-fs $S3S_FS_VERSION from crates.io"
  python3 "$REPO_ROOT/scripts/lib/patch_s3s_fs.py" "$src" || die "patching s3s-fs failed"
  # Its own workspace, not ours (.local lies inside the repository).
  printf '\n[workspace]\n' >>"$src/Cargo.toml"
  cargo install --path "$src" --locked --features binary --root "$LOCAL_DIR" --force \
    >"$LOG_DIR/install-s3s-fs.log" 2>&1 ||
    die_showing_log "$LOG_DIR/install-s3s-fs.log" "cargo install s3s-fs failed"
  touch "$stamp"
}

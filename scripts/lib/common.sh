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
MOTO_PORT="${LOCAL_STACK_MOTO_PORT:-5010}"
S3_PORT="${LOCAL_STACK_S3_PORT:-5020}"

# Credentials the local servers accept (s3s-fs checks them; moto accepts any).
LOCAL_ACCESS_KEY="local-stack-access-key"
LOCAL_SECRET_KEY="local-stack-secret-key"
LOCAL_REGION="us-east-1"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

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
    die "pip install failed; see $LOG_DIR/install-python-tools.log"
  touch "$stamp"
}

# s3s-fs, the local S3 server, built from crates.io into the git-ignored tools dir.
ensure_s3s_fs() {
  local version
  version="$("$TOOLS_BIN/s3s-fs" --version 2>/dev/null || true)"
  [[ "$version" == *"$S3S_FS_VERSION"* ]] && return 0
  log "building s3s-fs $S3S_FS_VERSION (a few minutes, once)"
  mkdir -p "$LOG_DIR"
  cargo install "s3s-fs@$S3S_FS_VERSION" --locked --features binary --root "$LOCAL_DIR" \
    >"$LOG_DIR/install-s3s-fs.log" 2>&1 ||
    die "cargo install s3s-fs failed; see $LOG_DIR/install-s3s-fs.log"
}

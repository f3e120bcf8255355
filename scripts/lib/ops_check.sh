#!/usr/bin/env bash
# scripts/ops against the local stack, as an operator runs it: every command has --help, the
# table is rebuilt from the bucket the end-to-end tests filled, retention's dry run lists, and an
# invalid document is refused with its problems (exit status 1). Run by scripts/test.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

fail() {
  echo "scripts/ops check failed: $*"
  exit 1
}

for command in reingest reindex scan rebuild-db expire; do
  scripts/ops "$command" --help >/dev/null || fail "$command --help"
done

out="$(scripts/ops rebuild-db 2>&1)" || fail "rebuild-db: $out"
echo "$out"
grep -q '^rebuilt the table from [1-9]' <<<"$out" || fail "rebuild-db found no documents"

out="$(scripts/ops expire --dry-run 2>&1)" || fail "expire --dry-run: $out"
echo "$out"
grep -q '^DRY RUN: examined [1-9]' <<<"$out" || fail "expire --dry-run examined nothing"

invalid="$(mktemp)"
trap 'rm -f "$invalid"' EXIT
echo '{"schema_version": 1, "folder": "recordings/x"}' >"$invalid"
out="$(scripts/ops reindex "$invalid" 2>&1)" && fail "reindex accepted an invalid document: $out"
echo "$out"
grep -q 'nothing was written; 3 problem(s)' <<<"$out" || fail "reindex did not list the problems"
# Retention never deletes without a person's yes: a recording made due (a past disposition,
# reindexed) is listed, and with stdin closed nothing is deleted.
due="$(mktemp)"
trap 'rm -f "$invalid" "$due"' EXIT
# shellcheck disable=SC1091
source scripts/lib/common.sh
eval "$(scripts/local-stack env)"
folder="$(.local/venv/bin/python - "$due" <<'PY'
import json, os, sys
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"])
bucket = os.environ["RECORDINGS_BUCKET"]
keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", []) if o["Key"].endswith("/recording.json")]
def intact(document):
    """Every file in the bucket with its size: a recording reindex accepts (tests damage some)."""
    for file in document.get("files", []):
        try:
            if s3.head_object(Bucket=bucket, Key=file["key"])["ContentLength"] != file["size"]:
                return False
        except Exception:
            return False
    return True
for key in keys:
    document = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    if not document.get("expired_at") and intact(document):
        document["disposition"] = {"policy": "delete_after", "at": "2020-01-01T00:00:00Z"}
        open(sys.argv[1], "w").write(json.dumps(document))
        print(document["folder"])
        break
PY
)" || fail "could not read a recording document"
[[ -n "$folder" ]] || fail "no archived recording to try retention on"
before="$(.local/venv/bin/python -c 'import boto3,os,sys; print(boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"]).list_objects_v2(Bucket=os.environ["RECORDINGS_BUCKET"], Prefix=sys.argv[1] + "/")["KeyCount"])' "$folder")"
out="$(scripts/ops reindex "$due" 2>&1)" || fail "reindex of a due disposition: $out"
out="$(scripts/ops expire </dev/null 2>&1)" && fail "expire deleted without asking: $out"
echo "$out"
grep -q 'nothing deleted: confirm at the prompt, or pass --yes' <<<"$out" || fail "expire did not say why it deleted nothing"
grep -q "$folder" <<<"$out" || fail "expire did not list the due recording"
after="$(.local/venv/bin/python -c 'import boto3,os,sys; print(boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"]).list_objects_v2(Bucket=os.environ["RECORDINGS_BUCKET"], Prefix=sys.argv[1] + "/")["KeyCount"])' "$folder")"
[[ "$before" == "$after" ]] || fail "expire without --yes deleted objects ($before before, $after after)"
echo "scripts/ops check passed"

#!/usr/bin/env python3
"""scripts/ops: the operations functions, invoked the way an operator would.

Locally each function is invoked through the local stack's Lambda API (cargo lambda behind the
router); with --stack NAME, the deployed function named in the stack's outputs is invoked with
the AWS CLI. Functions that answer with a continuation (scan, rebuild-db, expire) are called
again until they are done. Output is a human-readable summary; --json prints the raw answers.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

FUNCTIONS = {
    "reingest": ("start-ingest", "StartIngestFunctionName"),
    "reindex": ("reindex-recording", "ReindexRecordingFunctionName"),
    "scan": ("scan-missed-meetings", "ScanMissedMeetingsFunctionName"),
    "rebuild-db": ("rebuild-database", "RebuildDatabaseFunctionName"),
    "expire": ("expire-recordings", "ExpireRecordingsFunctionName"),
}


class FunctionError(Exception):
    """The function answered with an error (errorType, errorMessage)."""

    def __init__(self, answer):
        self.answer = answer
        super().__init__(f"{answer.get('errorType')}: {answer.get('errorMessage')}")


def invoke_local(function, payload):
    endpoint = os.environ["OPS_LOCAL_ENDPOINT"]
    request = urllib.request.Request(
        f"{endpoint}/2015-03-31/functions/{function}/invocations",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=960) as response:
            body = json.loads(response.read() or b"null")
            if response.headers.get("X-Amz-Function-Error"):
                raise FunctionError(body)
            return body
    except urllib.error.URLError as error:
        sys.exit(
            f"error: the local stack does not answer on {endpoint} ({error}).\n"
            "Start it with: scripts/local-stack up"
        )


def stack_output(stack, key):
    try:
        value = subprocess.run(
            ["aws", "cloudformation", "describe-stacks", "--stack-name", stack,
             "--query", f"Stacks[0].Outputs[?OutputKey=='{key}'].OutputValue", "--output", "text"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    except FileNotFoundError:
        sys.exit("error: --stack needs the AWS CLI (aws) with credentials for the stack's account")
    except subprocess.CalledProcessError as error:
        sys.exit(f"error: cannot read stack {stack}: {error.stderr.strip()}")
    if not value or value == "None":
        sys.exit(f"error: stack {stack} has no output {key}; deploy the current infra/template.yaml")
    return value


def invoke_deployed(function_name, payload):
    with tempfile.TemporaryDirectory() as work:
        request, answer = os.path.join(work, "in.json"), os.path.join(work, "out.json")
        with open(request, "w", encoding="utf-8") as f:
            json.dump(payload, f)
        meta = json.loads(subprocess.run(
            ["aws", "lambda", "invoke", "--function-name", function_name,
             "--cli-binary-format", "raw-in-base64-out", "--cli-read-timeout", "960",
             "--payload", f"file://{request}", answer],
            check=True, capture_output=True, text=True,
        ).stdout)
        with open(answer, encoding="utf-8") as f:
            body = json.load(f)
    if meta.get("FunctionError"):
        raise FunctionError(body)
    return body


def invoker(args, command):
    local_name, output_key = FUNCTIONS[command]
    if args.stack:
        name = stack_output(args.stack, output_key)
        return lambda payload: invoke_deployed(name, payload)
    return lambda payload: invoke_local(local_name, payload)


def until_done(invoke, payload, progress):
    """Calls again with each continuation until the function answers done."""
    answers = []
    while True:
        answer = invoke(payload)
        answers.append(answer)
        if answer.get("done", True):
            return answer, answers
        progress(answer)
        payload = dict(payload, continuation=answer["continuation"])


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        sys.exit(f"error: {path}: {error}")


# ---- commands ----------------------------------------------------------------------------

def reingest(args, invoke):
    if args.webhook:
        payload = read_json(args.webhook)
    else:
        payload = {"meeting_uuid": args.uuid, "kind": "transcript" if args.transcript else "recording"}
    answer = invoke(payload)
    if args.json:
        return print(json.dumps(answer, indent=2))
    if answer["started"]:
        print(f"started {answer['execution_name']} for meeting {answer['meeting_uuid']}")
        print(f"  execution: {answer['execution_arn']}")
        files = answer.get("zoom_files")
        print(f"  Zoom lists {files} file(s)" if files is not None else
              "  the recording is in Zoom's trash: the execution recovers it first")
    else:
        print(f"nothing started for meeting {answer['meeting_uuid']}: {answer['reason']}")


def reindex(args, invoke):
    answer = invoke(read_json(args.document))
    if args.json:
        return print(json.dumps(answer, indent=2))
    print(f"reindexed meeting {answer['meeting_uuid']} ({answer['status']}, {answer['files']} files)")
    print(f"  document: {answer['document_key']}")
    if answer.get("notified"):
        print("  downstream systems told (recording.reindexed)")


def scan(args, invoke):
    payload = {"days": args.days} if args.days else {}
    progress = lambda a: print(
        f"  ... {a['instances_seen']} instances seen, {a['started']} started so far", file=sys.stderr)
    answer, answers = until_done(invoke, payload, progress)
    if args.json:
        return print(json.dumps(answer, indent=2))
    print(f"scanned {answer['start']} .. {answer['until']} in {len(answers)} call(s), "
          f"{answer['list_calls']} listing calls")
    relisted = answer.get("window_relists", 0) + answer.get("window_restarts", 0)
    if relisted:
        print(f"  windows listed again: {relisted} (the listing changed while paged, or a page token expired)")
    for label, key in [("instances seen", "instances_seen"), ("already archived", "already_archived"),
                       ("skipped by the archive rules", "skipped_by_rules"), ("started", "started"),
                       ("already being ingested", "already_started"),
                       ("  of which failed earlier", "failed_earlier"), ("failed to start", "failed")]:
        print(f"  {label:<30} {answer.get(key, 0)}")
    for failure in answer.get("failures", []):
        print(f"  ! {failure['meeting_uuid']}: {failure['error']}")
    if answer.get("failed_earlier"):
        print("their ingest failed earlier; archive them with 'scripts/ops reingest --uuid UUID' once the cause is fixed:")
        for uuid in answer.get("needs_reingest", []):
            print(f"  {uuid}")
    if answer.get("unreadable"):
        print(f"Zoom listed {answer['unreadable']} entr(y/ies) that are not a readable meeting (the rest was scanned):")
        for entry in answer.get("unreadable_listed", []):
            print(f"  ! {entry.get('uuid') or '(no uuid)'}: {entry['problem']}")


def rebuild_db(args, invoke):
    progress = lambda a: print(f"  ... {a['documents']} documents so far", file=sys.stderr)
    answer, answers = until_done(invoke, {}, progress)
    if args.json:
        return print(json.dumps(answer, indent=2))
    print(f"rebuilt the table from {answer['documents']} recording document(s) in {len(answers)} call(s)")
    print(f"  items written       {answer['upserted']}")
    print(f"  ingest running      {answer['skipped_ingesting']} (left alone)")
    print(f"  malformed documents {len(answer['malformed'])}")
    for bad in answer["malformed"]:
        print(f"  ! {bad['key']}: {'; '.join(bad['problems'])}")


def expire(args, invoke):
    progress = lambda a: print(f"  ... {a['examined']} examined so far", file=sys.stderr)
    listed, _ = until_done(invoke, {"dry_run": True}, progress)
    if args.dry_run or not listed["expired"]:
        return print_expiry(args, listed, dry_run=True)
    if not args.yes and not confirm_deletion(listed):
        print_expiry(args, listed, dry_run=True)
        sys.exit("nothing deleted: confirm at the prompt, or pass --yes")
    answer, _ = until_done(invoke, {"dry_run": False}, progress)
    print_expiry(args, answer, dry_run=False)


def confirm_deletion(listed):
    """Asks on the terminal; a closed or non-interactive stdin is a no."""
    total = sum(e["bytes"] for e in listed["expired"])
    print(f"{len(listed['expired'])} recording(s), {total / 2**30:.2f} GiB, would be deleted:",
          file=sys.stderr)
    for e in listed["expired"]:
        print(f"  - {e['folder']}: {e['reason']}", file=sys.stderr)
    if not sys.stdin or not sys.stdin.isatty():
        print("stdin is not a terminal, so there is no one to ask", file=sys.stderr)
        return False
    print("Delete them? Type 'delete' to go on: ", end="", file=sys.stderr, flush=True)
    try:
        return sys.stdin.readline().strip() == "delete"
    except (OSError, EOFError):
        return False


def print_expiry(args, answer, dry_run):
    if args.json:
        return print(json.dumps(answer, indent=2))
    verb = "would expire" if dry_run else "expired"
    total = sum(e["bytes"] for e in answer["expired"])
    print(f"{'DRY RUN: ' if dry_run else ''}examined {answer['examined']} archived recording(s); "
          f"kept {answer['kept']}; {verb} {len(answer['expired'])} ({total / 2**30:.2f} GiB)")
    for e in answer["expired"]:
        deleted = "" if dry_run else f", {e['objects_deleted']} objects deleted"
        print(f"  - {e.get('start_time') or '?'}  {e.get('topic') or '(no topic)'}  [{e['meeting_uuid']}]")
        print(f"      {e['folder']}: {e['reason']}{deleted}")
    for uuid in answer.get("disagreeing", []):
        print(f"  ! {uuid}: its document keeps it although the table would expire it; reindex it")
    for refused in answer.get("refused", []):
        print(f"  ! {refused['meeting_uuid']}: not deleted: {refused['reason']}")


def main():
    parser = argparse.ArgumentParser(
        prog="scripts/ops",
        description="Operate the archive: re-ingest, reindex, scan, rebuild the table, retention. "
                    "Works against the local stack (scripts/local-stack up) unless --stack names a "
                    "deployed stack (read from its outputs with the AWS CLI).")
    parser.add_argument("--stack", help="a deployed stack's name (default: the local stack)")
    parser.add_argument("--json", action="store_true", help="print the raw JSON answer")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("reingest", help="archive one meeting instance again (a manual re-run)",
                            description="Start an ingest of one meeting instance on purpose. A complete "
                            "archive is not run again; a damaged one (a file deleted from the bucket) "
                            "is copied again into the same folder.")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--uuid", help="the meeting instance's uuid (not the meeting number)")
    source.add_argument("--webhook", metavar="FILE",
                        help="a recording.completed body as Zoom sent it or as stored in S3 (webhook.json)")
    p.add_argument("--transcript", action="store_true", help="with --uuid: ingest the late transcript")
    p.set_defaults(run=reingest)

    p = commands.add_parser("reindex", help="write an edited recording.json to S3 and the table",
                            description="Validate an edited recording document (schema, fields, every "
                            "file in the bucket with its size) and write it to S3 and DynamoDB. An "
                            "invalid document changes nothing; every problem is listed.")
    p.add_argument("document", help="the edited recording.json")
    p.set_defaults(run=reindex)

    p = commands.add_parser("scan", help="start ingests for recordings the webhook missed",
                            description="List the account's recordings over the last SCAN_DAYS (or "
                            "--days) and start an ingest for every instance the table does not hold "
                            "as archived, under the webhook's execution name (never twice).")
    p.add_argument("--days", type=int, help="how far back to look (default: the SCAN_DAYS setting)")
    p.set_defaults(run=scan)

    p = commands.add_parser("rebuild-db", help="rebuild the table from the bucket's documents",
                            description="Read every recording.json in the bucket and write its table "
                            "item. Idempotent; malformed documents are reported and skipped.")
    p.set_defaults(run=rebuild_db)

    p = commands.add_parser("expire", help="apply retention (try --dry-run first)",
                            description="Delete archived recordings past RETENTION_DAYS or their own "
                            "disposition; the document stays as a tombstone and the item becomes "
                            "EXPIRED. No policy, no deletion. Lists what would go first and asks "
                            "before deleting (--yes to skip the question, e.g. from cron).")
    p.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    p.add_argument("--yes", action="store_true", help="delete without asking")
    p.set_defaults(run=expire)

    args = parser.parse_args()
    invoke = invoker(args, args.command)
    try:
        args.run(args, invoke)
    except FunctionError as error:
        answer = error.answer
        print(f"error ({answer.get('errorType', 'unknown')}): {answer.get('errorMessage', answer)}",
              file=sys.stderr)
        if not args.stack and answer.get("errorType") == "Zoom.Unavailable":
            print("hint: locally, Zoom is zoom-sim; 'scripts/demo --keep' leaves one running "
                  "with a demo meeting", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

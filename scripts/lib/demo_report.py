"""Follows the demo's execution and prints what a user wants to see (run by scripts/demo)."""

import hashlib
import json
import os
import sys
import time
import urllib.parse
import urllib.request

import boto3

SIM_URL = os.environ["SIM_URL"]
UUID = os.environ["MEETING_UUID"]
STARTED = int(os.environ["START_NS"]) / 1e9
STATE_MACHINE = os.environ["LOCAL_STACK_STATE_MACHINE_ARN"]


def sim(path):
    with urllib.request.urlopen(SIM_URL + path) as answer:
        return json.load(answer)


def execution_arn():
    name = "recording-" + hashlib.sha256(UUID.encode()).hexdigest()
    return STATE_MACHINE.replace(":stateMachine:", ":execution:") + ":" + name


def follow(sfn, arn):
    seen = 0
    while True:
        history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        for event in history[seen:]:
            entered = event.get("stateEnteredEventDetails")
            if entered:
                print(f"  {time.time() - STARTED:7.1f} s  {entered['name']}")
        seen = len(history)
        execution = sfn.describe_execution(executionArn=arn)
        if execution["status"] != "RUNNING":
            return execution
        time.sleep(0.5)


def sha256_of(s3, bucket, key):
    digest = hashlib.sha256()
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    for chunk in iter(lambda: body.read(8 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def main():
    sfn = boto3.client("stepfunctions")
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"])
    table = boto3.resource("dynamodb").Table(os.environ["RECORDINGS_TABLE"])
    bucket = os.environ["RECORDINGS_BUCKET"]
    arn = execution_arn()
    for _ in range(100):
        try:
            sfn.describe_execution(executionArn=arn)
            break
        except sfn.exceptions.ExecutionDoesNotExist:
            time.sleep(0.1)
    print(f"Execution {arn.rsplit(':', 1)[1][:26]}...")
    execution = follow(sfn, arn)
    elapsed = time.time() - STARTED
    print(f"\nExecution {execution['status']} after {elapsed:.1f} s")
    if execution["status"] != "SUCCEEDED":
        print(f"  error: {execution.get('error')}\n  cause: {execution.get('cause')}")
    item = table.get_item(Key={"meeting_uuid": UUID}, ConsistentRead=True).get("Item")
    if not item:
        print("No table item.")
        return 1
    total = 0
    print("\nFiles (S3 object against the bytes zoom-sim served):")
    all_match = True
    for file in item.get("files", []):
        expected = sim("/_sim/files/" + urllib.parse.quote(file["file_id"], safe=""))
        actual = sha256_of(s3, bucket, file["key"])
        match = actual == expected["sha256"] and int(file["size"]) == expected["size"]
        all_match &= match
        total += int(file["size"])
        print(f"  {'OK  ' if match else 'DIFF'} {int(file['size']):>11,} B  sha256 {actual[:16]}...  {file['key'].rsplit('/', 1)[1]}")
    print(f"  {len(item.get('files', []))} files, {total / 2**20:.1f} MiB, {total / 2**20 / elapsed:.1f} MiB/s end to end")
    print(f"\nS3 tree of s3://{bucket}/{item['folder']}/")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=item["folder"] + "/"):
        for entry in page.get("Contents", []):
            print(f"  {entry['Size']:>11,}  {entry['Key'][len(item['folder']) + 1:]}")
    print("\nDynamoDB item:")
    shown = {k: v for k, v in item.items() if k != "files"}
    shown["files"] = f"[{len(item.get('files', []))} files]"
    print("  " + json.dumps(shown, indent=2, default=str).replace("\n", "\n  "))
    trash = [r for r in sim("/_sim/trash") if r["meeting_uuid"] == UUID]
    print(f"\nZoom trash calls for this meeting: {len(trash)} {[r['action'] for r in trash]}")
    ok = execution["status"] == "SUCCEEDED" and all_match and item["status"] == "TRASHED" and len(trash) == 1
    print("\nDemo " + ("passed: archived, verified, trashed once." if ok else "did NOT pass (see above)."))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

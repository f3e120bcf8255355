"""Creates (or updates) the local stack's resources, the way infra/template.yaml does on AWS:
the bucket, the table with its indexes, the notification queue, and the three state machines of
statemachine/ (the ingest, the scheduled scan and Zoom's changes) with their ${...} placeholders filled in.

Run by `scripts/local-stack up` with the venv's Python (boto3 comes with moto); idempotent."""

import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

REGION = os.environ["AWS_REGION"]
ACCOUNT = os.environ["LOCAL_ACCOUNT_ID"]
SUBSTITUTIONS = {
    "IngestMetadataFunctionArn": "ingest-metadata",
    "RetrieveRecordingFunctionArn": "retrieve-recording",
    "FinishIngestFunctionArn": "finish-ingest",
    "ScanMissedMeetingsFunctionArn": "scan-missed-meetings",
    "ApplyZoomChangeFunctionArn": "apply-zoom-change",
}


def function_arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def bucket(name):
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"])
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        s3.create_bucket(Bucket=name)


def table(name):
    dynamodb = boto3.client("dynamodb")
    if name in dynamodb.list_tables()["TableNames"]:
        return
    index = lambda index_name, partition: {
        "IndexName": index_name,
        "KeySchema": [
            {"AttributeName": partition, "KeyType": "HASH"},
            {"AttributeName": "start_time", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": attribute, "AttributeType": "S"}
            for attribute in ("meeting_uuid", "start_month", "start_time", "host_email")
        ],
        KeySchema=[{"AttributeName": "meeting_uuid", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            index("by-start-month", "start_month"),
            index("by-host", "host_email"),
        ],
    )


def queue(name):
    boto3.client("sqs").create_queue(QueueName=name)


def state_machine(name, definition_path):
    definition = open(definition_path, encoding="utf-8").read()
    for placeholder, function in SUBSTITUTIONS.items():
        definition = definition.replace("${" + placeholder + "}", function_arn(function))
    if "${" in definition:
        sys.exit(f"unfilled placeholder left in {definition_path}")
    json.loads(definition)
    sfn = boto3.client("stepfunctions")
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
    role = f"arn:aws:iam::{ACCOUNT}:role/zoom-archiver-local-state-machine"
    try:
        sfn.describe_state_machine(stateMachineArn=arn)
        sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=role)
    except ClientError as error:
        if error.response["Error"]["Code"] != "StateMachineDoesNotExist":
            raise
        sfn.create_state_machine(name=name, definition=definition, roleArn=role)


def main():
    bucket(os.environ["RECORDINGS_BUCKET"])
    table(os.environ["RECORDINGS_TABLE"])
    queue(os.environ["LOCAL_QUEUE"])
    definitions = os.environ["STATEMACHINE_DIR"]
    state_machine(
        os.environ["LOCAL_STATE_MACHINE_NAME"],
        os.path.join(definitions, "ingest-recording.asl.json"),
    )
    state_machine(
        os.environ["LOCAL_SCAN_STATE_MACHINE_NAME"],
        os.path.join(definitions, "scan-missed-meetings.asl.json"),
    )
    state_machine(
        os.environ["LOCAL_ZOOM_CHANGE_STATE_MACHINE_NAME"],
        os.path.join(definitions, "zoom-change.asl.json"),
    )


if __name__ == "__main__":
    main()

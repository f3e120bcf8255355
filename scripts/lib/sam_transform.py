"""Expands infra/template.yaml's SAM resources into plain CloudFormation, offline, so cfn-lint and
checkov check what CloudFormation would really deploy (recent cfn-lint releases skip much of a
SAM template's content, a broken reference in a policy passes unseen).

What `sam build` / `sam package` would do first is done here by hand: local CodeUri paths become
placeholder S3 locations and DefinitionUri is inlined as Definition (with its substitutions).

Usage: sam_transform.py TEMPLATE OUTPUT.json [BASE_DIR]
BASE_DIR (default: the template's folder) is where relative CodeUri/DefinitionUri paths start, so
a deliberately broken copy elsewhere is read as if it were infra/template.yaml."""

import json
import os
import sys

from cfnlint.decode import decode
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform


class OfflinePolicies:
    """AWS managed policies SAM attaches by name (tracing), without asking IAM."""

    def load(self):
        return {
            "AWSXRayDaemonWriteAccess": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
            "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        }


def as_if_packaged(template, base_dir):
    for name, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function":
            code_uri = properties.get("CodeUri", "")
            path = os.path.normpath(os.path.join(base_dir, code_uri))
            if not os.path.isfile(os.path.join(path, "Cargo.toml")):
                sys.exit(f"{name}: CodeUri {code_uri} is not a crate ({path}/Cargo.toml missing)")
            properties["CodeUri"] = f"s3://offline-check/{name}.zip"
        if resource.get("Type") == "AWS::Serverless::StateMachine" and "DefinitionUri" in properties:
            path = os.path.join(base_dir, properties.pop("DefinitionUri"))
            with open(path, encoding="utf-8") as definition:
                properties["Definition"] = json.load(definition)
    return template


def main():
    source, output = sys.argv[1], sys.argv[2]
    base_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.dirname(os.path.abspath(source))
    # The translator fills in pseudo parameters; any region will do offline.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template, matches = decode(source)
    if matches:
        for match in matches:
            print(match, file=sys.stderr)
        sys.exit(f"{source} could not be read")
    template = as_if_packaged(template, base_dir)
    try:
        translated = transform(template, {}, OfflinePolicies())
    except InvalidDocumentException as error:
        for cause in error.causes:
            print(f"SAM: {cause.message}", file=sys.stderr)
        sys.exit(f"{source} is not a valid SAM template")
    with open(output, "w", encoding="utf-8") as out:
        json.dump(translated, out, indent=1, default=str)


if __name__ == "__main__":
    main()

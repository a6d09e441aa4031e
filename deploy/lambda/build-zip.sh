#!/usr/bin/env bash
# Builds target/gitfn-lambda.zip for terraform/ (runtime java21, handler run.sh, the Web Adapter layer):
# the packaged application (target/quarkus-app) and run.sh. Run after ./mvnw package.
set -euo pipefail
cd "$(dirname "$0")/../.."
test -f target/quarkus-app/quarkus-run.jar || { echo "run ./mvnw package first" >&2; exit 1; }
rm -rf target/lambda-zip target/gitfn-lambda.zip
mkdir -p target/lambda-zip
cp -r target/quarkus-app target/lambda-zip/
install -m 0755 deploy/lambda/run.sh target/lambda-zip/run.sh
(cd target/lambda-zip && python3 -c '
import os, zipfile
with zipfile.ZipFile("../gitfn-lambda.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk("."):
        for f in sorted(files):
            p = os.path.join(root, f)
            info = zipfile.ZipInfo.from_file(p, os.path.relpath(p, "."))
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(p, "rb") as data:
                z.writestr(info, data.read())
')
echo "target/gitfn-lambda.zip: $(du -h target/gitfn-lambda.zip | cut -f1)"

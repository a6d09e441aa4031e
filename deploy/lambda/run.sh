#!/bin/sh
# Started by the Lambda Web Adapter (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap, handler run.sh):
# gitfn as its usual HTTP server on 127.0.0.1:8080; the adapter turns invocations into requests.
exec java $JAVA_TOOL_OPTIONS_EXTRA -jar /var/task/quarkus-app/quarkus-run.jar

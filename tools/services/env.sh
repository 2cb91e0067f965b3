#!/usr/bin/env bash
# Prints the environment for distributed mode against the servers that tools/services/all.sh runs, as `export` lines:
#   eval "$(tools/services/env.sh)"
# The MICROSCOPE_TEST_* variables tell the storage specs that a real server is up (they skip without them).
source "$(dirname "$0")/lib.sh"

cat <<VARS
export MICROSCOPE_BUS=kafka
export MICROSCOPE_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export MICROSCOPE_BLOB=s3
export MICROSCOPE_S3_ENDPOINT=http://127.0.0.1:$SWIFT_PROXY_PORT
export MICROSCOPE_S3_REGION=us-east-1
export MICROSCOPE_S3_ACCESS_KEY=$S3_ACCESS_KEY
export MICROSCOPE_S3_SECRET_KEY=$S3_SECRET_KEY
export MICROSCOPE_S3_BUCKET=microscope
export MICROSCOPE_WAREHOUSE=clickhouse
export MICROSCOPE_CLICKHOUSE_URL=http://127.0.0.1:$CLICKHOUSE_HTTP_PORT
export MICROSCOPE_CLICKHOUSE_DATABASE=microscope
export MICROSCOPE_TEST_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export MICROSCOPE_TEST_S3_ENDPOINT=http://127.0.0.1:$SWIFT_PROXY_PORT
export MICROSCOPE_TEST_S3_ACCESS_KEY=$S3_ACCESS_KEY
export MICROSCOPE_TEST_S3_SECRET_KEY=$S3_SECRET_KEY
export MICROSCOPE_TEST_CLICKHOUSE_URL=http://127.0.0.1:$CLICKHOUSE_HTTP_PORT
VARS

#!/bin/bash
# The host goes back behind the load balancer only if the service answers 200 locally.
# A failure here fails this host's deployment, and CodeDeploy stops and rolls back.
set -uo pipefail
for attempt in $(seq 1 30); do
  status=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/ || true)
  if [ "$status" = "200" ]; then
    echo "service answered 200 after $attempt attempt(s)"
    exit 0
  fi
  sleep 2
done
echo "service did not answer 200 within 60 seconds (last status: $status)" >&2
exit 1

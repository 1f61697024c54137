#!/bin/sh
# A HIS's client for `opsp serve`, written from its OpenAPI document alone, in plain sh + curl:
# look the patient up, settle the bill, preview the refund of the middle settlement, refund it.
# Usage: his_client.sh BASE_URL DESK_TOKEN VISIT.json
set -eu
BASE=$1
AUTH="Authorization: Bearer $2"
VISIT=$3
JSON="Content-Type: application/json"

# The routes this client uses must be in the service's document.
DOC=$(curl -sf "$BASE/openapi.json")
for route in /v1/patients/lookup /v1/settlements /v1/refunds/plan /v1/refunds; do
  echo "$DOC" | grep -q "\"$route\"" || { echo "missing route $route" >&2; exit 2; }
done

call() {  # call METHOD PATH [BODY [KEY]]: print the answer; fail on an HTTP error status
  if [ $# -ge 4 ]; then
    curl -sS --fail-with-body -X "$1" -H "$AUTH" -H "$JSON" -H "Idempotency-Key: $4" --data-binary "$3" "$BASE$2"
  elif [ $# -ge 3 ]; then
    curl -sS --fail-with-body -X "$1" -H "$AUTH" -H "$JSON" --data-binary "$3" "$BASE$2"
  else
    curl -sS --fail-with-body -X "$1" -H "$AUTH" "$BASE$2"
  fi
}
field() {  # field NAME: every value of "NAME":"value" in the answer on stdin, one per line
  grep -o "\"$1\":\"[^\"]*\"" | sed "s/^\"$1\":\"\(.*\)\"$/\1/"
}

CERTNO=$(grep -o '"mdtrt_cert_no": *"[^"]*"' "$VISIT" | sed 's/.*: *"\(.*\)"/\1/')
call POST /v1/patients/lookup "{\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"$CERTNO\"}" | field psn_no | sed 's/^/psn_no /'

BILL=HIS-$(date +%s)-$$
SETTLED=$(call POST /v1/settlements "$(cat "$VISIT")" "$BILL")
echo "$SETTLED" | field status | tr '\n' ' ' | sed 's/^/statuses /;s/ $/\n/'
echo "$SETTLED" | grep -o '"cash_to_collect":[0-9.]*' | head -1
# Replaying the same bill number returns the same answer and settles nothing.
AGAIN=$(call POST /v1/settlements "$(cat "$VISIT")" "$BILL")
[ "$AGAIN" = "$SETTLED" ] && echo "replay identical"

MIDDLE=$(echo "$SETTLED" | field setl_id | sed -n 2p)
PLAN=$(call POST /v1/refunds/plan "{\"setl_id\":\"$MIDDLE\"}")
STEPS=$(echo "$PLAN" | field action | wc -l | tr -d ' ')
echo "refund plan: $(echo "$PLAN" | field action | tr '\n' ' ')"
REFUND=$(call POST /v1/refunds "{\"setl_id\":\"$MIDDLE\",\"expect_steps\":$STEPS}" "$BILL-R")
echo "$REFUND" | grep -o '"complete":[a-z]*' | head -1
echo "$REFUND" | field new_setl_id | grep . | sed 's/^/resettled /'

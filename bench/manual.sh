#!/usr/bin/env bash
# The manual way: what a person checks by hand after a deploy, against the
# same sandbox the benchmark runs wsconform against. Each step uses the tool
# people reach for (dig, openssl s_client, the AWS CLI, curl --aws-sigv4, a
# Python websockets client) and is skipped when that tool is not installed.
# Run by `cargo bench --bench gate`, which starts the sandbox and sets:
#   SB_DNS_HOST SB_DNS_PORT SB_EDGE_PORT SB_GATEWAY_PORT SB_CA SB_CP_URL
#   AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
# Prints one line per step (`step seconds`) and `used: …` / `skipped: …`.
set -u
host=ws.example.com
api=a1b2c3d4e5
used=() skipped=()
have() { command -v "$1" >/dev/null 2>&1; }
step() { # name, command…
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  printf '%s %.3f\n' "$name" "$(echo "$t1 - $t0" | bc -l 2>/dev/null || python3 -c "print($t1-$t0)")"
}

if have dig; then
  used+=(dig)
  step dig-public dig @"$SB_DNS_HOST" -p "$SB_DNS_PORT" +short "$host" A
  step dig-target dig @"$SB_DNS_HOST" -p "$SB_DNS_PORT" +short d111111abcdef8.cloudfront.net A
else skipped+=(dig); fi

if have openssl; then
  used+=(openssl)
  step openssl-s_client sh -c "openssl s_client -connect 127.0.0.1:$SB_EDGE_PORT -servername $host -CAfile $SB_CA -verify_return_error -brief </dev/null"
else skipped+=(openssl); fi

if have aws; then
  used+=(aws)
  a() { aws --endpoint-url "$SB_CP_URL" --output json "$@"; }
  step cloudfront.get-distribution a cloudfront get-distribution --id E2SANDBOXWS01 --region us-east-1
  step apigatewayv2.get-domain-name a apigatewayv2 get-domain-name --domain-name "$host" --region ap-northeast-1
  step apigatewayv2.get-api-mappings a apigatewayv2 get-api-mappings --domain-name "$host" --region ap-northeast-1
  step apigatewayv2.get-api a apigatewayv2 get-api --api-id "$api" --region ap-northeast-1
  step apigatewayv2.get-stage a apigatewayv2 get-stage --api-id "$api" --stage-name Prod --region ap-northeast-1
  step apigatewayv2.get-routes a apigatewayv2 get-routes --api-id "$api" --region ap-northeast-1
  step route53.list-hosted-zones-by-name a route53 list-hosted-zones-by-name --dns-name example.com
  step route53.list-resource-record-sets a route53 list-resource-record-sets --hosted-zone-id Z0SANDBOXEXAMPLE
  step acm.describe-certificate a acm describe-certificate --region us-east-1 \
    --certificate-arn arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555
else skipped+=(aws); fi

if python3 -c 'import websockets' 2>/dev/null && have curl; then
  used+=(python3-websockets curl)
  step websocket-roundtrip python3 - <<PY
import json, socket, ssl, subprocess, os
from websockets.sync.client import connect
ctx = ssl.create_default_context(cafile=os.environ["SB_CA"])
sock = socket.create_connection(("127.0.0.1", int(os.environ["SB_EDGE_PORT"])))
with connect("wss://$host/websocket", sock=sock, ssl=ctx, server_hostname="$host") as ws:
    ws.send(json.dumps({"action": "echo", "payload": "manual"}))
    cid = json.loads(ws.recv(timeout=10))["connectionId"]
    quoted = cid.replace("=", "%3D").replace("+", "%2B").replace("/", "%2F")
    url = f"https://$host/websocket/@connections/{quoted}"
    base = ["curl", "-sf", "--cacert", os.environ["SB_CA"], "--connect-to", f"$host:443:127.0.0.1:{os.environ['SB_GATEWAY_PORT']}",
            "--aws-sigv4", "aws:amz:ap-northeast-1:execute-api",
            "--user", os.environ["AWS_ACCESS_KEY_ID"] + ":" + os.environ["AWS_SECRET_ACCESS_KEY"]]
    subprocess.run(base + ["-X", "POST", "--data", "hello", url], check=True)
    assert ws.recv(timeout=10) == "hello"
    subprocess.run(base + ["-X", "DELETE", url], check=True)
PY
else skipped+=(python3-websockets); fi

echo "used: ${used[*]:-none}"
echo "skipped: ${skipped[*]:-none}"

#!/usr/bin/env python3
"""Builds one named WebSocket deployment in a running moto server through the
real AWS APIs (boto3), and prints one JSON object describing it.

    python deploy.py --endpoint http://127.0.0.1:5000 --name b-seed
    python deploy.py --list

moto is reset first (POST /moto-api/reset), so each deployment starts from an
empty account. The corpus is CORPUS below: five good deployments (layouts a,
b-seed, b-regional, c, d) and single-field deviations of a, b and c. What
each check must say about each deployment is in expected.toml, written from
AWS's documentation, not from what wsconform prints.

Where moto cannot hold what real AWS would return, this script does not
invent it in moto: the values synthesized here are the custom domain's
regional target (`d-….execute-api.{region}.amazonaws.com`, real AWS's
ApiGatewayDomainName, which moto does not return), only used where a
deployment needs a name for it (a CloudFront origin, a Route 53 alias) and
given to the suite as `[custom_domain] regional_target`; and a custom cache
policy's id when moto answers CreateCachePolicy with 404 (moto 5.2.5), which
moto's GetCachePolicy then cannot read either.
"""

import argparse
import copy
import datetime
import hashlib
import json
import sys
import time
import urllib.request

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REGION = "ap-northeast-1"
ACCOUNT = "123456789012"  # moto's default account
OTHER_REGION = "us-west-2"
CF_REGION = "us-east-1"
HOST = "ws.example.com"
ORIGIN_DOMAIN = "origin-ws.example.com"

# Managed CloudFront policies (CloudFront Developer Guide, "Use managed
# origin request policies" / "Use managed cache policies").
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# Route 53 alias hosted zone ids (AWS General Reference, service endpoints).
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
APIGW_REGIONAL_ZONE = {"ap-northeast-1": "Z1YSHQZHG15GKL"}

SITE_ORIGIN = {"id": "site", "domain": "site-bucket.s3.ap-northeast-1.amazonaws.com", "s3": True}


def api_origin(domain, path=""):
    return {"id": "api", "domain": domain, "path": path, "protocol": "https-only", "ssl": ["TLSv1.2"]}


def base(layout):
    """The good deployment of a layout, as data; deviations edit a copy."""
    spec = {
        "layout": layout,
        "api": {
            "protocol": "WEBSOCKET",
            "rse": "$request.body.action",
            "disable_execute_api": layout != "a",
            # route key -> has an integration target
            "routes": {"$connect": True, "$default": True},
            # route key -> CreateRoute fields beyond the target: the echo's route answers
            # the client (two-way communication), as a working echo deployment does.
            "route_options": {"$default": {"RouteResponseSelectionExpression": "$default"}},
            "stages": ["Prod"],
            # What every route's target invokes: a Lambda function (AWS_PROXY) whose resource policy
            # lets API Gateway call it from this API's routes ({api} is the API id), with the timeout
            # AWS documents as the WebSocket default sent explicitly (moto 5.2.5 reports 30000 when
            # none is sent). Deviations replace it with an HTTP integration or edit the permission.
            "integration": {
                "type": "AWS_PROXY",
                "function": "wsconform-chat",
                "create_function": True,
                "permissions": [{"source_arn": "{api}/*"}],
                "timeout": 29000,
            },
            # `$connect`'s REQUEST authorizer (None: AuthorizationType NONE).
            "authorizer": None,
        },
        "domains": {},
        "cloudfront": None,
        "other_distribution": False,
        "records": [],
        "suite": {
            "stage": "Prod",
            "execute_api": "enabled" if layout == "a" else "disabled",
            "rse": "$request.body.action",
        },
    }
    cf = {
        "aliases": [HOST],
        "enabled": True,
        "acm": True,
        "cert_names": [HOST],
        "min_protocol": "TLSv1.2_2021",
        "ipv6": True,
        "origins": [],
        "behaviors": [],
        "default": {"origin": "site", "cache": CACHING_OPTIMIZED},
    }
    cf_alias = [{"name": HOST, "types": ["A", "AAAA"], "target": "{distribution}", "zone": CLOUDFRONT_ZONE}]
    if layout == "a":
        cf["origins"] = [api_origin("{execute_api}"), dict(SITE_ORIGIN)]
        cf["behaviors"] = [{"pattern": "Prod*", "origin": "api", "orp": ALL_VIEWER_EXCEPT_HOST, "cache": CACHING_DISABLED}]
        spec["cloudfront"] = cf
        spec["records"] = cf_alias
        spec["suite"]["url"] = f"wss://{HOST}/Prod"
    elif layout in ("b-seed", "b-regional"):
        target = "{execute_api}" if layout == "b-seed" else "{regional:" + HOST + "}"
        cf["origins"] = [api_origin(target), dict(SITE_ORIGIN)]
        cf["behaviors"] = [{"pattern": "websocket*", "origin": "api", "orp": ALL_VIEWER, "cache": CACHING_DISABLED}]
        spec["cloudfront"] = cf
        spec["domains"][HOST] = domain([{"key": "websocket", "stage": "Prod"}])
        spec["records"] = cf_alias
        spec["suite"]["url"] = f"wss://{HOST}/websocket"
        spec["suite"]["custom_domain"] = {"name": HOST, "mapping_key": "websocket"}
    elif layout == "c":
        spec["domains"][HOST] = domain([{"key": "chat", "stage": "Prod"}])
        spec["records"] = [
            {"name": HOST, "types": ["A", "AAAA"], "target": "{regional:" + HOST + "}", "zone": APIGW_REGIONAL_ZONE[REGION]}
        ]
        spec["suite"]["url"] = f"wss://{HOST}/chat"
        spec["suite"]["custom_domain"] = {"name": HOST, "mapping_key": "chat"}
    elif layout == "d":
        cf["origins"] = [api_origin(ORIGIN_DOMAIN), dict(SITE_ORIGIN)]
        cf["behaviors"] = [{"pattern": "ws*", "origin": "api", "orp": ALL_VIEWER_EXCEPT_HOST, "cache": CACHING_DISABLED}]
        spec["cloudfront"] = cf
        spec["domains"][ORIGIN_DOMAIN] = domain([{"key": "ws", "stage": "Prod"}])
        spec["records"] = cf_alias
        spec["suite"]["url"] = f"wss://{HOST}/ws"
        spec["suite"]["custom_domain"] = {"name": ORIGIN_DOMAIN, "mapping_key": "ws"}
    else:
        raise ValueError(f"unknown layout {layout}")
    if spec["cloudfront"] is not None:
        spec["suite"]["cloudfront"] = True
    return spec


def domain(mappings, endpoint="REGIONAL", tls="TLS_1_2", cert_names=None):
    return {"endpoint": endpoint, "tls": tls, "cert_names": cert_names, "mappings": mappings}


# ---------------------------------------------------------------------------
# The corpus: name -> (layout, one edit). Each edit changes one field.


def _behavior(s):
    return s["cloudfront"]["behaviors"][0]


def _origin(s):
    return s["cloudfront"]["origins"][0]


def _set(path, value):
    def edit(s):
        *head, last = path
        node = s
        for k in head:
            node = node[k] if not callable(k) else k(node)
        node[last] = value

    return edit


def _shadow(s):
    s["cloudfront"]["behaviors"].insert(0, {"pattern": "*", "origin": "site", "orp": None, "cache": CACHING_OPTIMIZED})


def _default_cert(s):
    cf = s["cloudfront"]
    cf["acm"] = False


def _no_stage(s):
    s["api"]["stages"] = []


def _http_api(s):
    # An HTTP API has no `$connect` route (route keys are `METHOD /path` or `$default`).
    s["api"]["protocol"] = "HTTP"
    del s["api"]["routes"]["$connect"]


def _mapping(host, **fields):
    def edit(s):
        s["domains"][host]["mappings"][0].update(fields)
        if "stage" in fields and fields["stage"] not in s["api"]["stages"]:
            s["api"]["stages"].append(fields["stage"])

    return edit


def _domain_field(host, field, value):
    def edit(s):
        s["domains"][host][field] = value

    return edit


def _records(field, value):
    def edit(s):
        for r in s["records"]:
            r[field] = value

    return edit


def _no_record(s):
    # The zone exists; the host has no record in it.
    s["records"] = []
    s["hosted_zone"] = True


def _other_distribution(s):
    s["other_distribution"] = True
    for r in s["records"]:
        r["target"] = "{other_distribution}"


def _weighted(old_weight, current_weight):
    """Each alias record becomes a weighted set: another distribution's record
    (SetIdentifier `old`, created and listed first) and the current one's."""

    def edit(s):
        s["other_distribution"] = True
        records = []
        for r in s["records"]:
            records.append(dict(r, target="{other_distribution}", set_id="old", weight=old_weight))
            records.append(dict(r, set_id="current", weight=current_weight))
        s["records"] = records

    return edit


def _weighted_health_checked(s):
    """As `_weighted(0, 100)`, with a health check on the serving `current` records."""
    _weighted(0, 100)(s)
    for r in s["records"]:
        if r["set_id"] == "current":
            r["health_check"] = True


def _cname(s):
    # A CNAME below the apex instead of the A/AAAA aliases (one record covers every type).
    s["records"] = [{"name": HOST, "kind": "CNAME", "target": "{distribution}"}]


def _alias_chain(s):
    # The host aliases edge.example.com, another record of the same zone (AliasTarget.HostedZoneId: the zone's
    # own id, "{self}"), whose A/AAAA aliases name the distribution.
    edge = [dict(r, name="edge.example.com") for r in s["records"]]
    host = [dict(r, target="edge.example.com", zone="{self}") for r in s["records"]]
    s["records"] = edge + host


def _wildcard(s):
    # The host has no record of its own; `*.example.com` stands for it.
    for r in s["records"]:
        r["name"] = "*.example.com"


def _match_viewer(viewer):
    def edit(s):
        _origin(s)["protocol"] = "match-viewer"
        _behavior(s)["viewer"] = viewer

    return edit


def _iam_cert(s):
    s["cloudfront"]["iam_cert"] = True


def _host_in_cache_key(s):
    # AllViewerExceptHostHeader, but a custom cache policy with Host in its cache
    # key: cache key headers reach the origin too (CachePolicyHeadersConfig).
    b = _behavior(s)
    b["orp"] = ALL_VIEWER_EXCEPT_HOST
    b["cache"] = {"name": "wsconform-host-key", "headers": ["Host"]}


def _deep_host(host, aliases, cert_names):
    """The same deployment for a host two labels below the zone."""

    def edit(s):
        def walk(node):
            if isinstance(node, dict):
                return {walk(k): walk(v) for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v) for v in node]
            return node.replace(HOST, host) if isinstance(node, str) else node

        s.update(walk(s))
        s["cloudfront"]["aliases"] = aliases
        s["cloudfront"]["cert_names"] = cert_names

    return edit


def _root_object(s):
    """Layout a with clients on `/` (OriginPath /Prod, the API behind the
    default behavior) and DefaultRootObject index.html."""
    cf = s["cloudfront"]
    _origin(s)["path"] = "/Prod"
    cf["behaviors"] = []
    cf["default"] = {"origin": "api", "orp": ALL_VIEWER_EXCEPT_HOST, "cache": CACHING_DISABLED}
    cf["default_root_object"] = "index.html"
    s["suite"]["url"] = f"wss://{HOST}/"


def _no_route(key):
    def edit(s):
        del s["api"]["routes"][key]

    return edit


def _both(*edits):
    def edit(s):
        for e in edits:
            e(s)

    return edit


def _http_integration(connection="INTERNET", request_parameters=None):
    return _set(
        ["api", "integration"],
        {"type": "HTTP_PROXY", "uri": "https://backend.example.com/ws", "connection": connection,
         "request_parameters": request_parameters, "timeout": 29000},
    )


CONNECTION_ID_HEADER = {"integration.request.header.ConnectionId": "context.connectionId"}


def _authorizer(sources, permission=True):
    return _set(["api", "authorizer"], {"function": "wsconform-auth", "sources": sources, "permission": permission})


CORPUS = {
    # good deployments
    "a": ("a", None),
    "b-seed": ("b-seed", None),
    "b-regional": ("b-regional", None),
    "c": ("c", None),
    "d": ("d", None),
    # layout a deviations
    "a-pattern-case": ("a", _set(["cloudfront", "behaviors", 0, "pattern"], "prod*")),
    "a-pattern-shadowed": ("a", _shadow),
    "a-origin-path-doubled": ("a", _set(["cloudfront", "origins", 0, "path"], "/Prod")),
    "a-host-forwarded": ("a", _set(["cloudfront", "behaviors", 0, "orp"], ALL_VIEWER)),
    "a-execute-api-disabled": ("a", _set(["api", "disable_execute_api"], True)),
    "a-origin-http-only": ("a", _set(["cloudfront", "origins", 0, "protocol"], "http-only")),
    "a-origin-other-region": ("a", _set(["cloudfront", "origins", 0, "domain"], "{execute_api:" + OTHER_REGION + "}")),
    "a-caching-enabled": ("a", _set(["cloudfront", "behaviors", 0, "cache"], CACHING_OPTIMIZED)),
    "a-distribution-disabled": ("a", _set(["cloudfront", "enabled"], False)),
    "a-alias-missing": ("a", _set(["cloudfront", "aliases"], [])),
    "a-viewer-default-cert": ("a", _default_cert),
    "a-viewer-tls1": ("a", _set(["cloudfront", "min_protocol"], "TLSv1")),
    "a-cert-wrong-san": ("a", _set(["cloudfront", "cert_names"], ["other.example.com"])),
    "a-r53-other-distribution": ("a", _other_distribution),
    "a-r53-wrong-zone": ("a", _records("zone", APIGW_REGIONAL_ZONE[REGION])),
    "a-no-default-route": ("a", _no_route("$default")),
    "a-route-no-target": ("a", _set(["api", "routes", "$default"], False)),
    "a-rse-different": ("a", _set(["api", "rse"], "$request.body.type")),
    "a-rse-braced": ("a", _set(["api", "rse"], "${request.body.action}")),
    "a-alias-wildcard-deep": ("a", _deep_host("ws.eu.example.com", ["*.example.com"], ["ws.eu.example.com"])),
    "a-alias-wildcard-deep-cert-one-label": ("a", _deep_host("ws.eu.example.com", ["*.example.com"], ["*.example.com"])),
    "a-echo-route-no-route-response": ("a", _set(["api", "route_options", "$default"], {})),
    "a-stage-missing": ("a", _no_stage),
    "a-protocol-http": ("a", _http_api),
    "a-r53-cname": ("a", _cname),
    "a-r53-wildcard": ("a", _wildcard),
    "a-r53-alias-chain": ("a", _alias_chain),
    "a-r53-weighted-old-weight-0": ("a", _weighted(0, 100)),
    "a-r53-weighted-old-serving": ("a", _weighted(100, 0)),
    "a-r53-weighted-old-weight-0-health-checked": ("a", _weighted_health_checked),
    "a-origin-match-viewer-redirect": ("a", _match_viewer("redirect-to-https")),
    "a-origin-match-viewer-allow-all": ("a", _match_viewer("allow-all")),
    "a-viewer-iam-cert": ("a", _iam_cert),
    # DistributionConfig fields judged since #22 (part 2-3)
    "a-origin-tls11-only": ("a", _set(["cloudfront", "origins", 0, "ssl"], ["TLSv1", "TLSv1.1"])),
    "a-origin-https-port": ("a", _set(["cloudfront", "origins", 0, "https_port"], 8443)),
    "a-geo-restricted": ("a", _set(["cloudfront", "geo"], {"type": "whitelist", "items": ["JP"]})),
    "a-signed-urls": ("a", _set(["cloudfront", "behaviors", 0, "key_groups"], ["kg-wsconform"])),
    "a-root-object": ("a", _root_object),
    "a-origin-s3-config": ("a", _set(["cloudfront", "origins", 0, "s3"], True)),
    # layout b deviations
    "b-seed-host-not-forwarded": ("b-seed", _set(["cloudfront", "behaviors", 0, "orp"], ALL_VIEWER_EXCEPT_HOST)),
    "b-seed-execute-api-enabled": ("b-seed", _set(["api", "disable_execute_api"], False)),
    "b-seed-mapping-wrong-stage": ("b-seed", _mapping(HOST, stage="Dev")),
    "b-seed-mapping-key-mismatch": ("b-seed", _mapping(HOST, key="ws")),
    "b-seed-domain-tls10": ("b-seed", _domain_field(HOST, "tls", "TLS_1_0")),
    "b-seed-domain-edge": ("b-seed", _domain_field(HOST, "endpoint", "EDGE")),
    "b-seed-pattern-case": ("b-seed", _set(["cloudfront", "behaviors", 0, "pattern"], "WebSocket*")),
    "b-regional-host-not-forwarded": (
        "b-regional",
        _set(["cloudfront", "behaviors", 0, "orp"], ALL_VIEWER_EXCEPT_HOST),
    ),
    "b-regional-origin-other-region": (
        "b-regional",
        _set(["cloudfront", "origins", 0, "domain"], "{regional:" + HOST + "@" + OTHER_REGION + "}"),
    ),
    "b-regional-host-in-cache-key": ("b-regional", _host_in_cache_key),
    # layout c deviations
    "c-mapping-wrong-stage": ("c", _mapping(HOST, stage="Dev")),
    "c-mapping-key-mismatch": ("c", _mapping(HOST, key="chat-v2")),
    "c-domain-tls10": ("c", _domain_field(HOST, "tls", "TLS_1_0")),
    "c-cert-wrong-san": ("c", _domain_field(HOST, "cert_names", ["other.example.com"])),
    "c-execute-api-enabled": ("c", _set(["api", "disable_execute_api"], False)),
    "c-rse-different": ("c", _set(["api", "rse"], "$request.body.type")),
    "c-no-connect-route": ("c", _no_route("$connect")),
    "c-connect-api-key-required": ("c", _set(["api", "route_options", "$connect"], {"ApiKeyRequired": True})),
    "c-connect-required-parameter": (
        "c",
        _set(
            ["api", "route_options", "$connect"],
            {"RequestParameters": {"route.request.querystring.token": {"Required": True}}},
        ),
    ),
    "c-domain-mutual-tls": ("c", _domain_field(HOST, "mtls", "s3://wsconform-truststore/truststore.pem")),
    "c-dns-record-missing": ("c", _no_record),
    # Another regional custom domain's target (the zone id stays API Gateway's in ap-northeast-1).
    "c-dns-alias-wrong-target": ("c", _records("target", f"d-0ther00000.execute-api.{REGION}.amazonaws.com")),
    # behind the route (#23): the Lambda permission, the integration, `$connect`'s authorizer
    "c-lambda-permission-route-keys": (
        "c",
        _set(["api", "integration", "permissions"], [{"source_arn": "{api}/Prod/$connect"}, {"source_arn": "{api}/*/$default"}]),
    ),
    "c-lambda-permission-wrong-route": ("c", _set(["api", "integration", "permissions"], [{"source_arn": "{api}/*/sendmessage"}])),
    "c-lambda-permission-other-api": ("c", _set(["api", "integration", "permissions"], [{"source_arn": "0ther0api0/*"}])),
    "c-lambda-permission-other-account": (
        "c",
        _set(["api", "integration", "permissions"], [{"source_arn": "{api}/*", "source_account": "111122223333"}]),
    ),
    "c-lambda-permission-any-api": ("c", _set(["api", "integration", "permissions"], [{}])),
    "c-lambda-no-permission": ("c", _set(["api", "integration", "permissions"], [])),
    "c-lambda-function-missing": ("c", _set(["api", "integration", "create_function"], False)),
    "c-route-target-dangling": ("c", _set(["api", "dangling_target"], True)),
    "c-integration-timeout-above-max": ("c", _set(["api", "integration", "timeout"], 30000)),
    "c-lambda-role": ("c", _set(["api", "integration", "credentials"], f"arn:aws:iam::{ACCOUNT}:role/apigw-invoke")),
    "c-http-connection-id-mapped": (
        "c",
        _both(_http_integration(request_parameters=CONNECTION_ID_HEADER), _set(["suite", "calls_back"], True)),
    ),
    "c-http-connection-id-not-mapped": ("c", _both(_http_integration(), _set(["suite", "calls_back"], True))),
    "c-http-no-callback": ("c", _both(_http_integration(), _set(["suite", "calls_back"], False))),
    "c-vpc-link": (
        "c",
        _both(_http_integration("VPC_LINK", CONNECTION_ID_HEADER), _set(["suite", "calls_back"], True)),
    ),
    "c-authorizer-header-sent": (
        "c",
        _both(_authorizer(["route.request.header.Authorization"]), _set(["suite", "headers"], {"Authorization": "t"})),
    ),
    "c-authorizer-header-not-sent": ("c", _authorizer(["route.request.header.Authorization"])),
    "c-authorizer-query-sent": (
        "c",
        _both(_authorizer(["route.request.querystring.token"]), _set(["suite", "query"], {"token": "t"})),
    ),
    "c-authorizer-stage-variable-set": (
        "c",
        _both(_authorizer(["stageVariables.tenant"]), _set(["api", "stage_variables"], {"tenant": "acme"})),
    ),
    "c-authorizer-stage-variable-missing": ("c", _authorizer(["stageVariables.tenant"])),
    "c-authorizer-no-permission": (
        "c",
        _both(
            _authorizer(["route.request.header.Authorization"], permission=False),
            _set(["suite", "headers"], {"Authorization": "t"}),
        ),
    ),
}


def spec_of(name):
    layout, edit = CORPUS[name]
    s = copy.deepcopy(base(layout))
    if edit is not None:
        edit(s)
    return s


# ---------------------------------------------------------------------------
# Building it in moto.


def certificate(names):
    """A self-signed certificate (PEM) and key covering `names`, valid for a year."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, key_pem


def reset(endpoint):
    req = urllib.request.Request(endpoint.rstrip("/") + "/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def regional_target(domain_name, api_id):
    """Synthesized ApiGatewayDomainName (moto does not return one)."""
    digest = hashlib.sha256(f"{domain_name}/{api_id}".encode()).hexdigest()[:10]
    return f"d-{digest}.execute-api.{REGION}.amazonaws.com"


def build(endpoint, name):
    spec = spec_of(name)
    kw = dict(endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    client = lambda service, region=REGION: boto3.client(service, region_name=region, **kw)  # noqa: E731
    out = {"name": name, "layout": spec["layout"], "notes": []}

    # --- API Gateway v2
    gw = client("apigatewayv2")
    a = spec["api"]
    create = {"Name": f"wsconform-{name}", "ProtocolType": a["protocol"]}
    if a["protocol"] == "WEBSOCKET":
        create["RouteSelectionExpression"] = a["rse"]
    create["DisableExecuteApiEndpoint"] = a["disable_execute_api"]
    api = gw.create_api(**create)
    api_id = api["ApiId"]
    out["api_id"] = api_id
    integration = create_integration(client, gw, api_id, a["integration"], out)
    if a.get("dangling_target"):
        integration = "0nosuch0"  # moto checks no route target: the route names an integration that does not exist
    authorizer_id = create_authorizer(client, gw, api_id, a["authorizer"]) if a["authorizer"] else None
    for key, has_target in a["routes"].items():
        route = {"ApiId": api_id, "RouteKey": key}
        if has_target:
            route["Target"] = f"integrations/{integration}"
        if key == "$connect" and authorizer_id:
            route.update(AuthorizationType="CUSTOM", AuthorizerId=authorizer_id)
        route.update(a.get("route_options", {}).get(key, {}))
        gw.create_route(**route)
    for stage in a["stages"]:
        gw.create_stage(
            ApiId=api_id,
            StageName=stage,
            DefaultRouteSettings={"ThrottlingBurstLimit": 500, "ThrottlingRateLimit": 1000.0},
            StageVariables=a.get("stage_variables", {}),
        )
        try:
            dep = gw.create_deployment(ApiId=api_id, StageName=stage)
            out.setdefault("deployments", []).append(dep.get("DeploymentId"))
        except Exception as e:  # moto 5.1: no CreateDeployment
            out["notes"].append(f"CreateDeployment not supported: {type(e).__name__}")

    # --- ACM (API Gateway's region) + custom domains + mappings
    acm_regional = client("acm")
    regional = {}
    for host, d in spec["domains"].items():
        pem, key = certificate(d["cert_names"] or [host])
        arn = acm_regional.import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
        extra = {"MutualTlsAuthentication": {"TruststoreUri": d["mtls"]}} if d.get("mtls") else {}
        created = gw.create_domain_name(
            DomainName=host,
            DomainNameConfigurations=[
                {"CertificateArn": arn, "EndpointType": d["endpoint"], "SecurityPolicy": d["tls"]}
            ],
            **extra,
        )
        cfg = (created.get("DomainNameConfigurations") or [{}])[0]
        target = cfg.get("ApiGatewayDomainName")
        if not target:
            target = regional_target(host, api_id)
            out["notes"].append(f"{host}: no ApiGatewayDomainName from moto; regional target synthesized")
        regional[host] = target
        for m in d["mappings"]:
            gw.create_api_mapping(DomainName=host, ApiId=api_id, Stage=m["stage"], ApiMappingKey=m["key"])
    out["regional_targets"] = regional

    def resolve(value):
        if value == "{execute_api}":
            return f"{api_id}.execute-api.{REGION}.amazonaws.com"
        if value.startswith("{execute_api:"):
            return f"{api_id}.execute-api.{value[len('{execute_api:'):-1]}.amazonaws.com"
        if value.startswith("{regional:"):
            host, _, region = value[len("{regional:"):-1].partition("@")
            target = regional[host]
            return target.replace(f".{REGION}.", f".{region}.") if region else target
        if value == "{distribution}":
            return out["distribution_domain"]
        if value == "{other_distribution}":
            return out["other_distribution_domain"]
        return value

    # --- CloudFront (+ its certificate in us-east-1)
    cf_spec = spec["cloudfront"]
    if cf_spec is not None:
        cf = client("cloudfront", CF_REGION)
        viewer = {"CloudFrontDefaultCertificate": True}
        if cf_spec.get("iam_cert"):
            pem, key = certificate(cf_spec["cert_names"])
            uploaded = client("iam", CF_REGION).upload_server_certificate(
                ServerCertificateName=f"wsconform-{name}",
                Path="/cloudfront/",
                CertificateBody=pem.decode(),
                PrivateKey=key.decode(),
            )
            viewer = {
                "IAMCertificateId": uploaded["ServerCertificateMetadata"]["ServerCertificateId"],
                "SSLSupportMethod": "sni-only",
                "MinimumProtocolVersion": cf_spec["min_protocol"],
            }
        elif cf_spec["acm"]:
            pem, key = certificate(cf_spec["cert_names"])
            cf_arn = client("acm", CF_REGION).import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
            viewer = {
                "ACMCertificateArn": cf_arn,
                "SSLSupportMethod": "sni-only",
                "MinimumProtocolVersion": cf_spec["min_protocol"],
            }
        aliases = cf_spec["aliases"] if cf_spec["acm"] or cf_spec.get("iam_cert") else []
        for b in cf_spec["behaviors"]:
            if isinstance(b["cache"], dict):
                b["cache"] = cache_policy(cf, b["cache"], out)
        config = {
            "CallerReference": f"wsconform-{name}-{time.time()}",
            "Comment": f"wsconform witness {name}",
            "Enabled": cf_spec["enabled"],
            "IsIPV6Enabled": cf_spec["ipv6"],
            "Aliases": {"Quantity": len(aliases), "Items": aliases},
            "Origins": {"Quantity": len(cf_spec["origins"]), "Items": [origin(o, resolve) for o in cf_spec["origins"]]},
            "DefaultCacheBehavior": behavior(cf_spec["default"]),
            "CacheBehaviors": {
                "Quantity": len(cf_spec["behaviors"]),
                "Items": [behavior(b) for b in cf_spec["behaviors"]],
            },
            "ViewerCertificate": viewer,
        }
        if cf_spec.get("geo"):
            geo = cf_spec["geo"]
            config["Restrictions"] = {
                "GeoRestriction": {"RestrictionType": geo["type"], "Quantity": len(geo["items"]), "Items": geo["items"]}
            }
        if cf_spec.get("default_root_object"):
            config["DefaultRootObject"] = cf_spec["default_root_object"]
        dist = cf.create_distribution(DistributionConfig=config)["Distribution"]
        out["distribution_id"] = dist["Id"]
        out["distribution_domain"] = dist["DomainName"]
        if spec["other_distribution"]:
            other = copy.deepcopy(config)
            other["CallerReference"] += "-other"
            other["Aliases"] = {"Quantity": 0, "Items": []}
            other["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True}
            d2 = cf.create_distribution(DistributionConfig=other)["Distribution"]
            out["other_distribution_domain"] = d2["DomainName"]

    # --- Route 53
    if spec["records"] or spec.get("hosted_zone"):
        r53 = client("route53", CF_REGION)
        zone = r53.create_hosted_zone(Name="example.com", CallerReference=f"wsconform-{name}-{time.time()}")
        zone_id = zone["HostedZone"]["Id"].split("/")[-1]
        out["hosted_zone_id"] = zone_id
        changes = []
        for r in spec["records"]:
            if r.get("kind") == "CNAME":
                changes.append(
                    {
                        "Action": "UPSERT",
                        "ResourceRecordSet": {
                            "Name": r["name"],
                            "Type": "CNAME",
                            "TTL": 300,
                            "ResourceRecords": [{"Value": resolve(r["target"])}],
                        },
                    }
                )
                continue
            for t in r["types"]:
                rrset = {
                    "Name": r["name"],
                    "Type": t,
                    "AliasTarget": {
                        "HostedZoneId": zone_id if r["zone"] == "{self}" else r["zone"],
                        "DNSName": resolve(r["target"]),
                        "EvaluateTargetHealth": False,
                    },
                }
                if "set_id" in r:
                    # A weighted alias record (ResourceRecordSet: SetIdentifier, Weight).
                    rrset["SetIdentifier"] = r["set_id"]
                    rrset["Weight"] = r["weight"]
                if r.get("health_check"):
                    # ResourceRecordSet.HealthCheckId: an HTTPS check of the record's target.
                    hc = r53.create_health_check(
                        CallerReference=f"wsconform-{name}-{r['set_id']}-{t}-{time.time()}",
                        HealthCheckConfig={
                            "Type": "HTTPS",
                            "FullyQualifiedDomainName": resolve(r["target"]),
                            "Port": 443,
                            "ResourcePath": "/",
                        },
                    )
                    rrset["HealthCheckId"] = hc["HealthCheck"]["Id"]
                changes.append({"Action": "UPSERT", "ResourceRecordSet": rrset})
        if changes:
            r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})

    out["suite_toml"] = suite_toml(spec["suite"], out)
    return out


def origin(o, resolve):
    item = {"Id": o["id"], "DomainName": resolve(o["domain"]), "OriginPath": o.get("path", "")}
    if o.get("s3"):
        item["S3OriginConfig"] = {"OriginAccessIdentity": ""}
    else:
        item["CustomOriginConfig"] = {
            "HTTPPort": 80,
            "HTTPSPort": o.get("https_port", 443),
            "OriginProtocolPolicy": o["protocol"],
            "OriginSslProtocols": {"Quantity": len(o["ssl"]), "Items": o["ssl"]},
        }
    return item


def cache_policy(cf, p, out):
    """A custom cache policy whose cache key has `p["headers"]`; its id. moto
    5.2.5 answers CreateCachePolicy with 404: then the id is synthesized (a
    policy moto does not hold, which GetCachePolicy answers 404 too)."""
    config = {
        "Name": p["name"],
        # Headers in the cache key need caching enabled (a TTL above 0).
        "MinTTL": 0,
        "DefaultTTL": 0,
        "MaxTTL": 1,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": False,
            "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": len(p["headers"]), "Items": p["headers"]}},
            "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "none"},
        },
    }
    try:
        return cf.create_cache_policy(CachePolicyConfig=config)["CachePolicy"]["Id"]
    except Exception as e:
        out["notes"].append(f"CreateCachePolicy not supported ({type(e).__name__}): cache policy id synthesized")
        return "00000000-0000-4000-8000-" + hashlib.sha256(p["name"].encode()).hexdigest()[:12]


def behavior(b):
    item = {"TargetOriginId": b["origin"], "ViewerProtocolPolicy": b.get("viewer", "https-only"), "CachePolicyId": b["cache"]}
    if "pattern" in b:
        item["PathPattern"] = b["pattern"]
    if b.get("orp"):
        item["OriginRequestPolicyId"] = b["orp"]
    if b.get("key_groups"):
        item["TrustedKeyGroups"] = {"Enabled": True, "Quantity": len(b["key_groups"]), "Items": b["key_groups"]}
    return item


def lambda_arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def invocation_uri(name):
    # AWS: API Gateway API Reference, "Integration" — integrationUri for AWS_PROXY is the Lambda
    # invocation URI arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations.
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{lambda_arn(name)}/invocations"


def create_function(client, name):
    """A Lambda function in moto (no Docker needed to create one; its role must exist)."""
    iam = client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        role = iam.create_role(RoleName="wsconform-lambda", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="wsconform-lambda")["Role"]["Arn"]
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler", Code={"ZipFile": buf.getvalue()}
    )


def add_permissions(client, name, api_id, permissions):
    """`aws lambda add-permission` for API Gateway, one statement per entry ({api}: the API id;
    a SourceArn without `arn:` is relative to arn:aws:execute-api:{region}:{account}:)."""
    for n, p in enumerate(permissions):
        kw = {"FunctionName": name, "StatementId": f"apigateway-{n}", "Action": "lambda:InvokeFunction",
              "Principal": p.get("principal", "apigateway.amazonaws.com")}
        if p.get("source_arn"):
            arn = p["source_arn"].replace("{api}", api_id)
            kw["SourceArn"] = arn if arn.startswith("arn:") else f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{arn}"
        if p.get("source_account"):
            kw["SourceAccount"] = p["source_account"]
        client("lambda").add_permission(**kw)


def create_integration(client, gw, api_id, i, out):
    kw = {"ApiId": api_id, "IntegrationType": i["type"], "TimeoutInMillis": i["timeout"]}
    if i["type"] == "AWS_PROXY":
        if i["create_function"]:
            create_function(client, i["function"])
            add_permissions(client, i["function"], api_id, i["permissions"])
        kw.update(IntegrationUri=invocation_uri(i["function"]), IntegrationMethod="POST")
        if i.get("credentials"):
            kw["CredentialsArn"] = i["credentials"]
    else:
        kw.update(IntegrationUri=i["uri"], IntegrationMethod="POST", ConnectionType=i["connection"])
        if i["connection"] == "VPC_LINK":
            # A WebSocket private integration uses a REST API (v1) VPC link.
            link = client("apigateway").create_vpc_link(
                name="wsconform-nlb", targetArns=[f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/net/ws/1"]
            )
            kw["ConnectionId"] = link["id"]
            out["vpc_link"] = link["id"]
        if i.get("request_parameters"):
            kw["RequestParameters"] = i["request_parameters"]
    return gw.create_integration(**kw)["IntegrationId"]


def create_authorizer(client, gw, api_id, z):
    """`$connect`'s REQUEST authorizer, its function, and (optionally) that function's permission
    for SourceArn …/{api}/authorizers/{id}."""
    create_function(client, z["function"])
    created = gw.create_authorizer(
        ApiId=api_id, AuthorizerType="REQUEST", Name="wsconform-auth", IdentitySource=z["sources"],
        AuthorizerUri=invocation_uri(z["function"]),
    )
    if z["permission"]:
        add_permissions(client, z["function"], api_id, [{"source_arn": "{api}/authorizers/" + created["AuthorizerId"]}])
    return created["AuthorizerId"]


def toml_str(s):
    return json.dumps(s)  # a JSON string is a valid TOML basic string for these values


def suite_toml(s, out):
    """The deployment-specific part of the suite: top-level keys, [api],
    [custom_domain], [cloudfront]. The test adds name, [dns], [aws], [checks]."""
    lines = [f"region = {toml_str(REGION)}", f"url = {toml_str(s['url'])}", "", "[api]"]
    lines.append(f"id = {toml_str(out['api_id'])}")
    lines.append(f"stage = {toml_str(s['stage'])}")
    lines.append(f"execute_api = {toml_str(s['execute_api'])}")
    lines.append(f"route_selection_expression = {toml_str(s['rse'])}")
    cd = s.get("custom_domain")
    if cd:
        lines += ["", "[custom_domain]", f"name = {toml_str(cd['name'])}", f"mapping_key = {toml_str(cd['mapping_key'])}"]
        target = out["regional_targets"].get(cd["name"])
        if target:
            lines.append(f"regional_target = {toml_str(target)}")
    if s.get("cloudfront"):
        lines += ["", "[cloudfront]", f"distribution_id = {toml_str(out['distribution_id'])}"]
    # What `$connect` is sent (names matter; the values are placeholders) and whether the backend
    # calls back: only where a deployment's row needs them.
    if s.get("headers") or s.get("query"):
        lines += ["", "[roundtrip]"]
        for table in ("headers", "query"):
            if s.get(table):
                items = ", ".join(f"{k} = {toml_str(v)}" for k, v in s[table].items())
                lines.append(f"{table} = {{ {items} }}")
    if "calls_back" in s:
        lines += ["", "[backend]", f"calls_back = {'true' if s['calls_back'] else 'false'}"]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--endpoint", help="moto server URL, e.g. http://127.0.0.1:5000")
    p.add_argument("--name", help="deployment name (see --list)")
    p.add_argument("--list", action="store_true", help="print the corpus names, one a line")
    p.add_argument("--no-reset", action="store_true", help="do not reset moto first")
    args = p.parse_args()
    if args.list:
        print("\n".join(CORPUS))
        return 0
    if not args.endpoint or not args.name:
        p.error("--endpoint and --name are required")
    if args.name not in CORPUS:
        p.error(f"unknown deployment {args.name!r}; one of: {', '.join(CORPUS)}")
    if not args.no_reset:
        reset(args.endpoint)
    print(json.dumps(build(args.endpoint, args.name), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

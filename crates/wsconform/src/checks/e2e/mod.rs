//! `e2e.*` checks: act on the deployment as a client and a backend would.
//! `e2e.connect` opens the session the others share (`facts.live`).

pub(crate) mod connect;
mod disconnect;
mod echo;
mod keepalive;
mod limits;
mod management;
#[cfg(test)]
mod tests;

use connect::*;
use disconnect::*;
use echo::*;
use keepalive::*;
use limits::*;
use management::*;

use std::sync::Arc;
use std::time::Duration;

use crate::check::{CheckDef, Ctx, NotApplicable, always};
use crate::facts::live::{Management, NoManagement, Session};
use crate::facts::management::{
    Attempts, ManagementFacts, MgmtError, build_management, iam_signer, management_target, sdk_status, unthrottled,
};
use crate::ids;
use crate::net::sigv4::IamSigner;
use crate::outcome::{Evidence, Outcome};
use crate::suite::{RoundtripAuth, Suite};

pub static CHECKS: &[CheckDef] = &[
    CheckDef {
        id: ids::E2E_CONNECT,
        summary: "upgrade through the public URL: 101, valid Sec-WebSocket-Accept, subprotocol; phase timings",
        explain: "The proof that every hop agrees: DNS, TLS, CloudFront's behavior and forwarding, and API \
                  Gateway's host/path routing. A refusal's status and body say which hop refused.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-wscat.html",
        requires: &[],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(connect(ctx)),
    },
    CheckDef {
        id: ids::E2E_ECHO,
        summary: "send the suite's message with a fresh nonce and get the expected reply in time",
        explain: "Messages reach a route with an integration and its answer comes back on the socket.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html",
        requires: &[ids::E2E_CONNECT],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(echo(ctx)),
    },
    CheckDef {
        id: ids::E2E_POST,
        summary: "POST @connections/{id} on the management endpoint, signed; the payload arrives on the socket",
        explain: "The backend must reach the client. The endpoint is the execute-api URL with the stage, or \
                  the custom domain with the mapping key reached at its regional target — never domain + stage.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html",
        requires: &[ids::E2E_ECHO],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(post(ctx)),
    },
    CheckDef {
        id: ids::E2E_CONNECTION_INFO,
        summary: "GET @connections/{id} answers with ConnectedAt and the source IP",
        explain: "The management API knows the live connection.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html",
        requires: &[ids::E2E_ECHO],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(connection_info(ctx)),
    },
    CheckDef {
        id: ids::E2E_KEEPALIVE,
        summary: "a ping gets a pong; optionally the connection survives an idle period",
        explain: "Idle connections close after 10 minutes on API Gateway; clients keep them alive with pings.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        requires: &[ids::E2E_CONNECT],
        // After the echo so that its verdict is about a connection that has
        // carried traffic; it overlaps post and connection-info.
        after: &[ids::E2E_ECHO],
        applies: always,
        run: |ctx| Box::pin(keepalive(ctx)),
    },
    CheckDef {
        id: ids::E2E_DISCONNECT,
        summary: "DELETE @connections/{id} closes the socket; a later POST gets 410 Gone",
        explain: "The backend can end a session, and a gone connection is reported as gone.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html",
        requires: &[ids::E2E_ECHO],
        after: &[ids::E2E_POST, ids::E2E_CONNECTION_INFO, ids::E2E_KEEPALIVE],
        applies: always,
        run: |ctx| Box::pin(disconnect(ctx)),
    },
    CheckDef {
        id: ids::E2E_LIMITS,
        summary: "a 128 KB message in 32 KB frames is accepted; a larger one closes the connection with 1009",
        explain: "API Gateway's WebSocket quotas: at most 32 KB per frame and 128 KB per message; a bigger \
                  message closes the connection with 1009 (message too big). Clients must split what they send \
                  or send references. Runs on its own connection when `roundtrip.limits = true`.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        requires: &[ids::E2E_CONNECT],
        after: &[],
        applies: needs_limits,
        run: |ctx| Box::pin(limits(ctx)),
    },
];

fn needs_limits(s: &Suite) -> Result<(), NotApplicable> {
    if s.roundtrip.limits {
        Ok(())
    } else {
        Err(NotApplicable::new("set `roundtrip.limits = true` to test the 32 KB frame / 128 KB message quotas"))
    }
}

/// Whether a check that reads the control plane runs (then the route model
/// is fetched anyway; otherwise a local suite never looks up AWS credentials).
fn control_plane_planned(ctx: &Ctx) -> bool {
    ctx.planned.iter().any(|id| matches!(id.area(), "apigw" | "cloudfront"))
}

/// The signer the suite's `[roundtrip] auth` asks for, with the control-plane
/// clients' credentials; `Ok(None)` for `auth = "none"`. Adds what it signs
/// for (never a value) to `ev`.
async fn upgrade_signer(ctx: &Ctx, ev: &mut Evidence) -> Result<Option<IamSigner>, Outcome> {
    let auth = ctx.suite.roundtrip.auth;
    let signer = iam_signer(&ctx.facts).await.map_err(|e| Outcome::error(e.to_string()))?;
    let Some(mut signer) = signer else { return Ok(None) };
    // Through CloudFront, API Gateway receives OriginPath + path: that is what it verifies.
    if control_plane_planned(ctx)
        && let Ok(route) = ctx.facts.aws.route().await
        && route.edge.is_some()
        && route.gateway_path != ctx.suite.path()
    {
        signer.gateway_path = Some(route.gateway_path.clone());
    }
    ev.set(
        "auth",
        format!(
            "SigV4 execute-api {} ({})",
            ctx.suite.region,
            if auth == RoundtripAuth::IamQuery { "query string" } else { "headers" }
        ),
    );
    if let Some(p) = &signer.gateway_path {
        ev.set("signed_path", p);
    }
    Ok(Some(signer))
}

/// The management client, built once per run; its connection is opened as
/// soon as it is built (a HEAD to the endpoint's root), so the first
/// PostToConnection does not pay for DNS and TLS.
async fn management(ctx: &Ctx) -> Result<Arc<Management>, Outcome> {
    let control_plane = control_plane_planned(ctx);
    ctx.facts.live.management(|| build_management(&ctx.facts, control_plane)).await.map_err(no_management)
}

/// No endpoint named: the checks that need one are skipped; one named but unreachable: they error.
fn no_management(why: NoManagement) -> Outcome {
    match why {
        NoManagement::NoEndpoint(reason) => Outcome::skip(reason),
        NoManagement::Unreachable(cause) => Outcome::error(cause),
    }
}

fn management_evidence(m: &Management, id: &str) -> Evidence {
    let mut ev = Evidence::new().with("endpoint", m.endpoint.as_str()).with("connection_id", id);
    if let Some(v) = &m.via {
        ev.set("reached_at", v);
    }
    ev
}

/// A `@connections` operation still throttled after its retries: retryable,
/// and about the rate, not the endpoint.
fn throttled(text: String, calls: u32, took: Duration, ev: Evidence) -> Outcome {
    Outcome::fail(
        format!(
            "throttled: {text}, still after {calls} call{} in {:.0} ms (each retried by the SDK)",
            if calls == 1 { "" } else { "s" },
            took.as_secs_f64() * 1e3
        ),
        "`@connections` requests exceed the account's rate (or the client's buffer is full): the endpoint is \
         right; retry later (`--wait`), and have backends back off on LimitExceededException",
    )
    .with_evidence(ev.with("throttled_calls", calls))
    .retryable()
}

/// The live session and the connection id `e2e.echo` found.
fn session_and_id(ctx: &Ctx) -> Result<(Arc<Session>, String), Outcome> {
    let session = ctx.facts.live.session().ok_or_else(|| Outcome::skip("no live session (needs e2e.connect)"))?;
    let id = session
        .connection_id
        .get()
        .cloned()
        .ok_or_else(|| Outcome::skip("no connection id (needs e2e.echo and `roundtrip.connection_id`)"))?;
    Ok((session, id))
}

/// What the backend-side checks start from: the live session, its connection
/// id, the management client, and the evidence naming the endpoint.
async fn backend(ctx: &Ctx) -> Result<(Arc<Session>, String, Arc<Management>, Evidence), Outcome> {
    let (session, id) = session_and_id(ctx)?;
    let m = management(ctx).await?;
    let ev = management_evidence(&m, &id);
    Ok((session, id, m, ev))
}

//! `e2e.post` and `e2e.connection-info`: the backend's side, `@connections` PostToConnection and GetConnection.

use super::*;
use std::sync::Arc;

use tokio::time::Instant;

use crate::check::Ctx;
use crate::facts::live::Frame;
use crate::outcome::Outcome;

pub(super) async fn post(ctx: Arc<Ctx>) -> Outcome {
    let (session, id, m, mut ev) = match backend(&ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let n = nonce();
    let payload = format!(r#"{{"wsconform":"{n}"}}"#);
    let mut frames = session.subscribe();
    let t = Instant::now();
    let timeout = ctx.suite.roundtrip.timeout;
    let (sent, calls) = unthrottled(timeout, || {
        m.client.post_to_connection().connection_id(&id).data(aws_smithy_types::Blob::new(payload.clone())).send()
    })
    .await;
    if let Err(e) = sent {
        let status = sdk_status(&e);
        let text = ctx.suite.redactor.redact(&m.sdk_message("PostToConnection", &e));
        if let Some(s) = status {
            ev.set("status", s);
        }
        if status == Some(429) {
            return throttled(text, calls, t.elapsed(), ev);
        }
        let hint = match status {
            Some(410) => {
                "the endpoint does not know this live connection: it is another API/stage (an endpoint \
                          built from domain + stage?)"
            }
            Some(403) => {
                "the request was refused: check the signing credentials' execute-api:ManageConnections \
                          permission and that the endpoint is the API's (not CloudFront's)"
            }
            Some(413) => "PostToConnection takes at most 128 KB (PayloadTooLargeException)",
            _ => {
                "check `roundtrip.management_endpoint` (execute-api URL with the stage, or the custom domain with \
                  the mapping key at its regional target)"
            }
        };
        return Outcome::fail(text, hint).with_evidence(ev);
    }
    let arrived = frames
        .wait_for(t + ctx.suite.roundtrip.timeout, |f| match f {
            Frame::Text(s) if s.contains(&n) => Some(()),
            Frame::Binary(b) if b.windows(n.len()).any(|w| w == n.as_bytes()) => Some(()),
            _ => None,
        })
        .await;
    ev.timing("post_roundtrip", t.elapsed());
    match arrived {
        Ok(()) => Outcome::pass("the posted payload arrived on the socket").with_evidence(ev),
        Err(e) => Outcome::fail(
            format!("PostToConnection succeeded but the payload did not arrive: {e}"),
            "the endpoint may belong to another API or stage than the one the client is connected to",
        )
        .with_evidence(ev),
    }
}

pub(super) async fn connection_info(ctx: Arc<Ctx>) -> Outcome {
    let (_, id, m, mut ev) = match backend(&ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let t = Instant::now();
    let (answer, calls) =
        unthrottled(ctx.suite.roundtrip.timeout, || m.client.get_connection().connection_id(&id).send()).await;
    match answer {
        Ok(out) => {
            if let Some(c) = out.connected_at() {
                ev.set("connected_at", c);
            }
            if let Some(ip) = out.identity().and_then(|i| i.source_ip()) {
                ev.set("source_ip", ip);
            }
            if out.connected_at().is_none() {
                return Outcome::fail_without_hint("GetConnection answered without ConnectedAt").with_evidence(ev);
            }
            Outcome::pass("GetConnection knows the live connection").with_evidence(ev)
        }
        Err(e) => match sdk_status(&e) {
            Some(s @ (426 | 501)) => Outcome::skip(format!("the endpoint does not implement GetConnection (HTTP {s})")),
            Some(429) => {
                ev.set("status", 429);
                throttled(ctx.suite.redactor.redact(&m.sdk_message("GetConnection", &e)), calls, t.elapsed(), ev)
            }
            status => {
                if let Some(s) = status {
                    ev.set("status", s);
                }
                Outcome::fail_without_hint(ctx.suite.redactor.redact(&m.sdk_message("GetConnection", &e)))
                    .with_evidence(ev)
            }
        },
    }
}

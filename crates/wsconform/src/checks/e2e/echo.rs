//! `e2e.echo`: a message through `$default` (or the suite's route) and its reply, and API Gateway's own error frames.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::check::Ctx;
use crate::facts::live::Frame;
use crate::outcome::{Evidence, Outcome};
use crate::suite::Expect;

/// The nonce-substituted expectation matches `text`.
pub fn reply_matches(expect: &Expect, nonce: &str, text: &str) -> bool {
    match expect {
        Expect::Substring(s) => text.contains(&s.replace("{{nonce}}", nonce)),
        Expect::JsonPointer { pointer, contains } => {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else { return false };
            let want = contains.replace("{{nonce}}", nonce);
            match v.pointer(pointer) {
                Some(serde_json::Value::String(s)) => s.contains(&want),
                Some(other) => other.to_string().contains(&want),
                None => false,
            }
        }
    }
}

/// The connection id at `pointer` in a JSON reply.
pub fn extract_connection_id(pointer: &str, text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    v.pointer(pointer)?.as_str().map(str::to_owned).filter(|s| !s.is_empty())
}

pub(super) fn nonce() -> String {
    format!("wsc-{:016x}", rand::random::<u64>())
}

pub(super) async fn echo(ctx: Arc<Ctx>) -> Outcome {
    let rt = &ctx.suite.roundtrip;
    let Some(session) = ctx.facts.live.session() else { return Outcome::skip("no live session (needs e2e.connect)") };
    let n = nonce();
    let msg = rt.send.replace("{{nonce}}", &n);
    let mut frames = session.subscribe();
    let t = Instant::now();
    if let Err(e) = session.send(Message::text(msg)).await {
        return match session.ended_within(Duration::from_millis(200)).await {
            Some(why) => Outcome::fail(
                format!("the connection ended before the message could be sent: {why}"),
                "something between the client and API Gateway drops connections right after the upgrade",
            ),
            None => Outcome::error(e),
        };
    }
    // Frames that are not the reply: API Gateway's own answer ends the wait at
    // once; the first few others are kept as evidence.
    let mut unmatched = Unmatched::default();
    let redactor = &ctx.suite.redactor;
    let reply = frames
        .wait_for(t + rt.timeout, |f| match f {
            Frame::Text(s) if reply_matches(&rt.expect, &n, s) => Some(Ok(s.to_string())),
            Frame::Text(s) => match gateway_frame(s) {
                Some(g) => Some(Err((g, s.to_string()))),
                None => {
                    unmatched.note(s, redactor);
                    None
                }
            },
            Frame::Binary(b) => {
                unmatched.note(&String::from_utf8_lossy(b), redactor);
                None
            }
            _ => None,
        })
        .await;
    let mut ev = Evidence::new();
    unmatched.add_to(&mut ev);
    match reply {
        Ok(Err((answer, text))) => {
            ev.timing("answered", t.elapsed());
            ev.set("reply", clip(&redactor.redact(&text)));
            if let Some(r) = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("requestId").and_then(|r| r.as_str()).map(str::to_owned))
            {
                ev.set("request_id", r);
            }
            let after = format!("{:.0} ms", t.elapsed().as_secs_f64() * 1e3);
            let (mut message, mut hint) = judge_gateway_frame(&answer, &after);
            let mut fixes = Vec::new();
            if super::control_plane_planned(&ctx)
                && let Some(cause) = behind_the_frame(&ctx, &answer).await
            {
                message = format!("{message}: {}", cause.message);
                hint = cause.hint;
                fixes = cause.fixes;
            }
            fixes.into_iter().fold(Outcome::fail(message, hint).with_evidence(ev), Outcome::with_fix)
        }
        Ok(Ok(text)) => {
            ev.timing("rtt", t.elapsed());
            if let Some(p) = &rt.connection_id {
                match extract_connection_id(p, &text) {
                    Some(id) => {
                        ev.set("connection_id", &id);
                        let _ = session.connection_id.set(id);
                    }
                    None => {
                        return Outcome::fail(
                            format!("the reply has no connection id at `{p}`"),
                            "set `roundtrip.connection_id` to the JSON pointer of the id in the reply, or \"none\"",
                        )
                        .with_evidence(ev);
                    }
                }
            }
            Outcome::pass(format!("echo in {:.1} ms", t.elapsed().as_secs_f64() * 1e3)).with_evidence(ev)
        }
        Err(e) => {
            let others = match unmatched.seen {
                0 => String::new(),
                n => format!(" ({n} other frame{} arrived: see `frame.*`)", if n == 1 { "" } else { "s" }),
            };
            Outcome::fail(
                format!("no matching reply within {:?}: {e}{others}", rt.timeout),
                "check the route selection expression, the `$default` (or action) route and its integration's \
                 response",
            )
            .with_evidence(ev)
        }
    }
}

/// What the control plane says of API Gateway's answer to the suite's message:
/// a route GetRoutes shows but the stage's deployment lacks (`Forbidden`), or
/// what apigw.integrations finds behind the selected route (`Internal server error`).
async fn behind_the_frame(ctx: &Ctx, answer: &GatewayFrame) -> Option<crate::checks::behind::RouteCause> {
    let aws = &ctx.facts.aws;
    let api_id = aws.api_id().await.ok()?;
    let routes = aws.routes(&api_id).await.ok()?;
    let rse = aws.api(&api_id).await.ok()??.route_selection_expression.clone()?;
    let selected = match crate::model::aws::select_route(&rse, &ctx.suite.roundtrip.send, &routes) {
        crate::model::aws::Selection::Route(key) => key,
        _ => return None,
    };
    match answer {
        GatewayFrame::NoRoute => {
            let stage = aws.stage_name().await.ok()?;
            let deploy = crate::fix::argv([
                "aws",
                "apigatewayv2",
                "create-deployment",
                "--api-id",
                &api_id,
                "--stage-name",
                &stage,
                "--region",
                &ctx.suite.region,
            ]);
            let fix = crate::fix::Fix {
                resource: crate::fix::Resource {
                    kind: "AWS::ApiGatewayV2::Stage".into(),
                    id: format!("{api_id}/{stage}"),
                    region: Some(ctx.suite.region.clone()),
                },
                field: "DeploymentId".into(),
                current: None,
                wanted: crate::fix::Wanted::Words(format!("a deployment that has the route `{selected}`")),
                commands: vec![deploy],
            };
            Some(crate::checks::behind::RouteCause {
                message: format!(
                    "GetRoutes shows the route `{selected}` that the message selects (RouteSelectionExpression \
                     `{rse}`), so the deployment stage `{stage}` serves predates it: WebSocket APIs are not deployed \
                     automatically"
                ),
                hint: format!(
                    "deploy the API to the stage: `aws apigatewayv2 create-deployment --api-id {api_id} --stage-name '{stage}'`"
                ),
                fixes: vec![fix],
            })
        }
        GatewayFrame::IntegrationFailed => crate::checks::behind::route_cause(ctx, &selected).await,
        GatewayFrame::Other(_) => None,
    }
}

/// API Gateway's own answer on the socket, sent instead of the integration's:
/// a JSON object with `message` and `requestId` (and `connectionId`), nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayFrame {
    /// `Forbidden`: no route matched the message (no `$default`).
    NoRoute,
    /// `Internal server error`: the route's integration failed.
    IntegrationFailed,
    /// Another message of API Gateway's (e.g. `Endpoint request timed out`).
    Other(String),
}

/// Recognises API Gateway's error frames (`{"message": "Forbidden", "connectionId": …,
/// "requestId": …}`); an integration's own reply never has exactly this shape.
pub fn gateway_frame(text: &str) -> Option<GatewayFrame> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let obj = v.as_object()?;
    let message = obj.get("message")?.as_str()?;
    obj.get("requestId")?.as_str()?;
    if !obj.keys().all(|k| matches!(k.as_str(), "message" | "connectionId" | "requestId")) {
        return None;
    }
    Some(match message {
        "Forbidden" => GatewayFrame::NoRoute,
        "Internal server error" => GatewayFrame::IntegrationFailed,
        other => GatewayFrame::Other(other.to_owned()),
    })
}

/// The failure for API Gateway's answer: (message, hint).
pub fn judge_gateway_frame(answer: &GatewayFrame, after: &str) -> (String, String) {
    match answer {
        GatewayFrame::NoRoute => (
            format!("no route for the message: API Gateway answered {{\"message\": \"Forbidden\"}} after {after}"),
            "check the route selection expression (e.g. `$request.body.action`) against `roundtrip.send` and that \
             a `$default` route exists: messages no route matches are refused"
                .into(),
        ),
        GatewayFrame::IntegrationFailed => (
            format!(
                "the integration failed: API Gateway answered {{\"message\": \"Internal server error\"}} after {after}"
            ),
            "see the backend's logs (the route's integration raised an error, returned an invalid response or \
             API Gateway may not invoke it)"
                .into(),
        ),
        GatewayFrame::Other(m) => (
            format!("API Gateway answered {{\"message\": {m:?}}} after {after} instead of the integration"),
            "see the stage's execution logs and the backend's logs".into(),
        ),
    }
}

/// How many unmatched frames are kept as evidence, and how much of each.
pub(super) const UNMATCHED_KEPT: usize = 3;
pub(super) const FRAME_SHOWN: usize = 256;

/// The frames that were not the reply: how many, and the first few.
#[derive(Debug, Default)]
pub(super) struct Unmatched {
    seen: usize,
    first: Vec<String>,
}

impl Unmatched {
    /// Redacted before it is cut, so no part of a secret survives the cut.
    pub(super) fn note(&mut self, text: &str, redactor: &crate::secret::Redactor) {
        self.seen += 1;
        if self.first.len() < UNMATCHED_KEPT {
            self.first.push(clip(&redactor.redact(text)));
        }
    }

    pub(super) fn add_to(&self, ev: &mut Evidence) {
        if self.seen == 0 {
            return;
        }
        ev.set("unmatched_frames", self.seen);
        for (i, f) in self.first.iter().enumerate() {
            ev.set(format!("frame.{}", i + 1), f);
        }
    }
}

/// At most `FRAME_SHOWN` bytes (on a char boundary), marked when cut.
pub(super) fn clip(text: &str) -> String {
    if text.len() <= FRAME_SHOWN {
        return text.to_owned();
    }
    let mut end = FRAME_SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

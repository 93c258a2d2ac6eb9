//! `e2e.limits`: API Gateway's 32 KB frame and 128 KB message quotas, at and past the limit.

use super::*;
use std::sync::Arc;

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::check::Ctx;
use crate::facts::live::{Frame, Session};
use crate::net::WsLimits;
use crate::net::ws::UpgradeSigner;
use crate::outcome::{Evidence, Outcome};

/// API Gateway's WebSocket quotas.
pub(super) const FRAME_QUOTA: usize = 32 * 1024;
pub(super) const MESSAGE_QUOTA: usize = 128 * 1024;

/// A text message of exactly `len` bytes, sent in frames of at most `FRAME_QUOTA`.
pub(super) async fn send_fragmented(session: &Session, len: usize) -> Result<(), String> {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame as WsFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    let head = br#"{"action":"limits","payload":""#;
    let tail = br#""}"#;
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(head);
    body.resize(len.saturating_sub(tail.len()).max(head.len()), b'x');
    body.extend_from_slice(tail);
    body.truncate(len);
    let chunks: Vec<&[u8]> = body.chunks(FRAME_QUOTA).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let opcode = if i == 0 { OpCode::Data(Data::Text) } else { OpCode::Data(Data::Continue) };
        let frame = WsFrame::message(bytes::Bytes::copy_from_slice(chunk), opcode, i + 1 == chunks.len());
        session.send(Message::Frame(frame)).await?;
    }
    Ok(())
}

pub(super) async fn limits(ctx: Arc<Ctx>) -> Outcome {
    let rt = &ctx.suite.roundtrip;
    let net = match ctx.facts.net().await {
        Ok(n) => n,
        Err(e) => return Outcome::error(e),
    };
    let ws_limits = WsLimits { handshake_timeout: rt.timeout, ..WsLimits::default() };
    // Signed like e2e.connect's upgrade when `$connect` wants IAM.
    let signer = match upgrade_signer(&ctx, &mut Evidence::new()).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let signer_ref = signer.as_ref().map(|s| s as &dyn UpgradeSigner);
    let opened =
        net.websocket_signed(&ctx.suite.url, &rt.headers, &rt.query, &rt.subprotocols, ws_limits, signer_ref).await;
    let conn = match opened {
        Ok(c) => c,
        Err(e) => {
            let mut redactor = ctx.suite.redactor.clone();
            if let Some(s) = &signer {
                redactor.merge(&s.redactor());
            }
            return Outcome::error(redactor.redact(&format!("cannot open a connection for the limits: {e}")))
                .retryable();
        }
    };
    let mut ev = Evidence::new().with("frame_bytes", FRAME_QUOTA).with("message_bytes", MESSAGE_QUOTA);
    conn.phases.add_to(&mut ev);
    let session = Session::new(conn);

    // At the quota, in frames at the quota: accepted (the connection still answers pings).
    let t = Instant::now();
    if let Err(e) = send_fragmented(&session, MESSAGE_QUOTA).await {
        return Outcome::error(e).with_evidence(ev);
    }
    if let Err(e) = ping(&session, rt.timeout).await {
        return Outcome::fail(
            format!("a {MESSAGE_QUOTA}-byte message in {FRAME_QUOTA}-byte frames was not accepted: {e}"),
            "API Gateway accepts 128 KB messages in 32 KB frames: something in front of it (CloudFront, a proxy) \
             has a smaller limit",
        )
        .with_evidence(ev);
    }
    ev.timing("accepted", t.elapsed());
    ev.set("accepted", format!("{MESSAGE_QUOTA} bytes in {} frames", MESSAGE_QUOTA.div_ceil(FRAME_QUOTA)));

    // One byte over: API Gateway closes with 1009.
    let mut frames = session.subscribe();
    let t = Instant::now();
    if let Err(e) = send_fragmented(&session, MESSAGE_QUOTA + 1).await {
        return Outcome::error(e).with_evidence(ev);
    }
    let closed = frames.wait_for(t + rt.timeout, |f| if let Frame::Close(c) = f { Some(*c) } else { None }).await;
    ev.timing("close", t.elapsed());
    match closed {
        Ok(1009) => {
            ev.set("close_code", 1009);
            Outcome::pass(format!("{MESSAGE_QUOTA} bytes accepted; {} bytes closed with 1009", MESSAGE_QUOTA + 1))
                .with_evidence(ev)
        }
        Ok(code) => {
            ev.set("close_code", code);
            Outcome::fail(
                format!("a message over {MESSAGE_QUOTA} bytes closed the connection with {code}, not 1009"),
                "API Gateway closes oversized messages with 1009 (message too big); something else answered",
            )
            .with_evidence(ev)
        }
        Err(e) if session.ended().is_some() => Outcome::fail(
            format!("a message over {MESSAGE_QUOTA} bytes ended the connection without a 1009 close: {e}"),
            "API Gateway closes oversized messages with 1009; something in between dropped the connection instead",
        )
        .with_evidence(ev),
        // Accepted: what API Gateway never does, so this endpoint is not API
        // Gateway (an emulator). The accept part above is what clients rely
        // on; the missing refusal is worth knowing, not a broken deployment.
        Err(e) => {
            ev.set("over_quota", format!("{} bytes not refused within {:?} ({e})", MESSAGE_QUOTA + 1, rt.timeout));
            Outcome::pass(format!("{MESSAGE_QUOTA} bytes accepted; the quota above it is not enforced here"))
                .warn(
                    format!(
                        "a {}-byte message was not refused: this endpoint does not enforce API Gateway's \
                         {MESSAGE_QUOTA}-byte message quota (an emulator?)",
                        MESSAGE_QUOTA + 1
                    ),
                    "API Gateway closes messages over 128 KB with 1009: clients that pass here can still fail in \
                     production; run e2e.limits against a deployment to see the quota enforced",
                )
                .with_evidence(ev)
        }
    }
}

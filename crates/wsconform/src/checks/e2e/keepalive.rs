//! `e2e.keepalive`: pings, and an idle hold that proves API Gateway's idle timeout.

use super::*;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::check::Ctx;
use crate::facts::live::{Frame, Session};
use crate::outcome::{Evidence, Outcome};

/// One ping with a fresh payload; the matching pong's delay.
pub(super) async fn ping(session: &Session, timeout: Duration) -> Result<Duration, String> {
    if let Some(why) = session.ended() {
        return Err(format!("the connection is closed ({why})"));
    }
    let payload = nonce();
    let mut frames = session.subscribe();
    let t = Instant::now();
    session.send(Message::Ping(payload.clone().into_bytes().into())).await?;
    frames
        .wait_for(t + timeout, |f| match f {
            Frame::Pong(p) if p.as_ref() == payload.as_bytes() => Some(()),
            _ => None,
        })
        .await?;
    Ok(t.elapsed())
}

/// API Gateway's idle connection timeout.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// A hold longer than the idle timeout without pings: API Gateway closes the
/// connection after 10 minutes idle. `ended`: when and why the connection ended.
// API Gateway's idle timeout is 10 minutes, a connection's life 2 hours
// (rule and source on `an_idle_hold_proves_api_gateways_idle_timeout`).
pub fn judge_idle_hold(hold: Duration, ended: Option<(Duration, String)>, mut ev: Evidence) -> Outcome {
    ev.set("held", humantime::format_duration(hold));
    // The close is sent at the timeout; allow for the ping before the hold and clock granularity.
    let early = IDLE_TIMEOUT - Duration::from_secs(5);
    match ended {
        Some((after, why)) if after >= early => {
            ev.set("closed_after", humantime::format_duration(Duration::from_secs(after.as_secs())));
            Outcome::pass(format!(
                "the idle connection was closed after {} ({why}), as API Gateway's 10-minute idle timeout documents",
                humantime::format_duration(Duration::from_secs(after.as_secs()))
            ))
            .with_evidence(ev)
        }
        Some((after, why)) => Outcome::fail(
            format!(
                "the idle connection was closed after {} ({why}), before API Gateway's 10-minute idle timeout",
                humantime::format_duration(Duration::from_secs(after.as_secs()))
            ),
            "something on the way closes idle connections sooner (a proxy, load balancer or NAT idle timeout): \
             raise it above 10 minutes, or ping more often",
        )
        .with_evidence(ev),
        None => Outcome::pass(format!("the connection stayed open {} without a ping", humantime::format_duration(hold)))
            .with_evidence(ev)
            .warn(
                format!(
                    "the connection was not closed after {} idle: the endpoint does not apply API Gateway's 10-minute idle timeout (an emulator?)",
                    humantime::format_duration(hold)
                ),
                "run the idle hold against the deployment itself",
            ),
    }
}

pub(super) async fn keepalive(ctx: Arc<Ctx>) -> Outcome {
    let rt = &ctx.suite.roundtrip;
    let Some(session) = ctx.facts.live.session() else { return Outcome::skip("no live session (needs e2e.connect)") };
    let mut ev = Evidence::new();
    match ping(&session, rt.timeout).await {
        Ok(d) => ev.timing("pong", d),
        Err(e) => {
            return Outcome::fail(format!("no pong: {e}"), "the edge or gateway dropped the ping").with_evidence(ev);
        }
    }
    if let Some(hold) = rt.hold {
        let interval = rt.ping_interval.unwrap_or(hold).max(Duration::from_millis(100));
        // No ping within API Gateway's idle timeout: the hold proves that timeout instead.
        if hold > IDLE_TIMEOUT && interval >= IDLE_TIMEOUT {
            let t = Instant::now();
            let ended = session.ended_within(hold).await;
            return judge_idle_hold(hold, ended.map(|why| (t.elapsed(), why)), ev);
        }
        let end = Instant::now() + hold;
        let mut pings = 0u32;
        // Bounded: one ping per interval until the hold ends.
        while Instant::now() < end && pings < 10_000 {
            tokio::time::sleep(interval.min(end.saturating_duration_since(Instant::now()))).await;
            pings += 1;
            if let Err(e) = ping(&session, rt.timeout).await {
                ev.set("pings", pings);
                return Outcome::fail(
                    format!("the connection did not survive {hold:?} with a ping every {interval:?}: {e}"),
                    "API Gateway closes connections idle for 10 minutes (and any after 2 hours): ping or send more often; \
                     an earlier close is an edge or proxy timeout",
                )
                .with_evidence(ev);
            }
        }
        ev.set("pings", pings);
        ev.set("held", humantime::format_duration(hold));
    }
    Outcome::pass("ping → pong").with_evidence(ev)
}

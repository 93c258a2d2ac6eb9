//! `e2e.disconnect`: DeleteConnection closes the socket, and the id is gone (410) afterwards.

use super::*;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_apigatewaymanagement as mgmt;
use tokio::time::Instant;

use crate::check::Ctx;
use crate::facts::live::{Frame, Management};
use crate::outcome::Outcome;

pub(super) async fn disconnect(ctx: Arc<Ctx>) -> Outcome {
    let (session, id, m, mut ev) = match backend(&ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let mut frames = session.subscribe();
    let t = Instant::now();
    let timeout = ctx.suite.roundtrip.timeout;
    let attempts = Attempts::default();
    let delete = || m.client.delete_connection().connection_id(&id).customize().interceptor(attempts.clone()).send();
    let (mut deleted, mut calls) = unthrottled(timeout, delete).await;
    // The request went out and its answer was lost (the connection dropped, or
    // no answer in time): the delete may have worked. Asked again, a 410 Gone
    // then says it did. (The SDK does not retry a dropped connection itself.)
    if let Err(e) = &deleted
        && answer_lost(e)
    {
        ev.set("first_delete", ctx.suite.redactor.redact(&m.sdk_message("DeleteConnection", e)));
        let (again, more) = unthrottled(timeout.saturating_sub(t.elapsed()), delete).await;
        deleted = again;
        calls += more;
    }
    ev.set("delete_attempts", attempts.get());
    match deleted {
        Ok(_) => {}
        // Only a retried request can meet its own effect: the first attempt deleted the connection.
        Err(e) if sdk_status(&e) == Some(410) && attempts.get() > 1 => {
            ev.set("delete", "410 Gone on a retry: an earlier attempt deleted the connection and its answer was lost");
        }
        Err(e) => {
            let status = sdk_status(&e);
            if let Some(s) = status {
                ev.set("status", s);
            }
            let text = ctx.suite.redactor.redact(&m.sdk_message("DeleteConnection", &e));
            if status == Some(429) {
                return throttled(text, calls, t.elapsed(), ev);
            }
            return Outcome::fail_without_hint(text).with_evidence(ev);
        }
    }
    // DeleteConnection is processed asynchronously (by API Gateway and by
    // emulators alike): its answer means "closing", not "gone". One POST goes
    // out while the close is awaited (a 410 then is proof enough, at no extra
    // round trip); otherwise POSTs follow the close until one gets 410 Gone.
    let close = async {
        if session.ended().is_some() {
            return Ok(None);
        }
        frames.wait_for(t + timeout, |f| if let Frame::Close(c) = f { Some(Some(*c)) } else { None }).await
    };
    let early = m.client.post_to_connection().connection_id(&id).data(aws_smithy_types::Blob::new("gone?")).send();
    let (closed, early) = tokio::join!(close, early);
    ev.timing("close", t.elapsed());
    match closed {
        Ok(Some(code)) => ev.set("close_code", code),
        Ok(None) => {}
        // The connection ended without a close frame: closed all the same.
        Err(e) if session.ended().is_some() => ev.set("close", e),
        Err(_) => {
            return Outcome::fail_without_hint(format!(
                "DeleteConnection succeeded but the socket stayed open for {timeout:?}"
            ))
            .with_evidence(ev);
        }
    }
    // The session's reader answers the server's Close (RFC 6455 §5.5.1), so the
    // server can forget the connection without waiting for its own close timeout.
    let gone = match early {
        Err(e) if sdk_status(&e) == Some(410) => GoneProbe { posts: 1, last: Err(e) },
        // Still delivered (or not answered): the delete is being processed.
        _ => {
            let mut probe = post_until_gone(&m, &id, timeout).await;
            probe.posts += 1;
            probe
        }
    };
    ev.set("posts_after_delete", gone.posts);
    ev.timing("gone", t.elapsed());
    match gone.last {
        Err(e) if sdk_status(&e) == Some(410) => {
            ev.set("post_after_delete", 410);
            Outcome::pass("the socket closed and a later POST got 410 Gone").with_evidence(ev)
        }
        Err(e) if sdk_status(&e) == Some(429) => {
            ev.set("post_after_delete", 429);
            let text = ctx.suite.redactor.redact(&m.sdk_message("PostToConnection after the delete", &e));
            throttled(text, gone.posts, t.elapsed(), ev)
        }
        Err(e) => {
            let s = sdk_status(&e).map_or_else(|| "no response".to_owned(), |s| s.to_string());
            ev.set("post_after_delete", &s);
            Outcome::fail_without_hint(format!("a POST after the delete got {s}, not 410 Gone")).with_evidence(ev)
        }
        Ok(_) => Outcome::fail(
            format!(
                "POSTs after the delete still succeeded {timeout:?} after the socket closed ({} tries): the \
                 connection is not gone",
                gone.posts
            ),
            "the management endpoint still knows a connection whose socket is closed: is it the API and stage \
             the client was connected to?",
        )
        .with_evidence(ev),
    }
}

/// Whether the request may have been carried out with its answer lost: the
/// connection dropped or timed out after sending, or the answer could not be
/// read. Not a failure to connect (io) or to build the request (user).
pub(super) fn answer_lost<E>(e: &MgmtError<E>) -> bool {
    use aws_smithy_runtime_api::client::result::SdkError;
    match e {
        SdkError::DispatchFailure(d) => !d.is_io() && !d.is_user(),
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
        _ => false,
    }
}

/// The POSTs after a delete: how many were sent and the last answer.
pub(super) struct GoneProbe {
    posts: u32,
    last: Result<
        mgmt::operation::post_to_connection::PostToConnectionOutput,
        aws_smithy_runtime_api::client::result::SdkError<
            mgmt::operation::post_to_connection::PostToConnectionError,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    >,
}

/// POSTs to `id` until an answer other than success (410 Gone, or an error
/// the caller judges), with a short backoff, for at most `timeout` and
/// `MAX_GONE_POSTS` tries: a delete is processed asynchronously, so a POST
/// right after the close may still be delivered (to nobody).
pub(super) async fn post_until_gone(m: &Management, id: &str, timeout: Duration) -> GoneProbe {
    const MAX_GONE_POSTS: u32 = 40;
    let deadline = Instant::now() + timeout;
    let mut backoff = Duration::from_millis(25);
    let mut posts = 0u32;
    loop {
        posts += 1;
        let last =
            m.client.post_to_connection().connection_id(id).data(aws_smithy_types::Blob::new("gone?")).send().await;
        let now = Instant::now();
        if last.is_err() || posts >= MAX_GONE_POSTS || now + backoff >= deadline {
            return GoneProbe { posts, last };
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_millis(500));
    }
}

//! Wire-format plumbing shared by the emulated services: the three AWS
//! protocols' error shapes, a parsed request, and a small XML writer.

use std::fmt::Write as _;

use bytes::Bytes;
use http_body_util::Full;

use super::super::sigv4::SigV4Error;

/// A fixed creation time for everything the sandbox describes (2024-01-01T00:00:00Z).
pub const CREATED_EPOCH: i64 = 1_704_067_200;
pub const CREATED_RFC3339: &str = "2024-01-01T00:00:00Z";

/// The REST-XML services' document namespaces (one per API version): their
/// answers and their errors, including those given before the service is
/// known ([`Protocol::guess`]). Here, so that the protocol plumbing depends
/// on none of the services that use it.
pub const CLOUDFRONT_NAMESPACE: &str = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
pub const ROUTE53_NAMESPACE: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

/// How a service speaks on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// apigatewayv2, apigatewaymanagement: status + `x-amzn-ErrorType`, body `{"message"}`.
    RestJson,
    /// cloudfront, route53 (with their XML namespace): `<ErrorResponse><Error><Code>`.
    RestXml(&'static str),
    /// acm: `POST /`, `X-Amz-Target`, errors `{"__type","message"}`.
    Json11,
}

/// An error as AWS returns it: HTTP status, error code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl AwsError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> AwsError {
        AwsError { status, code: code.into(), message: message.into() }
    }

    /// Refused signatures: 403 (400 for a malformed header), named as each protocol names them.
    pub fn from_sigv4(e: &SigV4Error) -> AwsError {
        let status = if matches!(e, SigV4Error::IncompleteSignature(_)) { 400 } else { 403 };
        // JSON protocols rename the code in `render_error` (see `json_code`).
        AwsError::new(status, e.xml_code(), e.message())
    }
}

/// REST-JSON and JSON 1.1 services name the SigV4 failures differently from
/// the XML services (`InvalidSignatureException` vs `SignatureDoesNotMatch`).
fn json_code(code: &str) -> &str {
    let all = [
        SigV4Error::MissingAuthenticationToken,
        SigV4Error::IncompleteSignature(""),
        SigV4Error::UnrecognizedClient,
        SigV4Error::SignatureDoesNotMatch,
    ];
    all.iter().find(|e| e.xml_code() == code).map(|e| e.json_code()).unwrap_or(code)
}

impl Protocol {
    /// For answers given before the service is known (bad or missing signature):
    /// the protocol the request's shape implies.
    pub fn guess(parts: &http::request::Parts) -> Protocol {
        let path = parts.uri.path();
        if path.starts_with("/2020-05-31/") {
            Protocol::RestXml(CLOUDFRONT_NAMESPACE)
        } else if path.starts_with("/2013-04-01/") {
            Protocol::RestXml(ROUTE53_NAMESPACE)
        } else if parts.headers.contains_key("x-amz-target") {
            Protocol::Json11
        } else {
            Protocol::RestJson
        }
    }

    /// Each service's throttling answer.
    pub fn throttling(self) -> AwsError {
        match self {
            Protocol::RestJson => AwsError::new(429, "TooManyRequestsException", "Too Many Requests"),
            Protocol::RestXml(_) => AwsError::new(400, "Throttling", "Rate exceeded"),
            Protocol::Json11 => AwsError::new(400, "ThrottlingException", "Rate exceeded"),
        }
    }

    pub fn render_error(self, e: &AwsError) -> Answer {
        let mut answer = match self {
            Protocol::RestJson => {
                let code = json_code(&e.code);
                let mut a = Answer::json(serde_json::json!({ "message": e.message }));
                a.headers.push(("x-amzn-ErrorType", code.to_string()));
                a
            }
            Protocol::Json11 => {
                let code = json_code(&e.code);
                let mut a = Answer::json11(serde_json::json!({ "__type": code, "message": e.message }));
                a.headers.push(("x-amzn-ErrorType", code.to_string()));
                a
            }
            Protocol::RestXml(ns) => {
                let mut x = Xml::root("ErrorResponse", ns);
                x.el("Error", |x| {
                    x.leaf("Type", if e.status >= 500 { "Receiver" } else { "Sender" });
                    x.leaf("Code", &e.code);
                    x.leaf("Message", &e.message);
                });
                x.leaf("RequestId", request_id());
                Answer::xml(x.finish("ErrorResponse"))
            }
        };
        answer.status = e.status;
        answer
    }
}

/// A response before it goes on the wire.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

impl Answer {
    pub fn json(value: serde_json::Value) -> Answer {
        Answer::with_type("application/json", value.to_string())
    }

    pub fn json11(value: serde_json::Value) -> Answer {
        Answer::with_type("application/x-amz-json-1.1", value.to_string())
    }

    pub fn xml(body: String) -> Answer {
        Answer::with_type("text/xml", body)
    }

    pub fn with_type(content_type: &str, body: String) -> Answer {
        Answer { status: 200, headers: vec![("content-type", content_type.to_string())], body: Bytes::from(body) }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Answer {
        self.headers.push((name, value.into()));
        self
    }

    pub fn into_response(self) -> http::Response<Full<Bytes>> {
        let mut builder = http::Response::builder().status(self.status).header("x-amzn-RequestId", request_id());
        for (k, v) in &self.headers {
            builder = builder.header(*k, v.as_str());
        }
        builder.body(Full::new(self.body)).unwrap_or_else(|_| {
            let mut r = http::Response::new(Full::new(Bytes::new()));
            *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
    }
}

/// A request as the services see it: decoded path segments, query, body, signing region.
pub struct Request<'a> {
    pub method: &'a http::Method,
    /// Percent-decoded, without empty segments. `None` when a segment is not valid UTF-8.
    pub segments: Option<Vec<String>>,
    pub query: Vec<(String, String)>,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
    pub region: &'a str,
}

impl<'a> Request<'a> {
    pub fn new(parts: &'a http::request::Parts, body: &'a [u8], region: &'a str) -> Request<'a> {
        let segments =
            parts.uri.path().split('/').filter(|s| !s.is_empty()).map(percent_decode).collect::<Option<Vec<_>>>();
        let query = parts
            .uri
            .query()
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Request { method: &parts.method, segments, query, headers: &parts.headers, body, region }
    }

    /// The path segments as `&str`s, for matching (`[]` for an undecodable path).
    pub fn path(&self) -> Vec<&str> {
        self.segments.as_deref().unwrap_or_default().iter().map(String::as_str).collect()
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub use crate::serve::percent_decode;

pub fn request_id() -> String {
    let n: u128 = rand::random();
    let h = format!("{n:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// A minimal XML writer: elements and escaped text, nothing else.
pub struct Xml(String);

impl Xml {
    /// `<?xml …?><root xmlns="ns">`; close with [`Xml::finish`].
    pub fn root(name: &str, ns: &str) -> Xml {
        Xml(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{name} xmlns=\"{ns}\">"))
    }

    pub fn finish(mut self, name: &str) -> String {
        let _ = write!(self.0, "</{name}>");
        self.0
    }

    pub fn el(&mut self, name: &str, inner: impl FnOnce(&mut Xml)) {
        let _ = write!(self.0, "<{name}>");
        inner(self);
        let _ = write!(self.0, "</{name}>");
    }

    pub fn leaf(&mut self, name: &str, text: impl std::fmt::Display) {
        let _ = write!(self.0, "<{name}>");
        escape_into(&mut self.0, &text.to_string());
        let _ = write!(self.0, "</{name}>");
    }

    /// `<name><Quantity>n</Quantity><Items><item>…</item>…</Items></name>` — CloudFront's list shape
    /// (`Items` omitted when empty, as CloudFront does).
    pub fn quantity_list<T>(&mut self, name: &str, items: &[T], item: impl Fn(&mut Xml, &T)) {
        self.el(name, |x| {
            x.leaf("Quantity", items.len());
            if !items.is_empty() {
                x.el("Items", |x| items.iter().for_each(|i| item(x, i)));
            }
        });
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_accepts_escapes_and_refuses_bad_ones() {
        assert_eq!(percent_decode("L0SM9cOFvHcCIhw%3D").as_deref(), Some("L0SM9cOFvHcCIhw="));
        assert_eq!(percent_decode("ws.example.com").as_deref(), Some("ws.example.com"));
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn xml_text_is_escaped() {
        let mut x = Xml::root("R", "urn:x");
        x.leaf("A", "<b>&\"'");
        assert!(x.finish("R").ends_with("<R xmlns=\"urn:x\"><A>&lt;b&gt;&amp;&quot;&apos;</A></R>"));
    }

    #[test]
    fn errors_take_each_protocols_shape() {
        let e = AwsError::new(404, "NotFoundException", "gone");
        let json = Protocol::RestJson.render_error(&e);
        assert_eq!(json.status, 404);
        assert!(json.headers.iter().any(|(k, v)| *k == "x-amzn-ErrorType" && v == "NotFoundException"));
        let xml = Protocol::RestXml("urn:x").render_error(&AwsError::new(400, "Throttling", "slow"));
        let body = String::from_utf8_lossy(&xml.body).to_string();
        assert!(body.contains("<Error><Type>Sender</Type><Code>Throttling</Code><Message>slow</Message></Error>"));
        let j11 = Protocol::Json11.render_error(&AwsError::new(400, "ThrottlingException", "slow"));
        assert!(String::from_utf8_lossy(&j11.body).contains("\"__type\":\"ThrottlingException\""));
    }

    #[test]
    fn sigv4_failures_are_named_per_protocol() {
        let e = AwsError::from_sigv4(&SigV4Error::MissingAuthenticationToken);
        let json = Protocol::RestJson.render_error(&e);
        assert!(json.headers.iter().any(|(_, v)| v == "MissingAuthenticationTokenException"));
        let xml = Protocol::RestXml("urn:x").render_error(&e);
        assert!(String::from_utf8_lossy(&xml.body).contains("<Code>MissingAuthenticationToken</Code>"));
        assert_eq!(xml.status, 403);
    }
}

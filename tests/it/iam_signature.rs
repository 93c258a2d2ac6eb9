//! The IAM-signed upgrade against the sandbox's independent SigV4 verifier.

use url::Url;
use wsconform::test_support::{IamSigner, PRESIGNED_FOR};

// AWS: IAM User Guide, "AWS Signature Version 4 for API requests" — a request signs in the
// Authorization header or in the query string (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature); a signature must reach AWS within five
// minutes of its time stamp. The sandbox's verifier (independent of this signer's use) accepts
// both forms for the Host and path signed, and nothing else.
#[test]
fn the_upgrade_signature_verifies_in_both_forms_for_its_host_and_path_only() {
    use wsconform_sandbox::model::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};
    use wsconform_sandbox::sigv4::verify_either;
    let creds = || aws_credential_types::Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "t");
    let parts = |host: &str, target: &str, headers: &[(String, String)]| {
        let mut b = http::Request::builder().method("GET").uri(target).header("host", host);
        for (k, v) in headers {
            b = b.header(k.as_str(), v.as_str());
        }
        b.body(()).expect("request").into_parts().0
    };
    let now = std::time::SystemTime::now();
    let host = "ws.example.com";
    // Headers.
    let signer = IamSigner::new(creds(), "ap-northeast-1", false);
    let sig = signer.sign_at(host, "/chat?t=1", now).expect("signed");
    assert!(sig.query.is_empty() && sig.headers.iter().any(|(k, _)| k == "authorization"));
    let v = verify_either(&parts(host, "/chat?t=1", &sig.headers)).expect("verifies");
    assert_eq!((v.scope.service.as_str(), v.scope.region.as_str()), ("execute-api", "ap-northeast-1"));
    assert!(verify_either(&parts("origin.example.com", "/chat?t=1", &sig.headers)).is_err());
    assert!(verify_either(&parts(host, "/other?t=1", &sig.headers)).is_err());
    // Query string.
    let signer = IamSigner::new(creds(), "ap-northeast-1", true);
    let sig = signer.sign_at(host, "/chat", now).expect("signed");
    assert!(sig.headers.is_empty() && sig.query.iter().any(|(k, _)| k == "X-Amz-Signature"));
    let target = request_target_for("/chat", &sig.query);
    let v = verify_either(&parts(host, &target, &[])).expect("verifies");
    assert_eq!(v.expires_in, Some(PRESIGNED_FOR));
    assert!(verify_either(&parts(host, &target.replace("/chat", "/chat2"), &[])).is_err());
    // Every value that could authenticate is masked.
    let shown = signer.redactor().redact(&target);
    assert!(!shown.contains(ACCESS_KEY_ID) && shown.contains("X-Amz-Signature=***"), "{shown}");
}

fn request_target_for(path: &str, query: &[(String, String)]) -> String {
    let url = Url::parse(&format!("wss://ws.example.com{path}")).expect("url");
    wsconform::test_support::request_target(&url, query)
}

use super::error::line_col;
use super::load::*;
use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

const MIN: &str = "name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/Prod\"\n";

#[test]
fn minimal_suite_gets_defaults() {
    let s = Suite::parse("t.toml", MIN, &no_env).unwrap();
    assert_eq!(s.host(), "ws.example.com");
    assert_eq!(s.port(), 443);
    assert_eq!(s.path(), "/Prod");
    assert_eq!(s.tls.min_days_valid, 14);
    assert_eq!(s.api.routes, vec!["$connect", "$default"]);
    assert_eq!(s.check_timeout, Duration::from_secs(30));
}

#[test]
fn interpolation_with_default_and_escape() {
    let env = |k: &str| (k == "A").then(|| "x".to_string());
    assert_eq!(interpolate("${A}-${B:-d}-$${C}-$5", &env).unwrap(), ("x-d-${C}-$5".into(), vec!["x".into()]));
    let e = interpolate("${MISSING}", &env).unwrap_err();
    assert!(e.contains("`MISSING` is not set"), "{e}");
    assert!(interpolate("${A", &env).unwrap_err().contains("unterminated"));
}

#[test]
fn env_values_and_headers_become_secrets() {
    let text = format!(
        "{MIN}[api]\nid = \"${{API}}\"\n[roundtrip]\nheaders = {{ Authorization = \"Bearer literal-token\" }}\n"
    );
    let env = |k: &str| (k == "API").then(|| "abc123def".to_string());
    let s = Suite::parse("t.toml", &text, &env).unwrap();
    assert_eq!(s.api.id.as_deref(), Some("abc123def"));
    assert_eq!(s.redactor.redact("api abc123def with Bearer literal-token"), "api *** with ***");
}

#[test]
fn sandbox_faults_are_read_once_each_with_their_place() {
    let text = format!("{MIN}[sandbox]\nfaults = [\"dns-silent\", \"upgrade-502\", \"dns-silent\"]\n");
    let s = Suite::parse("t.toml", &text, &no_env).unwrap();
    let sb = s.sandbox.unwrap();
    assert_eq!(sb.fault_names(), vec!["dns-silent", "upgrade-502"]);
    assert_eq!((sb.faults[1].line, sb.faults[1].col), (5, 25));
    let s = Suite::parse("t.toml", &format!("{MIN}[sandbox]\n"), &no_env).unwrap();
    assert!(s.sandbox.is_some_and(|s| s.faults.is_empty()));
}

#[test]
fn an_unknown_sandbox_fault_points_at_its_entry_with_a_suggestion() {
    let known = ["dns-silent", "upgrade-502", "upgrade-500"];
    let text = format!("{MIN}[sandbox]\nfaults = [\"dns-silent\", \"upgrade-520\"]\n");
    let sb = Suite::parse("t.toml", &text, &no_env).unwrap().sandbox.unwrap();
    assert!(sb.unknown_fault("t.toml", &["dns-silent", "upgrade-520"]).is_none());
    let e = sb.unknown_fault("t.toml", &known).expect("upgrade-520 is unknown");
    assert_eq!((e.line, e.col, e.key.as_deref()), (Some(5), Some(25), Some("sandbox.faults")));
    assert!(e.message.contains("`upgrade-520` is not a sandbox fault"), "{}", e.message);
    assert!(e.help.as_deref().is_some_and(|h| h.starts_with("did you mean `upgrade-5")), "{:?}", e.help);
    let sb = Suite::parse("t.toml", &format!("{MIN}[sandbox]\nfaults = [\"zzz\"]\n"), &no_env).unwrap().sandbox;
    let e = sb.unwrap().unknown_fault("t.toml", &known).unwrap();
    assert!(e.help.as_deref().is_some_and(|h| h.contains("known faults: dns-silent")), "{:?}", e.help);
}

#[test]
fn roundtrip_auth_defaults_to_none_and_names_the_signing_form() {
    let parse = |extra: &str| {
        let text = format!("{MIN}[roundtrip]\n{extra}");
        Suite::parse("t.toml", &text, &|_| None).map(|s| s.roundtrip.auth)
    };
    assert_eq!(parse("").unwrap(), RoundtripAuth::None);
    assert_eq!(parse("auth = \"iam\"").unwrap(), RoundtripAuth::Iam);
    assert_eq!(parse("auth = \"iam-query\"").unwrap(), RoundtripAuth::IamQuery);
    assert!(parse("auth = \"sigv4\"").is_err());
}

#[test]
fn unknown_key_points_at_it_with_a_suggestion() {
    let text = format!("{MIN}[dns]\nnameserver = []\n");
    let e = Suite::parse("t.toml", &text, &no_env).unwrap_err();
    assert_eq!((e.line, e.col), (Some(5), Some(1)));
    assert_eq!(e.help.as_deref(), Some("did you mean `nameservers`?"));
}

#[test]
fn http_url_is_refused_with_the_wss_form() {
    let e = Suite::parse("t.toml", "name = \"t\"\nregion = \"us-east-1\"\nurl = \"https://h/Prod\"\n", &no_env)
        .unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.help.unwrap().contains("wss://h/Prod"));
}

#[test]
fn connect_to_forms() {
    assert_eq!(
        parse_connect_to("ws.example.com:443", "203.0.113.9:8443").unwrap(),
        ConnectTo { host: "ws.example.com".into(), port: 443, to_host: Some("203.0.113.9".into()), to_port: 8443 }
    );
    assert_eq!(parse_connect_to("h:443", ":8443").unwrap().to_host, None);
    assert!(parse_connect_to("h", ":1").is_err());
}

#[test]
fn alias_and_regional_targets_are_names() {
    let text = format!(
        "{MIN}[dns]\nalias_target = \"D1.cloudfront.net.\"\n[custom_domain]\nname = \"ws.example.com\"\nregional_target = \"d-1.execute-api.ap-northeast-1.amazonaws.com\"\n"
    );
    let s = Suite::parse("t.toml", &text, &no_env).unwrap();
    assert_eq!(s.dns.alias_target.as_deref(), Some("d1.cloudfront.net"));
    assert_eq!(
        s.custom_domain.unwrap().regional_target.as_deref(),
        Some("d-1.execute-api.ap-northeast-1.amazonaws.com")
    );
    let bad = format!("{MIN}[dns]\nalias_target = \"not a name\"\n");
    assert_eq!(Suite::parse("t.toml", &bad, &no_env).unwrap_err().key.as_deref(), Some("dns.alias_target"));
}

#[test]
fn a_url_without_a_host_is_an_error_not_host_prod() {
    // The WHATWG parser reads both as host `prod`.
    for url in ["wss:///Prod", "wss:Prod", "wss://:443/Prod", "wss://user@/Prod"] {
        let text = format!("name = \"t\"\nregion = \"us-east-1\"\nurl = \"{url}\"\n");
        let e = Suite::parse("t.toml", &text, &no_env).unwrap_err();
        assert_eq!((e.line, e.col, e.key.as_deref()), (Some(3), Some(7), Some("url")), "{url}: {e}");
        assert!(["no host", "no `//`", "empty host"].iter().any(|m| e.message.contains(m)), "{url}: {e}");
    }
    for (key, url) in [
        ("roundtrip.management_endpoint", "[roundtrip]\nmanagement_endpoint = \"https:///Prod\""),
        ("aws.endpoint_url", "[aws]\nendpoint_url = \"http:///localhost:4566\""),
    ] {
        let e = Suite::parse("t.toml", &format!("{MIN}{url}\n"), &no_env).unwrap_err();
        assert_eq!((e.key.as_deref(), e.message.as_str()), (Some(key), "the URL has no host"), "{e}");
    }
    let s = Suite::parse("t.toml", "name = \"t\"\nregion = \"us-east-1\"\nurl = \"ws://127.0.0.1:9/Prod\"\n", &no_env);
    assert_eq!(s.unwrap().host(), "127.0.0.1");
}

// AWS: AWS SDK partition data (`partitions.json`), "regionRegex" — region codes are
// {area}-{direction}-{number}: ap-northeast-1, us-gov-west-1, cn-north-1, eu-central-2, il-central-1.
#[test]
fn regions_of_every_partition_load() {
    for region in ["ap-northeast-1", "us-gov-west-1", "cn-north-1", "eu-central-2", "il-central-1", "mx-central-1"] {
        let text = format!("name = \"t\"\nregion = \"{region}\"\nurl = \"wss://ws.example.com/Prod\"\n");
        assert!(Suite::parse("t.toml", &text, &no_env).is_ok(), "{region}");
    }
    for region in ["Tokyo", "ap-norheast-1", "a-b-1", "us-east-01", "US-EAST-1"] {
        let text = format!("name = \"t\"\nregion = \"{region}\"\nurl = \"wss://ws.example.com/Prod\"\n");
        let e = Suite::parse("t.toml", &text, &no_env).unwrap_err();
        assert_eq!((e.line, e.col, e.key.as_deref()), (Some(2), Some(10), Some("region")), "{region}");
    }
}

#[test]
fn host_names() {
    for ok in ["ws.example.com", "localhost", "d-abc123.execute-api.cn-north-1.amazonaws.com.cn", "a1.b-2.c"] {
        assert!(is_hostname(ok, false), "{ok}");
    }
    for bad in
        ["", "-ws.example.com", "ws-.example.com", "ws..example.com", "ws_chat.example.com", "a.b.1", "*.example.com"]
    {
        assert!(!is_hostname(bad, false), "{bad}");
    }
    assert!(is_hostname("*.example.com", true));
    assert!(!is_hostname("*", true) && !is_hostname("ws.*.example.com", true) && !is_hostname("a*b.example.com", true));
    assert!(is_hostname(&format!("{}.com", "a".repeat(63)), false));
    assert!(!is_hostname(&format!("{}.com", "a".repeat(64)), false));
    assert!(is_host_or_ip("203.0.113.9") && is_host_or_ip("::1") && is_host_or_ip("proxy.internal."));
    assert!(!is_host_or_ip("203.0.113.9.") && !is_host_or_ip("exa mple.com"));
}

// AWS: API Gateway Developer Guide, "Map API stages to a custom domain name for WebSocket APIs" —
// "API mappings must contain only letters, numbers, and the following characters: $-_.+!*'()";
// "The maximum length for the path in an API mapping is 300 characters". No `/`: one segment.
#[test]
fn mapping_keys_use_the_websocket_character_set() {
    let with = |k: &str| {
        let text = format!("{MIN}[custom_domain]\nname = \"ws.example.com\"\nmapping_key = \"{k}\"\n");
        Suite::parse("t.toml", &text, &no_env)
    };
    for ok in ["", "v1", "Prod", "a$-_.+!*'()z"] {
        assert!(with(ok).is_ok(), "{ok}");
    }
    let e = with("v1/chat").unwrap_err();
    assert!(e.message.contains("has a `/`") && e.help.unwrap().contains("$-_.+!*'()"));
    let e = with("chat room").unwrap_err();
    assert_eq!((e.line, e.col), (Some(6), Some(15)));
    assert!(e.message.contains("has ` `") && e.help.unwrap().contains("$-_.+!*'()"), "{}", e.message);
    assert!(with(&"k".repeat(301)).unwrap_err().message.contains("300"));
}

#[test]
fn connect_to_hosts_are_names_or_addresses() {
    let with = |m: &str| Suite::parse("t.toml", &format!("{MIN}[dns]\nconnect_to = {{ {m} }}\n"), &no_env);
    assert!(with("\"ws.example.com:443\" = \"d-1.execute-api.us-east-1.amazonaws.com:443\"").is_ok());
    assert!(with("\"203.0.113.9:443\" = \"[::1]:8443\"").is_ok());
    assert!(with("\"ws.example.com:443\" = \":8443\"").is_ok());
    let e = with("\"ws_x.example.com:443\" = \"203.0.113.9:443\"").unwrap_err();
    assert_eq!((e.line, e.col), (Some(5), Some(16)), "the key's own place");
    let e = with("\"ws.example.com:443\" = \"bad_host:443\"").unwrap_err();
    assert_eq!((e.line, e.col), (Some(5), Some(39)), "the value's place");
}

#[test]
fn json_pointer_rules() {
    assert!(validate_json_pointer("").is_ok());
    assert!(validate_json_pointer("/a~0b/~1").is_ok());
    assert!(validate_json_pointer("a").is_err());
    assert!(validate_json_pointer("/a~2").is_err());
}

#[test]
fn line_col_counts_characters() {
    assert_eq!(line_col("ab\ncdé\nx", 7), (2, 4));
    assert_eq!(line_col("ab\ncdé\nx", 8), (3, 1));
    assert_eq!(line_col("", 0), (1, 1));
}

#[test]
fn key_line_finds_tables_and_keys() {
    let text = "name = \"s\"\nurl = \"wss://h/p\"\n\n[custom_domain]\nname = \"h\"\nmapping_key = \"p\"\n\n[cloudfront]\ndistribution_id = \"E1\"\n";
    assert_eq!(key_line(text, "url"), Some(2));
    assert_eq!(key_line(text, "custom_domain"), Some(4));
    assert_eq!(key_line(text, "custom_domain.mapping_key"), Some(6));
    assert_eq!(key_line(text, "cloudfront"), Some(8));
    assert_eq!(key_line(text, "api"), None);
    assert_eq!(key_line(text, "url.x"), None);
    assert_eq!(key_line("not = = toml", "url"), None);
}

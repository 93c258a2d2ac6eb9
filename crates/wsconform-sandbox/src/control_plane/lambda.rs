//! Lambda (REST-JSON, PascalCase members): the two reads that tell what a
//! route or an authorizer invokes, answered from the deployment model.
//!
//! AWS: Lambda API Reference, "GetFunctionConfiguration"
//! (<https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html>,
//! `GET /2015-03-31/functions/{FunctionName}/configuration`) and "GetPolicy"
//! (<https://docs.aws.amazon.com/lambda/latest/api/API_GetPolicy.html>,
//! `GET /2015-03-31/functions/{FunctionName}/policy` → `{"Policy": "<JSON
//! document as a string>", "RevisionId": …}`). FunctionName is a name, an
//! ARN or a partial ARN (`{account}:function:{name}`), with an optional
//! `:{qualifier}`; a missing function, and a function without a policy, are
//! 404 ResourceNotFoundException.

use serde_json::json;

use super::wire::{Answer, AwsError, Request};
use crate::model::{ACCOUNT_ID, Deployment, LambdaFunction};

type Routed = Option<(&'static str, Result<Answer, AwsError>)>;

pub fn route(d: &Deployment, req: &Request<'_>) -> Routed {
    if req.method != http::Method::GET {
        return None;
    }
    match req.path().as_slice() {
        ["2015-03-31", "functions", name, "configuration"] => {
            Some(("GetFunctionConfiguration", find(d, name, req.region).map(|f| configuration(f, req.region))))
        }
        ["2015-03-31", "functions", name, "policy"] => Some((
            "GetPolicy",
            find(d, name, req.region).and_then(|f| match &f.policy {
                Some(p) => Ok(Answer::json(json!({ "Policy": p.to_string(), "RevisionId": revision_id(f) }))),
                None => {
                    Err(AwsError::new(404, "ResourceNotFoundException", "The resource you requested does not exist."))
                }
            }),
        )),
        _ => None,
    }
}

/// The function named by a name, an ARN or a partial ARN (its region must be the request's).
fn find<'a>(d: &'a Deployment, name: &str, region: &str) -> Result<&'a LambdaFunction, AwsError> {
    let parts: Vec<&str> = name.split(':').collect();
    let (wanted_region, account, function) = match parts.as_slice() {
        [n] | [n, _] => (region, ACCOUNT_ID, *n),
        [acct, "function", n] | [acct, "function", n, _] => (region, *acct, *n),
        ["arn", _, "lambda", r, acct, "function", n] | ["arn", _, "lambda", r, acct, "function", n, _] => {
            (*r, *acct, *n)
        }
        _ => ("", "", ""),
    };
    d.functions
        .iter()
        .find(|f| f.name == function && account == ACCOUNT_ID && wanted_region == region && region == d.region)
        .ok_or_else(|| {
            AwsError::new(
                404,
                "ResourceNotFoundException",
                format!("Function not found: arn:aws:lambda:{region}:{account}:function:{function}"),
            )
        })
}

fn revision_id(f: &LambdaFunction) -> String {
    // Stable per function and policy, shaped like Lambda's (a UUID).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in f.policy.as_ref().map(|p| p.to_string()).unwrap_or_default().bytes().chain(f.name.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let x = format!("{h:016x}{:016x}", h.rotate_left(29));
    format!("{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

fn configuration(f: &LambdaFunction, region: &str) -> Answer {
    Answer::json(json!({
        "FunctionName": f.name,
        "FunctionArn": format!("arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{}", f.name),
        "Runtime": f.runtime,
        "Role": f.role,
        "Handler": f.handler,
        "CodeSize": 1024,
        "Description": "",
        "Timeout": 3,
        "MemorySize": 128,
        "LastModified": "2024-01-01T00:00:00.000+0000",
        "CodeSha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "Version": "$LATEST",
        "TracingConfig": { "Mode": "PassThrough" },
        "RevisionId": revision_id(f),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": { "Size": 512 },
    }))
}

//! ACM (the certificate's own region, taken from its ARN).

use std::sync::Arc;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::client::is_not_found;
use super::{AwsFacts, Res};
use crate::model::aws::*;

impl AwsFacts {
    /// DescribeCertificate. `Ok(None)`: no such certificate.
    pub async fn certificate(&self, arn: &str) -> Res<Option<Arc<CertificateFacts>>> {
        self.certificates
            .get(arn, || async {
                let region = arn.split(':').nth(3).filter(|r| !r.is_empty()).unwrap_or(&self.suite.region);
                let client = aws_sdk_acm::Client::new(&self.config(region).await);
                self.count("acm.DescribeCertificate");
                match client.describe_certificate().certificate_arn(arn).send().await {
                    Ok(o) => Ok(o.certificate().map(|c| {
                        Arc::new(CertificateFacts {
                            arn: arn.to_owned(),
                            domain_name: c.domain_name().map(Into::into),
                            subject_alternative_names: c.subject_alternative_names().to_vec(),
                            status: c.status().map(|s| s.as_str().to_owned()),
                            not_after: c.not_after().map(|t| t.secs()),
                        })
                    })),
                    Err(e) if is_not_found(e.code()) => Ok(None),
                    Err(e) => Err(self.describe("acm.DescribeCertificate", &e)),
                }
            })
            .await
    }
}

//! ACM (the certificate's own region, taken from its ARN).

use std::sync::Arc;

use super::{AwsFacts, Res};
use crate::model::aws::*;

impl AwsFacts {
    /// DescribeCertificate. `Ok(None)`: no such certificate.
    pub async fn certificate(&self, arn: &str) -> Res<Option<Arc<CertificateFacts>>> {
        self.certificates.get(arn, || async { Ok(self.source.certificate(self, arn).await?.map(Arc::new)) }).await
    }
}

//! Lambda (the function's own region): the functions integrations and
//! authorizers invoke, and their resource-based policies.

use std::sync::Arc;

use super::{AwsFacts, Res};
use crate::model::aws::*;

impl AwsFacts {
    /// GetFunctionConfiguration. `Ok(None)`: no such function (or version/alias).
    pub async fn function(&self, arn: &str) -> Res<Option<Arc<FunctionFacts>>> {
        self.functions.get(arn, || async { Ok(self.source.function(self, arn).await?.map(Arc::new)) }).await
    }

    /// GetPolicy. `Ok(None)`: the function has no resource-based policy.
    pub async fn function_policy(&self, arn: &str) -> Res<Option<Arc<ResourcePolicy>>> {
        self.function_policies
            .get(arn, || async { Ok(self.source.function_policy(self, arn).await?.map(Arc::new)) })
            .await
    }

    /// STS GetCallerIdentity's account: the account of every API this run reads.
    pub async fn caller_account(&self) -> Res<Arc<String>> {
        self.caller_account.get("", || async { Ok(Arc::new(self.source.caller_account(self).await?)) }).await
    }
}

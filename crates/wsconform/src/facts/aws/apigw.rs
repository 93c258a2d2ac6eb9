//! API Gateway v2 (the suite's region): API, stage, routes, deployments,
//! custom domains and their mappings.

use std::sync::Arc;

use super::{AwsFacts, Res};
use crate::model::aws::*;

impl AwsFacts {
    /// GetApi. `Ok(None)`: no such API in the region.
    pub async fn api(&self, api_id: &str) -> Res<Option<Arc<ApiFacts>>> {
        self.apis.get(api_id, || async { Ok(self.source.api(self, api_id).await?.map(Arc::new)) }).await
    }

    /// GetStage. `Ok(None)`: no such stage.
    pub async fn stage(&self, api_id: &str, stage: &str) -> Res<Option<Arc<StageFacts>>> {
        self.stages
            .get(&format!("{api_id}/{stage}"), || async {
                Ok(self.source.stage(self, api_id, stage).await?.map(Arc::new))
            })
            .await
    }

    /// GetDeployments: the API's deployment ids. Asked only to confirm that a
    /// stage without a deploymentId was never deployed.
    pub async fn deployments(&self, api_id: &str) -> Res<Arc<Vec<String>>> {
        self.deployments.get(api_id, || async { self.source.deployments(self, api_id).await.map(Arc::new) }).await
    }

    /// GetRoutes (all pages).
    pub async fn routes(&self, api_id: &str) -> Res<Arc<Vec<RouteFacts>>> {
        self.routes.get(api_id, || async { self.source.routes(self, api_id).await.map(Arc::new) }).await
    }

    /// GetDomainName. `Ok(None)`: not an API Gateway custom domain in the region.
    pub async fn domain(&self, name: &str) -> Res<Option<Arc<DomainFacts>>> {
        let name = normalize_host(name);
        self.domains.get(&name, || async { Ok(self.source.domain(self, &name).await?.map(Arc::new)) }).await
    }

    /// GetApiMappings of a custom domain (all pages).
    pub async fn mappings(&self, domain: &str) -> Res<Arc<Vec<MappingFacts>>> {
        let domain = normalize_host(domain);
        self.mappings.get(&domain, || async { self.source.mappings(self, &domain).await.map(Arc::new) }).await
    }

    /// GetIntegrations (all pages).
    pub async fn integrations(&self, api_id: &str) -> Res<Arc<Vec<IntegrationFacts>>> {
        self.integrations.get(api_id, || async { self.source.integrations(self, api_id).await.map(Arc::new) }).await
    }

    /// GetAuthorizer. `Ok(None)`: the API has no authorizer with that id.
    pub async fn authorizer(&self, api_id: &str, authorizer_id: &str) -> Res<Option<Arc<AuthorizerFacts>>> {
        self.authorizers
            .get(&format!("{api_id}/{authorizer_id}"), || async {
                Ok(self.source.authorizer(self, api_id, authorizer_id).await?.map(Arc::new))
            })
            .await
    }

    /// API Gateway v1 GetVpcLink. `Ok(None)`: no such VPC link in the region.
    pub async fn vpc_link(&self, id: &str) -> Res<Option<Arc<VpcLinkFacts>>> {
        self.vpc_links.get(id, || async { Ok(self.source.vpc_link(self, id).await?.map(Arc::new)) }).await
    }
}

//! What an API gives the call layer to build each attempt's upstream request ([`ApiUpstream`]),
//! and what comes back of a relayed InvokeModel answer ([`Relayed`]). The fallback chain
//! (`plan/call.rs`) asks for one request per attempt, from the client's request and that
//! attempt's target, so a step can be another kind of call than the one before it.

use super::models;
use crate::aws::model::{ApiError, ConverseRequest, Usage};
use crate::aws::model_id::foundation_model;
use crate::plan::call::{self, Aim, BuildUpstream, Upstream};

/// An answer relayed from InvokeModel: what goes to the client, and what the accounting
/// records of it (only the API can read a model-native body).
#[derive(Debug, Default)]
pub(in crate::gateway) struct Relayed {
    /// The body (whole) or the frames (a stream chunk), if any.
    pub body: bytes::Bytes,
    /// Whether it carries generated output.
    pub output: bool,
    /// The tokens it reports.
    pub usage: Option<Usage>,
    /// Why generation stopped, when it says.
    pub finish: Option<String>,
}

/// One attempt of the fallback chain: where it goes, and the foundation model its target runs
/// (the target itself for a foundation model; a profile's model, resolved by [`models`]).
#[derive(Debug, Clone, Copy)]
pub(in crate::gateway) struct Step<'a> {
    /// Target, region, max tokens, time left.
    pub aim: &'a Aim<'a>,
    /// The foundation model id (no region prefix, no ARN).
    pub model: &'a str,
}

/// An API's upstream builder: the request for one attempt, from the client's request and the
/// attempt's target. The call layer never looks inside it.
pub(in crate::gateway) trait ApiUpstream: Send + 'static {
    /// The request for `step`, or the client's error when its form cannot carry the request.
    fn build(&mut self, step: &Step<'_>) -> Result<Upstream, ApiError>;
}

/// A Converse request, aimed at each attempt: the upstream of an API that always speaks
/// Converse (a copy per attempt while another may follow; the original for the last).
pub(in crate::gateway) struct ConverseOnly(pub Option<ConverseRequest>);

impl ConverseOnly {
    /// The request aimed at `step`: reasoning and sampling follow the foundation model, named
    /// in the request only when the target's id does not say it (an application profile).
    pub(in crate::gateway) fn aimed(&mut self, step: &Step<'_>) -> Result<ConverseRequest, ApiError> {
        let aim = step.aim;
        let mut request = if aim.last { self.0.take() } else { self.0.clone() }.ok_or_else(call::closed)?;
        call::aim(&mut request, aim);
        request.options.foundation_model = (foundation_model(aim.target) != Some(step.model)).then(|| step.model.to_string());
        Ok(request)
    }
}

impl ApiUpstream for ConverseOnly {
    fn build(&mut self, step: &Step<'_>) -> Result<Upstream, ApiError> {
        self.aimed(step).map(|request| Upstream::Converse(Box::new(request)))
    }
}

/// An API's builder over the chain: each target's foundation model looked up first.
pub(super) struct Resolved<B> {
    pub(super) api: B,
    pub(super) models: models::TargetModels,
}

impl<B: ApiUpstream> BuildUpstream for Resolved<B> {
    fn build(&mut self, aim: &Aim<'_>) -> Result<Upstream, ApiError> {
        let model = self.models.model_of(aim.target);
        self.api.build(&Step { aim, model: &model })
    }
}

//! Steps 3 and 4 of a routed chat request ([`super::chat`]): the answer sent whole or as a
//! stream, the virtual key's lease settled, the API's headers set.

use super::*;

/// A routed request on its way out: its slot, its virtual key's lease, when it began, and its
/// telemetry.
pub(super) struct Sending<'a> {
    pub(super) shared: &'a Arc<Shared>,
    pub(super) permit: OwnedSemaphorePermit,
    pub(super) lease: Option<Lease>,
    pub(super) started: Instant,
    pub(super) observation: &'a mut Observation,
    /// One tool call per turn was asked for ([`single_call`]).
    pub(super) single_tool_call: bool,
}

/// Steps 3 and 4, answered whole.
pub(super) async fn send_whole<R: Render>(upstream: Source, render: R, sending: Sending<'_>) -> Result<Response<Body>, HttpError> {
    let Sending { shared, permit, lease, started, observation, single_tool_call } = sending;
    let (target, mut response, usage) = match upstream {
        Source::Routed { bedrock, route, mut build, timeout } => {
            let whole = call::call(bedrock.as_ref(), &route, timeout, build.as_mut()).await.map_err(|error| HttpError::from_api(&error))?;
            first_token(shared, observation, started);
            observation.answered(&whole.target, &whole.region);
            match whole.answer {
                Answer::Converse(response) => {
                    let usage = response.usage;
                    (whole.target, response, Some(usage))
                }
                Answer::Invoke(response) => {
                    let relayed = render.whole_invoked(&whole.target, response);
                    drop(permit);
                    let relayed = relayed?;
                    if let Some(finish) = &relayed.finish {
                        observation.finish_reason(finish);
                    }
                    if let Some(usage) = &relayed.usage {
                        account_usage(shared, observation, usage);
                    }
                    settle(lease, relayed.usage.as_ref()).await;
                    let mut response = json_bytes_response(200, relayed.body);
                    set_headers(&mut response, render.headers());
                    return Ok(response);
                }
            }
        }
        Source::Policy(mut events) => {
            let target = events.target(shared).await?;
            let mut collector = Collector::default();
            while let Some(event) = events.next(shared).await? {
                if collector.is_empty() && event.is_output() {
                    first_token(shared, observation, started);
                }
                collector.push(event);
            }
            let (response, usage) = collector.finish();
            (target, response, usage)
        }
    };
    drop(permit);
    observation.finish_reason(&response.stop_reason);
    if let Some(usage) = usage {
        account_usage(shared, observation, &usage);
    }
    settle(lease, usage.as_ref()).await;
    let mut headers = render.headers();
    if single_call::cuts(single_tool_call, &target) {
        single_call::first_call_only(&mut response);
        headers.push((single_call::HEADER, single_call::FIRST_CALL_ONLY.to_string()));
    }
    let mut answer = json_response(200, &render.whole(&target, response));
    set_headers(&mut answer, headers);
    Ok(answer)
}

/// A whole answer's virtual-key lease settled to its usage (on disk before the answer leaves).
async fn settle(lease: Option<Lease>, usage: Option<&Usage>) {
    if let Some(mut lease) = lease {
        if let Some(usage) = usage {
            lease.observe(usage);
        }
        lease.settle().await;
    }
}

/// An API's own headers, set on its response (a value that is not a header value is left out).
pub(super) fn set_headers(response: &mut Response<Body>, headers: Vec<(&'static str, String)>) {
    for (name, value) in headers {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
}

/// Steps 3 and 4, streamed: the first event is awaited before the 200 is committed, so a
/// failure the call starts with (throttling after every fallback, a refused request, ...) keeps
/// its own status; the rest is accounted by the stream's body as it goes ([`stream`]).
pub(super) async fn send_streamed<R: Render>(upstream: Source, render: R, sending: Sending<'_>) -> Result<Response<Body>, HttpError> {
    let Sending { shared, permit, lease, started, observation, single_tool_call } = sending;
    let held = stream::Held { permit, lease };
    let cut = |headers: &mut Vec<(&'static str, String)>, target: &str| {
        let cuts = single_call::cuts(single_tool_call, target);
        if cuts {
            headers.push((single_call::HEADER, single_call::FIRST_CALL_ONLY.to_string()));
        }
        cuts
    };
    let (mut response, headers) = match upstream {
        Source::Routed { bedrock, route, build, timeout } => {
            let mut stream = RoutedStream::start(bedrock, &route, timeout, build).await.map_err(|error| HttpError::from_api(&error))?;
            let first = stream.next().await.map_err(|error| HttpError::from_api(&error))?;
            observation.answered(stream.target(), stream.region());
            let mut headers = render.headers();
            let cuts = cut(&mut headers, stream.target());
            let encoder = single_call::FirstCall::new(render.encoder(stream.target().to_string()), cuts);
            (EventFrames::respond(shared, held, encoder, first, started, Routed(stream), observation.take()), headers)
        }
        Source::Policy(mut events) => {
            let target = events.target(shared).await?;
            let first = events.next(shared).await?.map(call::Delivery::Event);
            let mut headers = render.headers();
            let cuts = cut(&mut headers, &target);
            let encoder = single_call::FirstCall::new(render.encoder(target), cuts);
            (EventFrames::respond(shared, held, encoder, first, started, (*events).with(Arc::clone(shared)), observation.take()), headers)
        }
    };
    set_headers(&mut response, headers);
    Ok(response)
}

/// The time to the first generated output, recorded.
fn first_token(shared: &Shared, observation: &mut Observation, started: Instant) {
    shared.metrics.first_token(started.elapsed());
    observation.first_token(started.elapsed());
}

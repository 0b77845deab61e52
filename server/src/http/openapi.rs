//! The OpenAPI document, built from the routes themselves (`utoipa-axum`): a handler's annotation is both its
//! route and its entry, so the two cannot drift apart. [`complete`] then adds what every operation can answer
//! besides its own outcomes (the body, rate and flow refusals of the shared extractors and layers), the
//! `X-Flow-Key` header of every flow step, unique operation ids, and links from each flow's start to its view.

use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ContentBuilder, Header, Object, Ref, RefOr, Required, Response, ResponseBuilder, Type};

#[derive(OpenApi)]
#[openapi(
    info(title = "Clave Sence API", description = "Accounts, flows and captchas of Clave Sence (persona natural)."),
    components(schemas(domain::ErrorCode, domain::FieldErrors, domain::api::ErrorBody))
)]
pub struct ApiDoc;

/// Answers of every operation: the per-address limit, the hashing queue, and the connection cap.
const ANY: &[(&str, &str)] = &[
    ("429", "rate_limited (per address), server_busy (hashing queue full) or a lockout; `Retry-After` says when"),
    ("500", "internal"),
    ("503", "registro_civil_unavailable, or the server is shedding connections"),
];
/// Answers of every operation with a body.
const WITH_BODY: &[(&str, &str)] = &[
    ("400", "invalid_request: not JSON, not `application/json`, or a required field missing or of another type"),
    ("413", "payload_too_large (answered with `Connection: close`)"),
    ("422", "field refusals: `fields` names each refused field and its code"),
];
/// Answers of every operation on one flow (`/{id}`).
const ON_A_FLOW: &[(&str, &str)] = &[
    ("404", "flow_not_found: no such flow, or `X-Flow-Key` missing or not its key"),
    ("409", "flow_wrong_step: the flow is not waiting for this step (or another request moved it first)"),
    ("410", "flow_expired"),
];

fn refusal(description: &str) -> Response {
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
        .build();
    if description.contains("Retry-After") {
        response.headers.insert("Retry-After".into(), Header::new(Object::with_type(Type::Integer)));
    }
    response
}

fn add_refusals(operation: &mut Operation, refusals: &[(&str, &str)]) {
    for (status, description) in refusals {
        operation.responses.responses.entry((*status).to_owned()).or_insert_with(|| RefOr::T(refusal(description)));
    }
}

/// The document as served: every path under `/api`, completed as the module says.
pub fn complete(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let paths = std::mem::take(&mut doc.paths.paths);
    // Per flow, the operations on one flow: each start links to all of them, with the id and key it gave.
    let mut steps: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (path, item) in &paths {
        if path.contains("{id}") {
            let tag = tag_of(path);
            for operation in [&item.get, &item.post].into_iter().flatten() {
                let name = operation.operation_id.clone().unwrap_or_default();
                steps.entry(tag.clone()).or_default().push(format!("{tag}_{name}"));
            }
        }
    }
    for (path, mut item) in paths {
        let on_a_flow = path.contains("{id}");
        let tag = tag_of(&path);
        for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
            // Handlers share names across flows (`start`, `show`): the id names the flow too.
            let name = operation.operation_id.take().unwrap_or_default();
            operation.operation_id = Some(format!("{tag}_{name}"));
            add_refusals(operation, ANY);
            if operation.request_body.is_some() {
                add_refusals(operation, WITH_BODY);
            }
            if on_a_flow {
                add_refusals(operation, ON_A_FLOW);
                let key = ParameterBuilder::new()
                    .name("X-Flow-Key")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::True)
                    .description(Some("The `key` of the flow's first answer."))
                    .schema(Some(Object::with_type(Type::String)))
                    .build();
                operation.parameters.get_or_insert_with(Vec::new).push(key);
            } else if let Some(RefOr::T(created)) = operation.responses.responses.get_mut("201") {
                for step in steps.get(&tag).into_iter().flatten() {
                    let link = LinkBuilder::new()
                        .operation_id(step)
                        .parameter("id", "$response.body#/id")
                        .parameter("header.X-Flow-Key", "$response.body#/key")
                        .build();
                    created.links.insert(step.clone(), RefOr::T(link));
                }
            }
        }
        doc.paths.paths.insert(format!("/api{path}"), item);
    }
    doc
}

/// The flow (or resource) a path belongs to: its first segment.
fn tag_of(path: &str) -> String {
    path.trim_start_matches('/').split('/').next().unwrap_or_default().to_owned()
}

/// `GET` of the document, serialised once.
pub fn route(doc: &utoipa::openapi::OpenApi) -> axum::routing::MethodRouter {
    let mut json = serde_json::to_value(doc).unwrap_or_default();
    camel_case_links(&mut json);
    let body = Bytes::from(json.to_string());
    axum::routing::get(move || async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() })
}

/// utoipa 5.5 writes a link's `operationId` as `operation_id`; OpenAPI readers know only the former.
fn camel_case_links(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(links)) = map.get_mut("links") {
                for link in links.values_mut().filter_map(serde_json::Value::as_object_mut) {
                    if let Some(id) = link.remove("operation_id") {
                        link.insert("operationId".into(), id);
                    }
                }
            }
            map.values_mut().for_each(camel_case_links);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(camel_case_links),
        _ => {}
    }
}

//! `tools` and `tool_choice` of a Responses request, as Bedrock tool specs, and the way back:
//! which Bedrock tool name answers to which client tool.
//!
//! - `function` tools pass as they are.
//! - `custom` (freeform) tools, such as Codex's `apply_patch`, take one string: Bedrock gets a
//!   tool of one `input` string property (the tool's grammar, when it has one, in the
//!   description), and its calls go back as `custom_tool_call` with that string.
//! - `namespace` tools are flattened: `<namespace>__<name>`, mapped back to a `function_call`
//!   with `namespace` and `name`.
//! - Hosted tools (web search, file search, ...) cannot run behind Bedrock: they are left out of
//!   the model's tools and named in the `openclaw-hosted-tools-omitted` header; the echoed
//!   `tools` lack them; a `tool_choice` forcing one is refused by name.

use super::super::options::{self, Choice};
use crate::aws::model::{ToolChoice, ToolSpec};
use crate::gateway::errors::HttpError;
use crate::gateway::request_bounds::MAX_TOOLS;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The hosted tool types: run by OpenAI's servers, not by the client.
const HOSTED: &[&str] = &[
    "web_search",
    "web_search_preview",
    "web_search_2025_08_26",
    "web_search_preview_2025_03_11",
    "file_search",
    "code_interpreter",
    "image_generation",
    "computer_use",
    "computer_use_preview",
    "computer",
    "tool_search",
];

/// The separator of a flattened namespace tool's name.
const NAMESPACE_SEPARATOR: &str = "__";

/// What a Bedrock tool name stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ToolKind {
    /// A function tool (or one the history names that the request does not list).
    Function,
    /// A freeform tool taking one string.
    Custom,
    /// A function inside a namespace.
    Namespaced { namespace: String, name: String },
}

/// The request's tools.
#[derive(Debug, Clone, Default)]
pub(super) struct Tools {
    /// What Bedrock gets.
    pub specs: Vec<ToolSpec>,
    /// The Bedrock name of each tool that is not a plain function.
    kinds: HashMap<String, ToolKind>,
    /// The request's tools without the hosted ones (echoed in the response).
    pub echo: Vec<Value>,
    /// The hosted tool types left out.
    pub hosted: Vec<String>,
}

/// A name Bedrock takes: 1 to 64 letters, digits, `_` and `-`.
fn bedrock_name_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Tools {
    /// What `name` (a Bedrock tool name) stands for.
    pub fn kind(&self, name: &str) -> ToolKind {
        self.kinds.get(name).cloned().unwrap_or(ToolKind::Function)
    }

    /// The Bedrock name of a function in `namespace` (or of a plain one).
    pub fn bedrock_name(namespace: Option<&str>, name: &str) -> String {
        match namespace {
            Some(namespace) if !namespace.is_empty() => format!("{namespace}{NAMESPACE_SEPARATOR}{name}"),
            _ => name.to_string(),
        }
    }

    /// Adds a tool the history calls but the request does not list (Bedrock refuses tool
    /// blocks without a tool configuration holding them).
    pub fn cover(&mut self, name: &str) {
        if !self.specs.iter().any(|spec| spec.name == name) {
            let schema = json!({ "type": "object" });
            self.specs.push(ToolSpec { name: name.to_string(), description: name.to_string(), input_schema: schema.to_string() });
        }
    }

    fn add(&mut self, param: &str, name: &str, description: Option<&str>, schema: String, kind: ToolKind) -> Result<(), HttpError> {
        if !bedrock_name_ok(name) {
            return Err(HttpError::invalid(
                format!("{param}.name"),
                "Bedrock takes tool names of 1 to 64 letters, digits, `_` and `-` (a namespace's included)",
            ));
        }
        if self.specs.iter().any(|spec| spec.name == name) {
            return Err(HttpError::invalid(format!("{param}.name"), format!("two tools are named `{name}`")));
        }
        let description = description.filter(|d| !d.is_empty()).unwrap_or(name);
        self.specs.push(ToolSpec { name: name.to_string(), description: description.to_string(), input_schema: schema });
        if kind != ToolKind::Function {
            self.kinds.insert(name.to_string(), kind);
        }
        Ok(())
    }
}

fn text<'a>(tool: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    tool.get(key).and_then(Value::as_str)
}

/// A function tool's input schema.
fn parameters(tool: &Map<String, Value>, param: &str) -> Result<String, HttpError> {
    match tool.get("parameters") {
        None | Some(Value::Null) => Ok(json!({ "type": "object", "properties": {} }).to_string()),
        Some(schema @ Value::Object(_)) => Ok(schema.to_string()),
        Some(_) => Err(HttpError::invalid(format!("{param}.parameters"), "`parameters` must be a JSON Schema object")),
    }
}

/// A custom tool as Bedrock takes it: one string property, the grammar in the description.
fn custom_tool(tool: &Map<String, Value>, param: &str, tools: &mut Tools, name: &str, kind: ToolKind) -> Result<(), HttpError> {
    let mut description = text(tool, "description").unwrap_or(name).to_string();
    match tool.get("format") {
        None | Some(Value::Null) => {}
        Some(Value::Object(format)) => match text(format, "type") {
            Some("text") => {}
            Some("grammar") => {
                let syntax = text(format, "syntax").unwrap_or("lark");
                let definition = text(format, "definition").unwrap_or("");
                description.push_str(&format!("\n\nThe input is free text (not JSON) following this {syntax} grammar:\n{definition}"));
            }
            _ => return Err(HttpError::invalid(format!("{param}.format.type"), "a custom tool's format is `text` or `grammar`")),
        },
        Some(_) => return Err(HttpError::invalid(format!("{param}.format"), "`format` must be an object")),
    }
    let schema = json!({
        "type": "object",
        "properties": { "input": { "type": "string", "description": "The tool's whole input, as free text." } },
        "required": ["input"],
    });
    tools.add(param, name, Some(&description), schema.to_string(), kind)
}

/// Parses `tools`.
pub(super) fn parse_tools(value: Option<&Value>) -> Result<Tools, HttpError> {
    let mut tools = Tools::default();
    let list = match value {
        None | Some(Value::Null) => return Ok(tools),
        Some(Value::Array(list)) if list.len() <= MAX_TOOLS => list,
        Some(Value::Array(_)) => return Err(HttpError::invalid("tools", format!("the gateway takes at most {MAX_TOOLS} tools per request"))),
        Some(_) => return Err(HttpError::invalid("tools", "`tools` must be a list")),
    };
    for (i, tool) in list.iter().enumerate() {
        let param = format!("tools[{i}]");
        let Some(object) = tool.as_object() else { return Err(HttpError::invalid(param, "each tool must be an object")) };
        let kind = text(object, "type").unwrap_or("");
        if HOSTED.contains(&kind) {
            if !tools.hosted.iter().any(|h| h == kind) {
                tools.hosted.push(kind.to_string());
            }
            continue;
        }
        let name = text(object, "name").unwrap_or("");
        match kind {
            "function" => tools.add(&param, name, text(object, "description"), parameters(object, &param)?, ToolKind::Function)?,
            "custom" => custom_tool(object, &param, &mut tools, name, ToolKind::Custom)?,
            "namespace" => {
                let Some(inner) = object.get("tools").and_then(Value::as_array) else {
                    return Err(HttpError::invalid(format!("{param}.tools"), "a namespace tool needs a `tools` list"));
                };
                if inner.len() > MAX_TOOLS {
                    return Err(HttpError::invalid(format!("{param}.tools"), format!("the gateway takes at most {MAX_TOOLS} tools per request")));
                }
                for (j, member) in inner.iter().enumerate() {
                    let member_param = format!("{param}.tools[{j}]");
                    let Some(member) = member.as_object() else { return Err(HttpError::invalid(member_param, "each tool must be an object")) };
                    let inner_name = text(member, "name").unwrap_or("");
                    let flat = Tools::bedrock_name(Some(name), inner_name);
                    let namespaced = ToolKind::Namespaced { namespace: name.to_string(), name: inner_name.to_string() };
                    match text(member, "type") {
                        Some("function") => tools.add(&member_param, &flat, text(member, "description"), parameters(member, &member_param)?, namespaced)?,
                        _ => return Err(HttpError::invalid(format!("{member_param}.type"), "a namespace holds `function` tools")),
                    }
                }
            }
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(HttpError::invalid(
                    format!("{param}.type"),
                    format!("tool type `{shown}` is not supported: use `function`, `custom` or `namespace` (hosted tools are left out)"),
                ));
            }
        }
        tools.echo.push(tool.clone());
    }
    Ok(tools)
}

/// `tool_choice`, checked against the tools.
pub(super) fn tool_choice(value: Option<&Value>, tools: &Tools) -> Result<Choice, HttpError> {
    let named = "{\"type\": \"function\" or \"custom\", \"name\": ...}";
    options::tool_choice_with(value, !tools.specs.is_empty(), named, |object| {
        let kind = text(object, "type").unwrap_or("");
        if HOSTED.contains(&kind) {
            return Err(HttpError::invalid(
                "tool_choice",
                format!("`tool_choice` forces the hosted tool `{kind}`, which cannot run behind Bedrock (hosted tools are left out)"),
            ));
        }
        if kind != "function" && kind != "custom" {
            let shown: String = kind.chars().take(40).collect();
            return Err(HttpError::invalid("tool_choice.type", format!("tool choice type `{shown}` is not supported: use `function` or `custom`")));
        }
        let name = text(object, "name").unwrap_or("");
        let flat = Tools::bedrock_name(text(object, "namespace"), name);
        if !tools.specs.iter().any(|spec| spec.name == flat) {
            let shown: String = flat.chars().take(64).collect();
            return Err(HttpError::invalid("tool_choice.name", format!("`{shown}` is not one of the request's tools")));
        }
        Ok(Choice::Forced(ToolChoice::Tool(flat)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tool_type_has_its_fate() {
        let tools = json!([
            { "type": "function", "name": "shell", "parameters": { "type": "object" }, "strict": false },
            { "type": "custom", "name": "apply_patch", "description": "Patch.", "format": { "type": "grammar", "syntax": "lark", "definition": "start: x" } },
            { "type": "namespace", "name": "crm", "description": "CRM.", "tools": [{ "type": "function", "name": "find" }] },
            { "type": "web_search" },
            { "type": "tool_search" },
        ]);
        let parsed = parse_tools(Some(&tools)).expect("parsed");
        let names: Vec<&str> = parsed.specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["shell", "apply_patch", "crm__find"]);
        assert_eq!(parsed.hosted, ["web_search", "tool_search"]);
        assert_eq!(parsed.echo.len(), 3);
        assert_eq!(parsed.kind("apply_patch"), ToolKind::Custom);
        assert_eq!(parsed.kind("crm__find"), ToolKind::Namespaced { namespace: "crm".into(), name: "find".into() });
        assert!(parsed.specs[1].description.contains("start: x"));
        let cases = [
            (json!("auto"), Ok(Choice::Auto)),
            (json!("required"), Ok(Choice::Forced(ToolChoice::Any))),
            (json!({ "type": "custom", "name": "apply_patch" }), Ok(Choice::Forced(ToolChoice::Tool("apply_patch".into())))),
            (json!({ "type": "function", "name": "find", "namespace": "crm" }), Ok(Choice::Forced(ToolChoice::Tool("crm__find".into())))),
            (json!({ "type": "web_search" }), Err("tool_choice")),
            (json!({ "type": "function", "name": "nope" }), Err("tool_choice.name")),
            (json!("sometimes"), Err("tool_choice")),
        ];
        for (choice, expected) in cases {
            let got = tool_choice(Some(&choice), &parsed).map_err(|e| e.param.unwrap_or_default());
            assert_eq!(got, expected.map_err(str::to_string), "{choice}");
        }
        let refused = [json!([{ "type": "mcp", "server_label": "x" }]), json!([{ "type": "function", "name": "a b" }]), json!({})];
        for tools in refused {
            assert!(parse_tools(Some(&tools)).is_err(), "{tools}");
        }
    }
}

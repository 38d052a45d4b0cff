//! The conversion budget of one request: beside the byte limits (`body.rs`), a chat request's
//! conversion to Bedrock is bounded in what it walks, so that no request costs more than a known
//! amount of CPU (issue 30). The bounds sit far above what Bedrock itself accepts in a real
//! request (Converse takes at most 5 documents and 20 images; a real agent's history holds
//! hundreds of blocks), and each is answered with a 400 naming the limit and the field.
//!
//! Nesting needs no bound here: the JSON parser refuses a body nested deeper than 128 levels
//! (serde_json's recursion limit), so every walk over a tool schema or tool input is shallow.

use serde_json::{Map, Value};

/// Most content blocks one request may hold: every part of every message (text, images,
/// documents, tool calls and results, thinking), and the system prompt's blocks.
pub(crate) const MAX_BLOCKS: usize = 20_000;
/// Most messages one request may hold.
pub(crate) const MAX_MESSAGES: usize = 10_000;
/// Most tools one request may offer.
pub(crate) const MAX_TOOLS: usize = 1_000;

/// A bound a request goes past: the field, and the sentence that says which bound.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Exceeded {
    pub field: &'static str,
    pub message: String,
}

/// Checks a chat request's shape (OpenAI chat and Anthropic messages share the field names)
/// before anything is converted: a count of list lengths, nothing deeper.
pub(crate) fn check_chat(object: &Map<String, Value>) -> Result<(), Exceeded> {
    let messages = object.get("messages").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if messages.len() > MAX_MESSAGES {
        return Err(Exceeded {
            field: "messages",
            message: format!("the request holds {} messages; the gateway takes at most {MAX_MESSAGES} per request", messages.len()),
        });
    }
    let list_len = |value: Option<&Value>| value.and_then(Value::as_array).map_or(0, Vec::len);
    let in_messages: usize = messages
        .iter()
        .map(|message| {
            let content = match message.get("content") {
                Some(Value::Array(parts)) => parts.len(),
                Some(Value::Null) | None => 0,
                Some(_) => 1,
            };
            content + list_len(message.get("tool_calls")) + list_len(message.get("thinking_blocks"))
        })
        .sum();
    let blocks = in_messages + list_len(object.get("system"));
    if blocks > MAX_BLOCKS {
        return Err(Exceeded {
            field: "messages",
            message: format!("the request holds {blocks} content blocks; the gateway takes at most {MAX_BLOCKS} per request"),
        });
    }
    let tools = list_len(object.get("tools"));
    if tools > MAX_TOOLS {
        return Err(Exceeded { field: "tools", message: format!("the request offers {tools} tools; the gateway takes at most {MAX_TOOLS} per request") });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text_messages(messages: usize, parts: usize) -> Value {
        let message = json!({"role": "user", "content": vec![json!({"type": "text", "text": "x"}); parts]});
        Value::Array(vec![message; messages])
    }

    #[test]
    fn shapes_within_and_past_the_bounds() {
        let cases = [
            ("one message", json!({"messages": text_messages(1, 1)}), None),
            ("blocks at the bound", json!({"messages": text_messages(2, MAX_BLOCKS / 2)}), None),
            ("blocks past the bound", json!({"messages": text_messages(2, MAX_BLOCKS / 2 + 1)}), Some("messages")),
            ("system blocks count", json!({"messages": text_messages(1, MAX_BLOCKS), "system": [{"type": "text", "text": "s"}]}), Some("messages")),
            ("string content is one block", json!({"messages": vec![json!({"role": "user", "content": "hi"}); MAX_MESSAGES]}), None),
            ("messages past the bound", json!({"messages": vec![json!({"role": "user", "content": "hi"}); MAX_MESSAGES + 1]}), Some("messages")),
            (
                "tool calls count",
                json!({"messages": [{"role": "assistant", "content": null, "tool_calls": vec![json!({}); MAX_BLOCKS + 1]}]}),
                Some("messages"),
            ),
            ("tools at the bound", json!({"messages": text_messages(1, 1), "tools": vec![json!({}); MAX_TOOLS]}), None),
            ("tools past the bound", json!({"messages": text_messages(1, 1), "tools": vec![json!({}); MAX_TOOLS + 1]}), Some("tools")),
            ("no messages is for the parser to refuse", json!({}), None),
        ];
        for (name, body, refused) in cases {
            let result = check_chat(body.as_object().expect("object"));
            assert_eq!(result.as_ref().err().map(|e| e.field), refused, "{name}: {result:?}");
            if let Err(exceeded) = result {
                assert!(exceeded.message.contains("at most"), "{name}: {}", exceeded.message);
            }
        }
    }
}

//! The emulator's embedding bodies through boto3 (Python's AWS SDK), as `other_sdk.rs` drives the
//! rest: Titan Text Embeddings V2 and Cohere Embed v3/v4 answers, their vectors equal to
//! [`bedrock_emulator::embeddings::vector`], the input-token header, and Bedrock's validation
//! errors as boto3 raises them. Skipped, with a note, where boto3 is not installed; a failure
//! under `OPENCLAW_REQUIRE_CLIENTS=1` (`.ci/run`).

use bedrock_emulator::embeddings::vector;
use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use serde_json::Value;

fn floats(value: &Value) -> Vec<f32> {
    value.as_array().map(|list| list.iter().filter_map(Value::as_f64).map(|n| n as f32).collect()).unwrap_or_default()
}

#[test]
fn boto3_reads_the_embedding_bodies_and_their_refusals() {
    let Some(python) = openclaw_test_support::python_with("boto3_reads_the_embedding_bodies_and_their_refusals", &["boto3"]) else { return };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/boto3_embeddings.py");
    let emulator = env!("CARGO_BIN_EXE_bedrock-emulator");
    let stdout = openclaw_test_support::boto3_against_emulator(&python, script, emulator, (DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY));
    let out: Value = serde_json::from_str(stdout.trim()).expect("one JSON line");

    let titan = &out["titan"];
    assert_eq!(floats(&titan["body"]["embedding"]), vector("", "hello there world", 256, true), "{titan}");
    assert_eq!((titan["body"]["inputTextTokenCount"].as_u64(), titan["input_tokens"].as_str()), (Some(3), Some("3")), "{titan}");

    let cohere = &out["cohere"];
    assert_eq!(cohere["body"]["response_type"], "embeddings_floats", "{cohere}");
    assert_eq!(floats(&cohere["body"]["embeddings"][1]), vector("search_query", "c", 1024, true), "{cohere}");
    assert_eq!(cohere["input_tokens"], "3", "Cohere's count is in the header only: {cohere}");
    let v4 = &out["cohere_v4"];
    assert_eq!(floats(&v4["body"]["embeddings"]["float"][0]), vector("clustering", "a", 512, true), "{v4}");

    let refusals = [
        ("titan_bad_dimensions", "#/dimensions: 100 is not a valid enum value"),
        ("titan_too_long", "#/inputText: expected maxLength: 50000, actual: 50001"),
        ("titan_extra_key", "#: extraneous key [texts] is not permitted"),
        ("cohere_no_input_type", "#: required key [input_type] not found"),
        ("cohere_97", "#/texts: expected maximum item count: 96, found: 97"),
        ("cohere_v4_bad_dimension", "#/output_dimension: 100 is not a valid enum value"),
    ];
    for (case, violation) in refusals {
        let answer = &out[case];
        assert_eq!((answer["error"].as_str(), answer["status"].as_u64()), (Some("ValidationException"), Some(400)), "{case}: {answer}");
        assert_eq!(answer["message"], format!("Malformed input request: {violation}, please reformat your input and try again."), "{case}");
    }
}

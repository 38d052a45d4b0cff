//! The Bedrock embedding models the gateway can call through InvokeModel, by body family: their
//! request and response bodies and their limits, as the Bedrock model-parameter pages give them
//! (Titan Text Embeddings V2; Cohere Embed v3 and v4).

use super::request::InputType;
use serde_json::{Value, json};

/// The families, for error messages.
pub const SUPPORTED: &str = "Amazon Titan Text Embeddings V2 (amazon.titan-embed-text-v2:0), \
     Cohere Embed v3 (cohere.embed-english-v3, cohere.embed-multilingual-v3) and Cohere Embed v4 (cohere.embed-v4:0)";

/// A body family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `amazon.titan-embed-text-v2:0`: one `inputText` per call.
    TitanV2,
    /// `cohere.embed-english-v3`, `cohere.embed-multilingual-v3`: up to 96 `texts`, 1024 dimensions.
    CohereV3,
    /// `cohere.embed-v4:0`: up to 96 `texts`, `output_dimension`.
    CohereV4,
}

/// What one call answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// One vector per text sent, in order.
    pub vectors: Vec<Vec<f32>>,
    /// Input tokens, when the body counts them (Titan's `inputTextTokenCount`).
    pub input_tokens: Option<u64>,
}

impl Family {
    /// The family of a model id, profile id (`us.cohere.embed-v4:0`) or ARN; `None` for one the
    /// gateway has no body for.
    pub fn of(model: &str) -> Option<Self> {
        // An ARN's resource id follows its last `/`; ids themselves hold none.
        let id = model.rsplit('/').next().unwrap_or(model).to_ascii_lowercase();
        if id.contains("amazon.titan-embed-text-v2") {
            Some(Family::TitanV2)
        } else if id.contains("cohere.embed-english-v3") || id.contains("cohere.embed-multilingual-v3") {
            Some(Family::CohereV3)
        } else if id.contains("cohere.embed-v4") {
            Some(Family::CohereV4)
        } else {
            None
        }
    }

    /// The `dimensions` the model accepts.
    pub fn dimensions(self) -> &'static [u32] {
        match self {
            Family::TitanV2 => &[256, 512, 1024],
            // Cohere v3 has one size and no setting for it.
            Family::CohereV3 => &[1024],
            Family::CohereV4 => &[256, 512, 1024, 1536],
        }
    }

    /// The vector size when the request names none.
    pub fn default_dimensions(self) -> u32 {
        match self {
            Family::TitanV2 | Family::CohereV3 => 1024,
            Family::CohereV4 => 1536,
        }
    }

    /// Most texts one InvokeModel call takes.
    pub fn texts_per_call(self) -> usize {
        match self {
            Family::TitanV2 => 1,
            Family::CohereV3 | Family::CohereV4 => 96,
        }
    }

    /// Most characters of one text, when the model page gives a character limit (Titan V2:
    /// 50,000; Cohere v3: 2,048). Cohere v4 is bounded in tokens only (~128k), which Bedrock
    /// checks.
    pub fn max_chars(self) -> Option<usize> {
        match self {
            Family::TitanV2 => Some(50_000),
            Family::CohereV3 => Some(2_048),
            Family::CohereV4 => None,
        }
    }

    /// The InvokeModel body for `texts` (at most [`Family::texts_per_call`]).
    pub fn body(self, texts: &[String], dimensions: u32, input_type: InputType) -> Vec<u8> {
        let body = match self {
            // OpenAI's vectors are unit length; Titan's are when asked (its default too).
            Family::TitanV2 => json!({ "inputText": texts.first().map_or("", String::as_str), "dimensions": dimensions, "normalize": true }),
            Family::CohereV3 => json!({ "texts": texts, "input_type": input_type.as_str(), "embedding_types": ["float"] }),
            Family::CohereV4 => {
                json!({ "texts": texts, "input_type": input_type.as_str(), "embedding_types": ["float"], "output_dimension": dimensions })
            }
        };
        body.to_string().into_bytes()
    }

    /// Reads an InvokeModel response body; the error says what was wrong with it.
    pub fn read(self, body: &[u8]) -> Result<Answer, String> {
        let value: Value = serde_json::from_slice(body).map_err(|error| format!("the body is not JSON: {error}"))?;
        match self {
            Family::TitanV2 => {
                let vector = value.get("embedding").or_else(|| value.pointer("/embeddingsByType/float")).ok_or("no `embedding` in the body")?;
                Ok(Answer { vectors: vec![floats(vector)?], input_tokens: value.get("inputTextTokenCount").and_then(Value::as_u64) })
            }
            Family::CohereV3 | Family::CohereV4 => {
                // `embeddings_floats` answers a list; `embeddings_by_type` an object by type.
                let list = match value.get("embeddings") {
                    Some(Value::Array(list)) => list,
                    Some(Value::Object(by_type)) => by_type.get("float").and_then(Value::as_array).ok_or("no `embeddings.float` in the body")?,
                    _ => return Err("no `embeddings` in the body".to_string()),
                };
                let vectors = list.iter().map(floats).collect::<Result<_, _>>()?;
                Ok(Answer { vectors, input_tokens: None })
            }
        }
    }
}

/// A JSON list of numbers as `f32` (Bedrock's vectors are single precision).
fn floats(value: &Value) -> Result<Vec<f32>, String> {
    let list = value.as_array().ok_or("a vector is not a list")?;
    list.iter().map(|number| number.as_f64().map(|n| n as f32).filter(|n| n.is_finite()).ok_or_else(|| "a vector holds a non-number".to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_known_by_id_profile_and_arn() {
        let cases = [
            ("amazon.titan-embed-text-v2:0", Some(Family::TitanV2)),
            ("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0", Some(Family::TitanV2)),
            ("cohere.embed-english-v3", Some(Family::CohereV3)),
            ("Cohere.Embed-Multilingual-v3", Some(Family::CohereV3)),
            ("cohere.embed-v4:0", Some(Family::CohereV4)),
            ("us.cohere.embed-v4:0", Some(Family::CohereV4)),
            ("amazon.titan-embed-text-v1", None),
            ("amazon.titan-embed-image-v1", None),
            ("amazon.nova-pro-v1:0", None),
            ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9x2pq7v4z", None),
        ];
        for (id, family) in cases {
            assert_eq!(Family::of(id), family, "{id}");
        }
    }

    #[test]
    fn bodies_follow_each_family() {
        let texts = ["a".to_string(), "b".to_string()];
        let body = |family: Family, dims| {
            serde_json::from_slice::<Value>(&family.body(&texts[..family.texts_per_call().min(2)], dims, InputType::SearchQuery)).expect("json")
        };
        assert_eq!(body(Family::TitanV2, 256), json!({"inputText": "a", "dimensions": 256, "normalize": true}));
        assert_eq!(body(Family::CohereV3, 1024), json!({"texts": ["a", "b"], "input_type": "search_query", "embedding_types": ["float"]}));
        assert_eq!(
            body(Family::CohereV4, 512),
            json!({"texts": ["a", "b"], "input_type": "search_query", "embedding_types": ["float"], "output_dimension": 512})
        );
    }

    #[test]
    fn answers_are_read_in_every_shape() {
        let cases: [(Family, Value, Result<Answer, &str>); 6] = [
            (
                Family::TitanV2,
                json!({"embedding": [0.5, -0.25], "inputTextTokenCount": 3}),
                Ok(Answer { vectors: vec![vec![0.5, -0.25]], input_tokens: Some(3) }),
            ),
            (Family::TitanV2, json!({"embeddingsByType": {"float": [1.0]}}), Ok(Answer { vectors: vec![vec![1.0]], input_tokens: None })),
            (
                Family::CohereV3,
                json!({"embeddings": [[0.5], [1.0]], "response_type": "embeddings_floats"}),
                Ok(Answer { vectors: vec![vec![0.5], vec![1.0]], input_tokens: None }),
            ),
            (
                Family::CohereV4,
                json!({"embeddings": {"float": [[0.5]]}, "response_type": "embeddings_by_type"}),
                Ok(Answer { vectors: vec![vec![0.5]], input_tokens: None }),
            ),
            (Family::CohereV4, json!({"embeddings": {"int8": [[1]]}}), Err("embeddings.float")),
            (Family::TitanV2, json!({"embedding": [0.5, "x"]}), Err("non-number")),
        ];
        for (family, body, expected) in cases {
            let read = family.read(body.to_string().as_bytes());
            match (read, expected) {
                (Ok(answer), Ok(want)) => assert_eq!(answer, want, "{body}"),
                (Err(error), Err(text)) => assert!(error.contains(text), "{body}: {error}"),
                (got, want) => panic!("{body}: got {got:?}, want {want:?}"),
            }
        }
        assert!(Family::CohereV3.read(b"not json").is_err());
    }
}

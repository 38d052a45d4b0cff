//! An alternative policy for swap tests: answers with its own marker (`alt-policy`) as the
//! default model, and holds the call for `sleep=MS` milliseconds when the config says so,
//! so a test can keep a call in flight across a swap.

use guest_kit::{ConfigSource, Diagnostic, Guest, ModelReference, PolicyInfo, Settings, marked_settings};
use std::time::{Duration, Instant};

struct AltPolicy;

impl Guest for AltPolicy {
    fn self_check() -> Result<PolicyInfo, String> {
        Ok(PolicyInfo { name: "alt-policy".into(), version: "0.1.0".into(), contract: "0.1.0".into() })
    }

    fn load_config(source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        let text = source.text.unwrap_or_default();
        if let Some(millis) = text.trim().strip_prefix("sleep=").and_then(|ms| ms.parse::<u64>().ok()) {
            // Busy-wait on the monotonic clock: the call stays in the guest the whole time.
            let until = Instant::now() + Duration::from_millis(millis);
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        }
        Ok(marked_settings("alt-policy", Vec::new()))
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("alt-policy does not parse {text}"))
    }
}

guest_kit::export_policy!(AltPolicy);

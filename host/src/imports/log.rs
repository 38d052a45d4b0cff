//! `openclaw:bedrock/log`: policy log lines into the host's `tracing`, under target `policy`.

use super::generated_log::{Host, Level};
use crate::instance_state::HostState;

/// Longest message (in bytes) kept from one log line.
const MAX_MESSAGE_BYTES: usize = 4096;

impl Host for HostState {
    async fn emit(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
        if self.log_budget == 0 {
            return;
        }
        self.log_budget -= 1;
        let message = sanitize(&message);
        let fields = fields.iter().map(|(key, value)| format!("{}={}", sanitize(key), sanitize(value))).collect::<Vec<_>>().join(" ");
        match level {
            Level::Trace => tracing::trace!(target: "policy", %fields, "{message}"),
            Level::Debug => tracing::debug!(target: "policy", %fields, "{message}"),
            Level::Info => tracing::info!(target: "policy", %fields, "{message}"),
            Level::Warn => tracing::warn!(target: "policy", %fields, "{message}"),
            Level::Error => tracing::error!(target: "policy", %fields, "{message}"),
        }
    }
}

/// One line, bounded: control characters would let a guest forge log lines.
fn sanitize(text: &str) -> String {
    let mut end = text.len().min(MAX_MESSAGE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn sanitize_keeps_one_bounded_line() {
        let cases = [("plain", "plain".to_string()), ("two\nlines\r\tend", "two lines  end".to_string()), (&*"é".repeat(3000), "é".repeat(2048))];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), expected, "input {input:?}");
        }
    }
}

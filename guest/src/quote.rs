//! Quoting what a user wrote back in a message, bounded: used by the config parser, the
//! validation walk and the reference parser alike (a module of its own, so none of them depends
//! on another for it).

/// At most `max_chars` characters of `text`, with `…` when cut, for quoting in a message.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut short: String = text.chars().take(max_chars).collect();
    if text.chars().nth(max_chars).is_some() {
        short.push('…');
    }
    short
}

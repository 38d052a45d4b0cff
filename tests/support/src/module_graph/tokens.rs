//! Rust source as the tokens the module graph needs.

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    /// 1-based.
    pub(super) line: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Kind {
    Ident(String),
    /// `::`
    Colons,
    /// A string literal's contents (escapes left as written).
    Str(String),
    Punct(char),
}

/// Rust source as identifiers, `::`, string literals and punctuation, with comments, char
/// literals, lifetimes and numbers dropped.
pub(super) fn lex(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            '/' if at(i + 1) == '/' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == '*' => {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && at(i + 1) == '*' {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && at(i + 1) == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        line += usize::from(chars[i] == '\n');
                        i += 1;
                    }
                }
            }
            '"' => {
                let start_line = line;
                let mut value = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        value.push(chars[i]);
                        i += 1;
                    }
                    line += usize::from(at(i) == '\n');
                    value.push(at(i));
                    i += 1;
                }
                i += 1;
                tokens.push(Token { kind: Kind::Str(value), line: start_line });
            }
            // Prefixed strings: b"..", c"..", r"..", r#".."#, br"..", cr#".."#.
            _ if string_prefix(&chars, i).is_some() => {
                let (prefix, raw) = string_prefix(&chars, i).unwrap_or((0, false));
                let start_line = line;
                i += prefix;
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1; // the opening quote
                let mut value = String::new();
                while i < chars.len() {
                    if !raw && chars[i] == '\\' {
                        value.push(chars[i]);
                        value.push(at(i + 1));
                        i += 2;
                        continue;
                    }
                    if chars[i] == '"' && (0..hashes).all(|k| at(i + 1 + k) == '#') {
                        i += 1 + hashes;
                        break;
                    }
                    line += usize::from(chars[i] == '\n');
                    value.push(chars[i]);
                    i += 1;
                }
                tokens.push(Token { kind: Kind::Str(value), line: start_line });
            }
            '\'' => {
                // A char literal ('x', '\n', '\u{1F600}', b'x' after its prefix) or a lifetime.
                if at(i + 1) == '\\' {
                    // Past the backslash and the escaped character (which may be a quote).
                    i += 3;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if at(i + 2) == '\'' {
                    i += 3;
                } else {
                    i += 1;
                    while is_ident(at(i)) {
                        i += 1;
                    }
                }
            }
            ':' if at(i + 1) == ':' => {
                tokens.push(Token { kind: Kind::Colons, line });
                i += 2;
            }
            c if c.is_ascii_digit() => {
                while is_ident(at(i)) {
                    i += 1;
                }
            }
            c if is_ident(c) => {
                let start = i;
                // A raw identifier `r#name` is the name.
                if c == 'r' && at(i + 1) == '#' && is_ident(at(i + 2)) {
                    i += 2;
                }
                let name_start = if i > start { i } else { start };
                while is_ident(at(i)) {
                    i += 1;
                }
                tokens.push(Token { kind: Kind::Ident(chars[name_start..i].iter().collect()), line });
            }
            c if c.is_whitespace() => i += 1,
            c => {
                tokens.push(Token { kind: Kind::Punct(c), line });
                i += 1;
            }
        }
    }
    tokens
}

/// At a string literal's prefix (`b`, `c`, `r`, `br`, `cr`, then `#`s for raw ones): its
/// length and whether the string is raw (no escapes).
fn string_prefix(chars: &[char], i: usize) -> Option<(usize, bool)> {
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    if i > 0 && is_ident(chars[i - 1]) {
        return None;
    }
    let (prefix, raw) = match (at(i), at(i + 1)) {
        ('r', _) => (1, true),
        ('b' | 'c', 'r') => (2, true),
        ('b' | 'c', '"') => (1, false),
        _ => return None,
    };
    let mut j = i + prefix;
    while raw && at(j) == '#' {
        j += 1;
    }
    (at(j) == '"').then_some((prefix, raw))
}

fn is_ident(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

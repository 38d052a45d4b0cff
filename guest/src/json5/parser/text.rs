//! Strings, escapes and identifier names: the parts of JSON5 that are read character by
//! character with their own escape rules.

use super::{Parsed, Parser, is_identifier_part, is_identifier_start, show};
use crate::json5::Position;

impl Parser<'_> {
    /// A string in `quote`s (the opening quote not yet consumed), escapes resolved.
    pub(super) fn parse_string(&mut self, quote: char) -> Parsed<String> {
        let start = self.position();
        self.bump();
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(Self::error_at(start, "unterminated string (missing closing quote)")),
                Some('\n' | '\r') => {
                    return Err(Self::error_at(start, "unterminated string: a line break inside a string must be escaped with `\\`"));
                }
                Some('\\') => {
                    self.bump();
                    if let Some(ch) = self.parse_escape(start)? {
                        text.push(ch);
                    }
                }
                Some(ch) => {
                    self.bump();
                    if ch == quote {
                        return Ok(text);
                    }
                    text.push(ch);
                }
            }
        }
    }

    /// Parses the escape after a `\`; `None` for a line continuation.
    fn parse_escape(&mut self, string_start: Position) -> Parsed<Option<char>> {
        let escape_position = Position { line: self.line, column: self.column.saturating_sub(1).max(1) };
        let Some(ch) = self.bump() else {
            return Err(Self::error_at(string_start, "unterminated string (missing closing quote)"));
        };
        let resolved = match ch {
            'b' => '\u{8}',
            'f' => '\u{C}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\u{B}',
            '0' if self.peek().is_some_and(|next| next.is_ascii_digit()) => {
                return Err(Self::error_at(escape_position, "octal escapes are not allowed in JSON5"));
            }
            '0' => '\0',
            '1'..='9' => return Err(Self::error_at(escape_position, format!("invalid escape `\\{ch}`"))),
            'x' => {
                let code = self.hex_digits(2, escape_position)?;
                char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            'u' => self.unicode_escape(escape_position)?,
            '\r' => {
                self.eat('\n');
                return Ok(None);
            }
            '\n' | '\u{2028}' | '\u{2029}' => return Ok(None),
            other => other,
        };
        Ok(Some(resolved))
    }

    fn hex_digits(&mut self, count: usize, escape_position: Position) -> Parsed<u32> {
        let mut code = 0;
        for _ in 0..count {
            match self.peek().and_then(|ch| ch.to_digit(16)) {
                Some(digit) => {
                    self.bump();
                    code = code * 16 + digit;
                }
                None => {
                    return Err(Self::error_at(escape_position, format!("invalid escape: expected {count} hex digits, found {}", show(self.peek()))));
                }
            }
        }
        Ok(code)
    }

    /// A `\uXXXX` escape (the `\u` consumed), combining a UTF-16 surrogate pair.
    fn unicode_escape(&mut self, escape_position: Position) -> Parsed<char> {
        let code = self.hex_digits(4, escape_position)?;
        let lone = |code: u32| Self::error_at(escape_position, format!("invalid escape `\\u{code:04X}`: a lone UTF-16 surrogate is not a character"));
        match code {
            0xD800..=0xDBFF => {
                if !(self.peek() == Some('\\') && self.peek_second() == Some('u')) {
                    return Err(lone(code));
                }
                let low_position = self.position();
                self.bump();
                self.bump();
                let low = self.hex_digits(4, low_position)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(lone(code));
                }
                let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                char::from_u32(combined).ok_or_else(|| lone(code))
            }
            0xDC00..=0xDFFF => Err(lone(code)),
            _ => char::from_u32(code).ok_or_else(|| lone(code)),
        }
    }

    /// An ES5 identifier name (an unquoted key or a bare word), `\uXXXX` escapes included.
    pub(super) fn parse_identifier(&mut self) -> Parsed<String> {
        let mut name = String::new();
        loop {
            let escape_position = self.position();
            let ch = match self.peek() {
                Some('\\') => {
                    self.bump();
                    if !self.eat('u') {
                        return Err(Self::error_at(escape_position, "only `\\u` escapes may appear in an unquoted key"));
                    }
                    let ch = self.unicode_escape(escape_position)?;
                    let valid = if name.is_empty() { is_identifier_start(ch) } else { is_identifier_part(ch) };
                    if !valid {
                        return Err(Self::error_at(escape_position, "the escaped character cannot appear in an unquoted key"));
                    }
                    ch
                }
                Some(ch) if (name.is_empty() && is_identifier_start(ch)) || (!name.is_empty() && is_identifier_part(ch)) => {
                    self.bump();
                    ch
                }
                _ => return Ok(name),
            };
            name.push(ch);
        }
    }
}

//! A JSON5 parser that keeps the position of every value and every key.
//!
//! The config diagnostics need a line and column for each key and value, which no JSON5 crate
//! gives; this parser also keeps duplicate keys (in order) so that the config layer can say
//! which occurrence wins instead of losing one silently.

mod number;
mod parser;
#[cfg(test)]
mod tests;

pub use number::{Integer, Number};

/// The deepest nesting of objects and arrays a document may have; deeper documents are refused
/// with a syntax error instead of exhausting the guest's stack.
pub const MAX_DEPTH: usize = 128;

/// A 1-based line and column (counted in characters) in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line; `\r\n`, `\n`, `\r`, U+2028 and U+2029 each end a line.
    pub line: u32,
    /// 1-based column in Unicode scalar values (a leading byte-order mark is not counted).
    pub column: u32,
}

/// A parsed value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// What the value is.
    pub kind: ValueKind,
    /// The position of the value's first character (a number's sign, a string's quote).
    pub position: Position,
}

/// The kinds of JSON5 values.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Any number, kept with its literal text.
    Number(Number),
    /// A string with its escapes resolved.
    String(String),
    /// An array's elements in order.
    Array(Vec<Value>),
    /// An object's members in source order, duplicates included.
    Object(Vec<Member>),
}

/// One `key: value` pair of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The key with its escapes resolved.
    pub key: String,
    /// Where the key starts (its quote, or its first character when unquoted).
    pub key_position: Position,
    /// The member's value.
    pub value: Value,
}

/// A JSON5 syntax error: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the problem is.
    pub position: Position,
    /// What is wrong, one line.
    pub message: String,
}

/// Parses a whole JSON5 document (a single value, surrounded by whitespace and comments).
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    parser::Parser::new(text).parse_document()
}

impl Value {
    /// A short description of the value for "found ..." messages. Strings are described, never
    /// quoted, so that a misplaced secret is not echoed.
    pub fn describe(&self) -> String {
        match &self.kind {
            ValueKind::Null => "null".to_string(),
            ValueKind::Bool(flag) => flag.to_string(),
            ValueKind::Number(number) => crate::quote::excerpt(number.literal(), 40),
            ValueKind::String(text) if text.trim().is_empty() => "a blank string".to_string(),
            ValueKind::String(_) => "a string".to_string(),
            ValueKind::Array(_) => "an array".to_string(),
            ValueKind::Object(_) => "an object".to_string(),
        }
    }

    /// The object's members, when the value is an object.
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            ValueKind::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The string, when the value is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(text) => Some(text),
            _ => None,
        }
    }
}

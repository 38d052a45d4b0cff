//! The recursive-descent JSON5 parser behind [`super::parse`].

use crate::quote::excerpt;

use super::{MAX_DEPTH, Member, Number, Position, SyntaxError, Value, ValueKind};

/// The longest excerpt of the source quoted back in a message.
const MAX_QUOTED_CHARS: usize = 24;

/// A cursor over the source text that tracks line and column.
pub(crate) struct Parser<'a> {
    text: &'a str,
    offset: usize,
    line: u32,
    column: u32,
    /// The last character consumed was `\r`, so a following `\n` ends no new line.
    after_carriage_return: bool,
}

mod text;

type Parsed<T> = Result<T, SyntaxError>;

fn is_line_terminator(ch: char) -> bool {
    matches!(ch, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn is_whitespace(ch: char) -> bool {
    ch.is_whitespace() || ch == '\u{FEFF}'
}

fn is_identifier_start(ch: char) -> bool {
    ch == '$' || ch == '_' || ch.is_alphabetic()
}

fn is_identifier_part(ch: char) -> bool {
    // ES5 IdentifierPart: letters, digits, connector punctuation, ZWNJ/ZWJ and combining marks
    // (std has no general-category tables; the common combining block stands in for them).
    is_identifier_start(ch) || ch.is_alphanumeric() || matches!(ch, '\u{200C}' | '\u{200D}' | '\u{0300}'..='\u{036F}' | '\u{203F}' | '\u{2040}')
}

/// How a character is shown in a message.
fn show(ch: Option<char>) -> String {
    match ch {
        None => "the end of the document".to_string(),
        Some(ch) if ch.is_control() || is_whitespace(ch) => format!("{}", ch.escape_unicode()),
        Some(ch) => format!("`{ch}`"),
    }
}

impl<'a> Parser<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        // A byte-order mark is an encoding artefact, not part of the document: skip it uncounted.
        let offset = if text.starts_with('\u{FEFF}') { '\u{FEFF}'.len_utf8() } else { 0 };
        Parser { text, offset, line: 1, column: 1, after_carriage_return: false }
    }

    pub(crate) fn parse_document(mut self) -> Parsed<Value> {
        self.skip_insignificant()?;
        if self.peek().is_none() {
            return Err(self.error_here("the document is empty (write `{}` for an empty config)"));
        }
        let value = self.parse_value(0)?;
        self.skip_insignificant()?;
        match self.peek() {
            None => Ok(value),
            found => Err(self.error_here(format!("unexpected {} after the end of the document", show(found)))),
        }
    }

    fn position(&self) -> Position {
        Position { line: self.line, column: self.column }
    }

    fn error_here(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError { position: self.position(), message: message.into() }
    }

    fn error_at(position: Position, message: impl Into<String>) -> SyntaxError {
        SyntaxError { position, message: message.into() }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.offset..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.text[self.offset..].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.offset += ch.len_utf8();
        match ch {
            '\n' if self.after_carriage_return => {}
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            }
            _ => self.column = self.column.saturating_add(1),
        }
        self.after_carriage_return = ch == '\r';
        Some(ch)
    }

    fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Skips whitespace and comments.
    fn skip_insignificant(&mut self) -> Parsed<()> {
        loop {
            match (self.peek(), self.peek_second()) {
                (Some(ch), _) if is_whitespace(ch) => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while self.peek().is_some_and(|ch| !is_line_terminator(ch)) {
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    let start = self.position();
                    self.bump();
                    self.bump();
                    loop {
                        match self.bump() {
                            None => return Err(Self::error_at(start, "unterminated block comment (missing `*/`)")),
                            Some('*') if self.eat('/') => break,
                            Some(_) => {}
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn parse_value(&mut self, depth: usize) -> Parsed<Value> {
        let position = self.position();
        let kind = match self.peek() {
            Some('{') => self.parse_object(depth + 1)?,
            Some('[') => self.parse_array(depth + 1)?,
            Some(quote @ ('"' | '\'')) => ValueKind::String(self.parse_string(quote)?),
            Some('0'..='9' | '+' | '-' | '.') => ValueKind::Number(self.parse_number()?),
            Some(ch) if is_identifier_start(ch) || ch == '\\' => {
                let word = self.parse_identifier()?;
                match word.as_str() {
                    "true" => ValueKind::Bool(true),
                    "false" => ValueKind::Bool(false),
                    "null" => ValueKind::Null,
                    "Infinity" => ValueKind::Number(Number::new(word, f64::INFINITY)),
                    "NaN" => ValueKind::Number(Number::new(word, f64::NAN)),
                    _ => {
                        // The word is not quoted back: it may be a secret someone forgot to quote.
                        return Err(Self::error_at(position, "unexpected unquoted word: strings must be quoted"));
                    }
                }
            }
            found => return Err(self.error_here(format!("expected a value, found {}", show(found)))),
        };
        Ok(Value { kind, position })
    }

    fn check_depth(&self, depth: usize) -> Parsed<()> {
        if depth > MAX_DEPTH { Err(self.error_here(format!("nesting deeper than {MAX_DEPTH} levels of objects and arrays"))) } else { Ok(()) }
    }

    fn parse_object(&mut self, depth: usize) -> Parsed<ValueKind> {
        self.check_depth(depth)?;
        let open = self.position();
        self.bump();
        let mut members = Vec::new();
        loop {
            self.skip_insignificant()?;
            let key_position = self.position();
            let key = match self.peek() {
                Some('}') => break,
                Some(quote @ ('"' | '\'')) => self.parse_string(quote)?,
                Some(ch) if is_identifier_start(ch) || ch == '\\' => self.parse_identifier()?,
                None => return Err(unclosed(open, "object", '}')),
                found => return Err(self.error_here(format!("expected a key or `}}`, found {}", show(found)))),
            };
            self.skip_insignificant()?;
            if !self.eat(':') {
                let found = show(self.peek());
                return Err(self.error_here(format!("expected `:` after the key {}, found {found}", quoted_excerpt(&key))));
            }
            self.skip_insignificant()?;
            let value = self.parse_value(depth)?;
            members.push(Member { key, key_position, value });
            if self.at_container_end(open, "object", '}')? {
                break;
            }
        }
        self.bump();
        Ok(ValueKind::Object(members))
    }

    fn parse_array(&mut self, depth: usize) -> Parsed<ValueKind> {
        self.check_depth(depth)?;
        let open = self.position();
        self.bump();
        let mut elements = Vec::new();
        loop {
            self.skip_insignificant()?;
            match self.peek() {
                Some(']') => break,
                None => return Err(unclosed(open, "array", ']')),
                _ => elements.push(self.parse_value(depth)?),
            }
            if self.at_container_end(open, "array", ']')? {
                break;
            }
        }
        self.bump();
        Ok(ValueKind::Array(elements))
    }

    /// After an element: consumes a `,` (`false`, more may follow) or stops before the closer
    /// (`true`); anything else is an error.
    fn at_container_end(&mut self, open: Position, what: &str, closer: char) -> Parsed<bool> {
        self.skip_insignificant()?;
        match self.peek() {
            Some(',') => {
                self.bump();
                Ok(false)
            }
            Some(ch) if ch == closer => Ok(true),
            None => Err(unclosed(open, what, closer)),
            found => Err(self.error_here(format!("expected `,` or `{closer}`, found {}", show(found)))),
        }
    }

    fn parse_number(&mut self) -> Parsed<Number> {
        let start_offset = self.offset;
        let start = self.position();
        let sign = match self.peek() {
            Some(sign @ ('+' | '-')) => {
                self.bump();
                sign
            }
            _ => '+',
        };
        let value = match self.peek() {
            Some('I' | 'N') => {
                let word = self.parse_identifier()?;
                match word.as_str() {
                    "Infinity" if sign == '-' => f64::NEG_INFINITY,
                    "Infinity" => f64::INFINITY,
                    "NaN" => f64::NAN,
                    _ => return Err(Self::error_at(start, "invalid number: expected `Infinity` or `NaN`")),
                }
            }
            Some('0') if matches!(self.peek_second(), Some('x' | 'X')) => {
                self.bump();
                self.bump();
                let digits_offset = self.offset;
                while self.peek().is_some_and(|ch| ch.is_ascii_hexdigit()) {
                    self.bump();
                }
                let digits = &self.text[digits_offset..self.offset];
                if digits.is_empty() {
                    return Err(self.error_here(format!("expected a hex digit, found {}", show(self.peek()))));
                }
                let magnitude = digits.chars().filter_map(|ch| ch.to_digit(16)).fold(0.0, |acc, digit| acc * 16.0 + f64::from(digit));
                if sign == '-' { -magnitude } else { magnitude }
            }
            _ => {
                self.decimal_literal()?;
                let literal = &self.text[start_offset..self.offset];
                literal.trim_start_matches('+').parse::<f64>().map_err(|_| Self::error_at(start, "invalid number"))?
            }
        };
        if let Some(ch) = self.peek().filter(|&ch| is_identifier_part(ch) || ch == '.') {
            return Err(self.error_here(format!("unexpected `{ch}` after a number")));
        }
        Ok(Number::new(self.text[start_offset..self.offset].to_string(), value))
    }

    /// Consumes `(0 | [1-9][0-9]*) [. [0-9]*] | . [0-9]+`, then an optional exponent.
    fn decimal_literal(&mut self) -> Parsed<()> {
        let whole_digits = self.digits();
        if whole_digits == 0 && self.peek() != Some('.') {
            return Err(self.error_here(format!("expected a digit, found {}", show(self.peek()))));
        }
        if whole_digits > 1 && self.text[self.offset - whole_digits..].starts_with('0') {
            let position = Position { line: self.line, column: self.column.saturating_sub(whole_digits as u32) };
            return Err(Self::error_at(position, "a number may not start with `0` followed by digits"));
        }
        if self.eat('.') {
            let fraction_digits = self.digits();
            if whole_digits == 0 && fraction_digits == 0 {
                return Err(self.error_here(format!("expected a digit after `.`, found {}", show(self.peek()))));
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if self.digits() == 0 {
                return Err(self.error_here(format!("expected an exponent digit, found {}", show(self.peek()))));
            }
        }
        Ok(())
    }

    /// Consumes ASCII digits and returns how many there were.
    fn digits(&mut self) -> usize {
        let mut count = 0;
        while self.peek().is_some_and(|ch| ch.is_ascii_digit()) {
            self.bump();
            count += 1;
        }
        count
    }
}

fn unclosed(open: Position, what: &str, closer: char) -> SyntaxError {
    SyntaxError { position: open, message: format!("this {what} is never closed (missing `{closer}`)") }
}

/// A short excerpt of source text in backticks, cut at [`MAX_QUOTED_CHARS`].
fn quoted_excerpt(text: &str) -> String {
    format!("`{}`", excerpt(text, MAX_QUOTED_CHARS))
}

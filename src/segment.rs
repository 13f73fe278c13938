//! Paragraph segmentation: raw bytes in, byte spans out.
//!
//! A paragraph is a run of non-blank lines; a blank line is one that holds
//! nothing but whitespace (any Unicode white space, so U+3000 and a lone `\r`
//! count). In [`Mode::Lines`] every non-blank line is a paragraph of its own.
//! Spans are trimmed of surrounding whitespace, so a paragraph's span starts at
//! its first visible character and ends after its last one: the line ending
//! (`\n` or `\r\n`) is never part of it. A UTF-8 byte order mark at the start
//! of the input is skipped. Invalid UTF-8 is not whitespace, so it never splits
//! or hides a paragraph, and offsets are exact bytes into the input.

use memchr::memchr;

/// How the input is cut into paragraphs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Runs of non-blank lines, separated by blank lines.
    #[default]
    Blocks,
    /// Every non-blank line is a paragraph.
    Lines,
}

/// A byte range `[start, end)` in the raw input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Splits `data` into paragraph spans, in order.
pub fn paragraphs(data: &[u8], mode: Mode) -> Vec<Span> {
    let mut out = Vec::new();
    let mut pos = if data.starts_with(BOM) { BOM.len() } else { 0 };
    let mut current: Option<Span> = None;
    while pos < data.len() {
        let line_end = memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i);
        let line = trim(data, Span { start: pos, end: line_end });
        if line.is_empty() {
            out.extend(current.take());
        } else if mode == Mode::Lines {
            out.push(line);
        } else {
            match current.as_mut() {
                Some(p) => p.end = line.end,
                None => current = Some(line),
            }
        }
        pos = line_end + 1;
    }
    out.extend(current);
    out
}

/// Narrows `span` to exclude leading and trailing whitespace characters.
pub fn trim(data: &[u8], span: Span) -> Span {
    let Span { mut start, mut end } = span;
    while start < end {
        match decode_at(&data[start..end]) {
            Some((c, len)) if is_space(c) => start += len,
            _ => break,
        }
    }
    while start < end {
        match decode_before(&data[start..end]) {
            Some((c, len)) if is_space(c) => end -= len,
            _ => break,
        }
    }
    Span { start, end }
}

/// Whitespace for segmentation: Unicode White_Space plus the invisible
/// zero-width characters that OCR and editors leave on otherwise empty lines.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{2060}')
}

/// The first character of `bytes` and its length, if it is valid UTF-8.
fn decode_at(bytes: &[u8]) -> Option<(char, usize)> {
    let first = *bytes.first()?;
    let len = match first {
        0x00..=0x7F => return Some((first as char, 1)),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let s = std::str::from_utf8(bytes.get(..len)?).ok()?;
    s.chars().next().map(|c| (c, len))
}

/// The last character of `bytes` and its length, if it is valid UTF-8.
fn decode_before(bytes: &[u8]) -> Option<(char, usize)> {
    let n = bytes.len();
    (1..=4.min(n)).find_map(|len| {
        let s = std::str::from_utf8(&bytes[n - len..]).ok()?;
        let mut it = s.chars();
        let c = it.next()?;
        it.next().is_none().then_some((c, len))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(data: &str, mode: Mode) -> Vec<&str> {
        paragraphs(data.as_bytes(), mode).iter().map(|s| &data[s.start..s.end]).collect()
    }

    #[test]
    fn case_table() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("\n\n\n", &[]),
            ("one", &["one"]),
            ("one\n", &["one"]),
            ("a\nb\n\nc", &["a\nb", "c"]),
            ("a\r\nb\r\n\r\nc\r\n", &["a\r\nb", "c"]),
            ("\u{feff}bom first\n\nsecond", &["bom first", "second"]),
            ("a\n \t \nb", &["a", "b"]),
            ("a\n\u{3000}\u{3000}\nb", &["a", "b"]),
            ("a\n\r\nb", &["a", "b"]),
            ("\u{3000}\u{3000}indented\ttext  \n\nx", &["indented\ttext", "x"]),
            ("a\n\n\n\nb\n", &["a", "b"]),
        ];
        for (input, want) in cases {
            assert_eq!(texts(input, Mode::Blocks), *want, "input {input:?}");
        }
    }

    #[test]
    fn lines_mode() {
        assert_eq!(texts("a\nb\n\n c \r\n", Mode::Lines), vec!["a", "b", "c"]);
    }

    #[test]
    fn invalid_utf8_is_content() {
        let data = b"ok\n\xff\n\nnext\xc3";
        let spans = paragraphs(data, Mode::Blocks);
        assert_eq!(spans, vec![Span { start: 0, end: 4 }, Span { start: 6, end: 11 }]);
    }

    #[test]
    fn bom_only_file() {
        assert!(paragraphs(BOM, Mode::Blocks).is_empty());
    }
}

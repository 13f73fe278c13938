//! `--ignore-pattern`: text that recurs by design (bylines, mastheads, page
//! furniture) and must not make or break a finding.
//!
//! A byline set above two different articles is a repeated paragraph or a
//! repeated passage, and a reprinted article under a different byline no
//! longer has an exact copy. Each pattern is searched in every paragraph's
//! raw text (an OCR block's recognised text); what it matches is left out of
//! matching, exactly as if those characters were white space:
//!
//! - a paragraph matched in full has nothing left to match and is not matched
//!   (it still counts as a paragraph, so paragraph indices do not depend on
//!   the patterns);
//! - a match at the start or end of a paragraph is outside the occurrence: a
//!   reported range begins after a leading byline and ends before a trailing
//!   one;
//! - a match in the middle of a paragraph stays inside the occurrence's range
//!   but is not compared: two copies that differ only there are exact.
//!
//! Patterns are [`regex`] syntax on bytes with Unicode on, in multi-line mode
//! (`^` and `$` also match at every line start and end inside a paragraph,
//! before a `\r\n` too). Matching takes linear time whatever the pattern.

use regex::bytes::{Regex, RegexBuilder};

use crate::segment::Span;

/// The compiled `--ignore-pattern`s of a scan.
#[derive(Clone, Debug, Default)]
pub struct Patterns {
    regexes: Vec<Regex>,
}

impl Patterns {
    /// Compiles `patterns`; the error names the option and the pattern.
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        let regexes = patterns
            .iter()
            .map(|p| {
                RegexBuilder::new(p).multi_line(true).crlf(true).build().map_err(|e| {
                    // The last line of a syntax error says what is wrong; the
                    // lines above repeat the pattern with a caret.
                    let why = e.to_string();
                    let why = why.lines().last().unwrap_or_default().trim_start_matches("error: ").to_string();
                    format!("--ignore-pattern {p:?} is not a valid regular expression: {why}")
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { regexes })
    }

    pub fn is_empty(&self) -> bool {
        self.regexes.is_empty()
    }

    /// Appends to `out` the ranges of `text` that any pattern matches, as
    /// ranges of the file where `text` starts at byte `base`. Empty matches
    /// leave nothing out.
    pub fn find(&self, text: &[u8], base: usize, out: &mut Vec<Span>) {
        for re in &self.regexes {
            out.extend(
                re.find_iter(text)
                    .filter(|m| !m.is_empty())
                    .map(|m| Span { start: base + m.start(), end: base + m.end() }),
            );
        }
    }
}

/// Sorts `spans` and merges those that overlap or touch.
pub fn merge(spans: &mut Vec<Span>) {
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans.drain(..) {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    *spans = out;
}

/// `data` with every byte of `masks` (sorted, disjoint) but line ends
/// replaced by a space: offsets and lines stay, the masked text normalizes
/// to nothing.
pub fn blank(data: &mut [u8], masks: &[Span]) {
    let len = data.len();
    for m in masks {
        for b in &mut data[m.start.min(len)..m.end.min(len)] {
            if !matches!(*b, b'\n' | b'\r') {
                *b = b' ';
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(patterns: &[&str], text: &str) -> String {
        let p = Patterns::new(&patterns.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap_or_default();
        let mut spans = Vec::new();
        p.find(text.as_bytes(), 0, &mut spans);
        merge(&mut spans);
        let mut bytes = text.as_bytes().to_vec();
        blank(&mut bytes, &spans);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn lines_anchored_by_multi_line_mode() {
        let text = "By Jane Doe, Staff Writer\r\nThe council met.\nBy the river, a new bridge.";
        assert_eq!(
            masked(&["^By .*Writer$"], text),
            format!("{}\r\nThe council met.\nBy the river, a new bridge.", " ".repeat(25))
        );
    }

    #[test]
    fn overlapping_patterns_and_cjk() {
        assert_eq!(
            masked(&["本报讯", "讯（记者 \\S+）"], "本报讯（记者 宋向华）5月"),
            format!("{}5月", " ".repeat("本报讯（记者 宋向华）".len()))
        );
        assert_eq!(masked(&["x*"], "abc"), "abc");
    }

    #[test]
    fn a_bad_pattern_names_option_and_pattern() {
        let e = Patterns::new(&["ok".to_string(), "(unclosed".to_string()]).err().unwrap_or_default();
        assert!(e.starts_with("--ignore-pattern \"(unclosed\" is not a valid regular expression: "), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn merging() {
        let mut v = vec![
            Span { start: 5, end: 8 },
            Span { start: 0, end: 2 },
            Span { start: 2, end: 3 },
            Span { start: 6, end: 7 },
        ];
        merge(&mut v);
        assert_eq!(v, vec![Span { start: 0, end: 3 }, Span { start: 5, end: 8 }]);
    }
}

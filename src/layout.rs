//! What of one file takes part in matching: its paragraphs, the text left
//! out between them, and the bytes blanked inside them.
//!
//! Three things decide it, in this order: the file's structure (blank-line
//! paragraphs of plain text, the prose blocks of Markdown from
//! [`crate::markdown`], the text blocks of OCR files), the inline ignore
//! markers ([`crate::markers`]), and the `--ignore-pattern`s
//! ([`crate::boilerplate`]).
//!
//! - Ignored lines are no paragraph and no part of one: a paragraph that an
//!   ignored region cuts is two paragraphs, one before and one after it. An
//!   OCR block that an ignored region touches is left out whole.
//! - Wherever text is left out between two paragraphs (ignored lines, front
//!   matter, code, HTML, link definitions) the second is *fenced*: a repeated
//!   block never runs across it, so a reported occurrence never includes
//!   text that took no part in matching (short paragraphs inside a block
//!   aside, as before).
//! - Markdown markup and pattern matches are *masked*: blanked before
//!   normalization, offsets unchanged. A paragraph's range is trimmed of
//!   masked bytes at both ends.
//!
//! Paragraph indices (`para_start`, `para_end`) count the paragraphs this
//! module returns, 0-based in file order.

use std::borrow::Cow;

use crate::boilerplate::{self, Patterns};
use crate::markdown;
use crate::markers::{self, Note};
use crate::ocr;
use crate::segment::{self, Mode, Span};

/// One text file's paragraphs, fences and masks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub spans: Vec<Span>,
    /// `fenced[i]`: text left out of matching stands between paragraph
    /// `i - 1` and paragraph `i`.
    pub fenced: Vec<bool>,
    /// Bytes blanked before normalization, sorted and disjoint.
    pub masks: Vec<Span>,
    /// Problems with the ignore markers.
    pub notes: Vec<Note>,
    /// The file with `masks` blanked, when there are any: what matching
    /// reads (made once here, where trimming needs it too).
    pub view: Option<Vec<u8>>,
}

/// Lays out a plain-text or Markdown file.
pub fn lay_out_text(data: &[u8], markdown: bool, mode: Mode, patterns: &Patterns) -> Layout {
    let (mut spans, mut left_out, mut masks, comments) = if markdown {
        let b = markdown::blocks(data);
        (b.paragraphs, b.skipped, b.markup, Some(b.html))
    } else {
        (segment::paragraphs(data, mode), Vec::new(), Vec::new(), None)
    };
    let ignored = markers::ignored(data, comments.as_deref());
    if !ignored.regions.is_empty() {
        spans = subtract(data, &spans, &ignored.regions);
        left_out.extend_from_slice(&ignored.regions);
    }
    if markdown && mode == Mode::Lines {
        spans = spans.iter().flat_map(|&s| lines(data, s)).collect();
    }
    for s in &spans {
        patterns.find(&data[s.start..s.end], s.start, &mut masks);
    }
    boilerplate::merge(&mut masks);
    let view = (!masks.is_empty()).then(|| masked(data, &masks).into_owned());
    if let Some(view) = &view {
        for s in &mut spans {
            // A paragraph masked whole keeps its range: it is not matched,
            // and indices stay those of the unmasked file.
            let t = segment::trim(view, *s);
            if !t.is_empty() {
                *s = t;
            }
        }
    }
    left_out.sort_unstable();
    let fenced = fences(&spans, &left_out);
    Layout { spans, fenced, masks, notes: ignored.notes, view }
}

/// Leaves out the OCR `blocks` that an ignored region touches and fences
/// the next ones; returns the fences, the marker notes and, with patterns,
/// each block's recognised text with the matches blanked.
pub fn lay_out_ocr(
    data: &[u8],
    blocks: &mut Vec<ocr::Block>,
    patterns: &Patterns,
) -> (Vec<bool>, Vec<Note>, Option<Vec<String>>) {
    let ignored = markers::ignored(data, None);
    let touched = |b: &ocr::Block| {
        let i = ignored.regions.partition_point(|r| r.end <= b.start);
        ignored.regions.get(i).is_some_and(|r| r.start < b.end)
    };
    blocks.retain(|b| !touched(b));
    let spans: Vec<Span> = blocks.iter().map(|b| Span { start: b.start, end: b.end }).collect();
    let fenced = fences(&spans, &ignored.regions);
    let texts = (!patterns.is_empty()).then(|| {
        blocks
            .iter()
            .map(|b| {
                let mut masks = Vec::new();
                patterns.find(b.text.as_bytes(), 0, &mut masks);
                boilerplate::merge(&mut masks);
                String::from_utf8_lossy(&masked(b.text.as_bytes(), &masks)).into_owned()
            })
            .collect()
    });
    (fenced, ignored.notes, texts)
}

/// `data` as matching sees it: `masks` blanked.
pub fn masked<'a>(data: &'a [u8], masks: &[Span]) -> Cow<'a, [u8]> {
    if masks.is_empty() {
        return Cow::Borrowed(data);
    }
    let mut copy = data.to_vec();
    boilerplate::blank(&mut copy, masks);
    Cow::Owned(copy)
}

/// `spans` without the bytes of `regions` (sorted, disjoint, whole lines):
/// a span that a region cuts becomes its pieces before and after, trimmed.
fn subtract(data: &[u8], spans: &[Span], regions: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(spans.len());
    for &s in spans {
        let mut at = s.start;
        let first = regions.partition_point(|r| r.end <= s.start);
        for r in regions[first..].iter().take_while(|r| r.start < s.end) {
            out.push(segment::trim(data, Span { start: at, end: r.start.max(at) }));
            at = at.max(r.end);
        }
        out.push(segment::trim(data, Span { start: at.min(s.end), end: s.end }));
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The non-blank lines of `span`, trimmed.
fn lines(data: &[u8], span: Span) -> Vec<Span> {
    let mut out = Vec::new();
    let mut at = span.start;
    while at < span.end {
        let end = memchr::memchr(b'\n', &data[at..span.end]).map_or(span.end, |i| at + i);
        out.push(segment::trim(data, Span { start: at, end }));
        at = end + 1;
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Which paragraphs have left-out text (`regions`, sorted by start) between
/// them and the paragraph before.
fn fences(spans: &[Span], regions: &[Span]) -> Vec<bool> {
    let mut fenced = vec![false; spans.len()];
    for r in regions {
        let i = spans.partition_point(|s| s.start < r.end);
        if i > 0 && i < spans.len() && spans[i - 1].end <= r.start {
            fenced[i] = true;
        }
    }
    fenced
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain<'a>(doc: &'a str, patterns: &[&str]) -> (Vec<&'a str>, Vec<bool>) {
        let p = Patterns::new(&patterns.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap_or_default();
        let l = lay_out_text(doc.as_bytes(), false, Mode::Blocks, &p);
        (l.spans.iter().map(|s| &doc[s.start..s.end]).collect(), l.fenced)
    }

    #[test]
    fn an_ignored_region_cuts_and_fences() {
        let doc = "one\ntwo\n# doublet: ignore-start\nsecret\n# doublet: ignore-end\nthree\n\nfour\n";
        let (spans, fenced) = plain(doc, &[]);
        assert_eq!(spans, vec!["one\ntwo", "three", "four"]);
        assert_eq!(fenced, vec![false, true, false]);
        // A region between paragraphs fences the next one too.
        let (spans, fenced) = plain("a\n\ndoublet: ignore-start\nx\ndoublet: ignore-end\n\nb\n", &[]);
        assert_eq!((spans, fenced), (vec!["a", "b"], vec![false, true]));
    }

    #[test]
    fn markdown_code_fences_the_next_paragraph() {
        let doc = "# Head\nText one.\n\n```\ncode\n```\nText two.\n";
        let l = lay_out_text(doc.as_bytes(), true, Mode::Blocks, &Patterns::default());
        let spans: Vec<&str> = l.spans.iter().map(|s| &doc[s.start..s.end]).collect();
        assert_eq!(spans, vec!["Head", "Text one.", "Text two."]);
        assert_eq!(l.fenced, vec![false, false, true]);
        let lines = lay_out_text(b"Line one\nline two.\n", true, Mode::Lines, &Patterns::default());
        assert_eq!(lines.spans.len(), 2);
    }

    #[test]
    fn patterns_trim_the_ends_and_keep_a_masked_paragraph() {
        let doc = "By Jane Doe\nThe article.\n\nBy Jane Doe\n\nMiddle By Jane Doe text.";
        let (spans, fenced) = plain(doc, &["By Jane Doe"]);
        assert_eq!(spans, vec!["The article.", "By Jane Doe", "Middle By Jane Doe text."]);
        assert_eq!(fenced, vec![false; 3]);
    }
}

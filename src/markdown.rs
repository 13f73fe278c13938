//! Markdown input: which bytes of a `.md` file are prose, and where each
//! paragraph of prose starts and ends in the raw file.
//!
//! A Markdown file mixes prose with things that are not prose: front matter,
//! code, HTML, link reference definitions. Matched as text they make
//! findings no editor wants (the same `cargo install` fence in every
//! README, the same YAML keys in every post), and blank-line paragraphs put a
//! heading and the paragraph under it into one. The file is therefore read
//! by a CommonMark parser (`pulldown-cmark`), whose offset iterator gives
//! every block and every piece of text its byte range in the raw file:
//!
//! - **paragraphs** are the leaf blocks of prose: paragraphs, headings (ATX
//!   and setext, each its own paragraph even without blank lines around it)
//!   and the text of tight list items, also inside block quotes and nested
//!   lists. A paragraph's range runs from its first to its last byte of text;
//! - **markup** is what lies inside a paragraph's range but is not text:
//!   emphasis and heading marks, block-quote and list prefixes of its lines,
//!   link destinations and titles, the backticks of code spans, inline HTML
//!   (comments included). It is blanked before normalization, so
//!   `> **Note** see [the rules](https://x.example/rules)` is matched as
//!   `Note see the rules`, while byte ranges and line:column positions stay
//!   those of the raw file;
//! - **skipped** regions are not prose and take no part in matching: YAML
//!   (`---`) and TOML (`+++`) front matter, fenced and indented code blocks,
//!   HTML blocks, link reference definitions;
//! - **html** ranges are where inline ignore markers may stand in a Markdown
//!   file (inside HTML comments, see [`crate::markers`]).
//!
//! GFM extensions (tables, footnotes) are not enabled: a table is a
//! paragraph of its cells' text. `.mdx` files are read as CommonMark too:
//! JSX on lines of its own is an HTML block, `import` lines are prose.

use std::borrow::Cow;
use std::path::Path;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::segment::Span;

/// Extensions read as Markdown (compared without regard to case).
pub const EXTENSIONS: [&str; 3] = ["md", "markdown", "mdx"];

/// Whether `path` names a Markdown file by its extension.
pub fn is_markdown(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.iter().any(|m| e.eq_ignore_ascii_case(m)))
}

/// The prose, markup and non-prose of one Markdown file (see the module
/// documentation); every list is in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blocks {
    pub paragraphs: Vec<Span>,
    pub markup: Vec<Span>,
    pub skipped: Vec<Span>,
    pub html: Vec<Span>,
}

/// A paragraph being read: the ranges of its text so far.
#[derive(Default)]
struct Leaf {
    text: Vec<Span>,
}

/// Parses `data` as CommonMark with front matter.
pub fn blocks(data: &[u8]) -> Blocks {
    let source = as_text(data);
    let options = Options::ENABLE_YAML_STYLE_METADATA_BLOCKS | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let parser = Parser::new_ext(&source, options).into_offset_iter();
    let mut out = Blocks::default();
    out.skipped.extend(parser.reference_definitions().iter().map(|(_, d)| span(&d.span)));
    let mut leaf: Option<Leaf> = None;
    // Inside a code block, HTML block or front matter.
    let mut skipping = false;
    for (event, range) in parser {
        if skipping {
            match event {
                Event::End(TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::MetadataBlock(_)) => skipping = false,
                Event::Html(_) => out.html.push(span(&range)),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::MetadataBlock(_)) => {
                close(leaf.take(), data, &mut out);
                out.skipped.push(span(&range));
                if matches!(event, Event::Start(Tag::HtmlBlock)) {
                    out.html.push(span(&range));
                }
                skipping = true;
            }
            Event::Text(_) => leaf.get_or_insert_with(Leaf::default).text.push(span(&range)),
            Event::Code(_) => {
                let code = span(&range);
                let ticks = |b: &u8| *b == b'`';
                let lead = data[code.start..code.end].iter().take_while(|b| ticks(b)).count();
                let trail = data[code.start + lead..code.end].iter().rev().take_while(|b| ticks(b)).count();
                let inner = Span { start: code.start + lead, end: code.end - trail };
                leaf.get_or_insert_with(Leaf::default).text.push(inner);
            }
            Event::InlineHtml(_) => {
                leaf.get_or_insert_with(Leaf::default);
                out.html.push(span(&range));
                out.skipped.push(span(&range));
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::FootnoteReference(_)
            | Event::InlineMath(_)
            | Event::TaskListMarker(_)
            | Event::Start(
                Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. },
            )
            | Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image,
            ) => {
                leaf.get_or_insert_with(Leaf::default);
            }
            // Every other event opens or closes a block: the paragraph
            // read so far (of a heading, a paragraph or a tight list item)
            // ends there.
            _ => close(leaf.take(), data, &mut out),
        }
    }
    close(leaf, data, &mut out);
    out.skipped.sort_unstable();
    out.html.sort_unstable();
    out
}

/// Ends a paragraph: its range from the first to the last byte of text,
/// and the markup between its pieces of text. A paragraph without text
/// (only inline HTML) is no paragraph.
fn close(leaf: Option<Leaf>, data: &[u8], out: &mut Blocks) {
    let Some(mut leaf) = leaf else { return };
    leaf.text.retain(|s| !s.is_empty());
    leaf.text.sort_unstable();
    let (Some(first), Some(last)) = (leaf.text.first(), leaf.text.iter().map(|s| s.end).max()) else { return };
    let paragraph = Span { start: first.start, end: last };
    let mut at = paragraph.start;
    for s in &leaf.text {
        if s.start > at {
            out.markup.push(Span { start: at, end: s.start });
        }
        at = at.max(s.end);
    }
    debug_assert!(paragraph.end <= data.len());
    out.paragraphs.push(paragraph);
}

fn span(range: &std::ops::Range<usize>) -> Span {
    Span { start: range.start, end: range.end }
}

/// `data` as text for the parser, with every byte where it was: an invalid
/// UTF-8 byte becomes one `?`.
fn as_text(data: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let mut s = String::with_capacity(data.len());
            for chunk in data.utf8_chunks() {
                s.push_str(chunk.valid());
                s.extend(std::iter::repeat_n('?', chunk.invalid().len()));
            }
            Cow::Owned(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paragraphs of `doc` with their markup blanked, white space
    /// collapsed.
    fn prose(doc: &str) -> Vec<String> {
        let b = blocks(doc.as_bytes());
        let mut bytes = doc.as_bytes().to_vec();
        for m in &b.markup {
            for x in &mut bytes[m.start..m.end] {
                *x = b' ';
            }
        }
        b.paragraphs
            .iter()
            .map(|p| String::from_utf8_lossy(&bytes[p.start..p.end]).split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    fn raw(doc: &str) -> Vec<&str> {
        blocks(doc.as_bytes()).paragraphs.iter().map(|p| &doc[p.start..p.end]).collect()
    }

    #[test]
    fn front_matter_yaml_and_toml() {
        let yaml = "---\ntitle: The same title\ntags: [a, b]\n---\n\nFirst paragraph.\n";
        assert_eq!(raw(yaml), vec!["First paragraph."]);
        let b = blocks(yaml.as_bytes());
        assert_eq!(&yaml[b.skipped[0].start..b.skipped[0].end], "---\ntitle: The same title\ntags: [a, b]\n---");
        let toml = "+++\ntitle = \"x\"\n+++\nText after.\n";
        assert_eq!(raw(toml), vec!["Text after."]);
        // A thematic break later on is no front matter.
        assert_eq!(raw("Para one.\n\n---\n\nPara two.\n"), vec!["Para one.", "Para two."]);
    }

    #[test]
    fn fences_with_blank_lines_inside() {
        let doc = "Before.\n\n```sh\ncargo install\n\n\nrun it\n```\n\n~~~\nmore code\n\n~~~\nAfter.\n";
        assert_eq!(raw(doc), vec!["Before.", "After."]);
        let b = blocks(doc.as_bytes());
        assert_eq!(b.skipped.len(), 2);
        assert!(doc[b.skipped[0].start..b.skipped[0].end].contains("run it"));
        assert!(doc[b.skipped[1].start..b.skipped[1].end].contains("more code"));
    }

    #[test]
    fn a_fence_never_closed_runs_to_the_end() {
        let doc = "Intro.\n\n```\ncode\n\nStill code, not prose.\n";
        assert_eq!(raw(doc), vec!["Intro."]);
        let b = blocks(doc.as_bytes());
        assert_eq!(b.skipped.last().map(|s| s.end), Some(doc.len()));
    }

    #[test]
    fn indented_code_html_and_link_definitions() {
        let doc = "Text.\n\n    indented code\n    more\n\n<div>\nblock html\n</div>\n\n\
                   <!-- a comment -->\n\n[ref]: https://example.com \"Title\"\n\nEnd.\n";
        assert_eq!(raw(doc), vec!["Text.", "End."]);
        let skipped: Vec<&str> =
            blocks(doc.as_bytes()).skipped.iter().map(|s| doc[s.start..s.end].trim_end()).collect();
        assert_eq!(
            skipped,
            vec![
                "indented code\n    more",
                "<div>\nblock html\n</div>",
                "<!-- a comment -->",
                "[ref]: https://example.com \"Title\""
            ]
        );
    }

    #[test]
    fn headings_without_blank_lines_are_paragraphs_of_their_own() {
        let doc = "# Title #\nFirst line of text\nsecond line.\n## Next\nMore.\n### Last ###";
        assert_eq!(raw(doc), vec!["Title", "First line of text\nsecond line.", "Next", "More.", "Last"]);
        // A setext underline makes the lines above it the heading.
        let setext = "Text.\n\nHeading\n=======\nBody.\nSub heading\n-----------\nMore.";
        assert_eq!(raw(setext), vec!["Text.", "Heading", "Body.\nSub heading", "More."]);
    }

    #[test]
    fn nested_lists_and_block_quotes_are_prose() {
        let doc = "- first item\n- second item\n  - nested one\n  - nested two\n    continued\n\n\
                   1. ordered\n\n   loose paragraph\n\n> quoted line one\n> quoted line two\n>\n> > nested quote\n";
        assert_eq!(
            prose(doc),
            vec![
                "first item",
                "second item",
                "nested one",
                "nested two continued",
                "ordered",
                "loose paragraph",
                "quoted line one quoted line two",
                "nested quote",
            ]
        );
    }

    #[test]
    fn markup_is_blanked_text_kept() {
        let doc =
            "> **Note** see [the rules](https://x.example/rules \"t\") and `code` <!-- hidden --> ![alt](i.png)\n";
        assert_eq!(prose(doc), vec!["Note see the rules and code alt"]);
        let b = blocks(doc.as_bytes());
        // The range is the raw file's, from the first to the last text byte.
        assert_eq!(&doc[b.paragraphs[0].start..b.paragraphs[0].start + 4], "Note");
        assert_eq!(b.html.len(), 1);
    }

    #[test]
    fn crlf_files() {
        let doc = "---\r\ntitle: x\r\n---\r\n# Head\r\nLine one\r\nline two\r\n\r\n```\r\ncode\r\n```\r\nLast.\r\n";
        assert_eq!(prose(doc), vec!["Head", "Line one line two", "Last."]);
        for p in raw(doc) {
            assert!(!p.ends_with('\r') && !p.starts_with('\n'), "{p:?}");
        }
    }

    #[test]
    fn invalid_utf8_keeps_offsets() {
        let doc = b"# Caf\xe9\n\nText \xff here.\n";
        let b = blocks(doc);
        assert_eq!(b.paragraphs.len(), 2);
        assert_eq!(&doc[b.paragraphs[0].start..b.paragraphs[0].end], b"Caf\xe9");
        assert_eq!(&doc[b.paragraphs[1].start..b.paragraphs[1].end], b"Text \xff here.");
    }

    #[test]
    fn markdown_extensions() {
        for (name, want) in
            [("a.md", true), ("b.MD", true), ("c.markdown", true), ("d.mdx", true), ("e.txt", false), ("md", false)]
        {
            assert_eq!(is_markdown(Path::new(name)), want, "{name}");
        }
    }
}

//! Inline ignore markers: regions of a file that the author marks as not to
//! be matched (a licence text, a quoted form, generated tables).
//!
//! A line that contains `doublet: ignore-start` opens a region, a line that
//! contains `doublet: ignore-end` closes it; any comment syntax may wrap the
//! marker (`<!-- … -->`, `# …`, `// …`, `/* … */`, `% …`) or none. The marker
//! lines and every line between them are ignored. Regions nest: an inner
//! start is closed by the first end after it and the outer region goes on to
//! its own end, so a marked excerpt pasted into a marked document keeps
//! working. A start never closed ignores to the end of the file, and an end
//! with no start open is ignored as a line too; both give a [`Note`] with the
//! line number.
//!
//! Markers are looked for on raw bytes (any encoding that keeps ASCII as
//! ASCII, invalid UTF-8 included). In Markdown a marker counts only inside an
//! HTML comment, so prose or code that shows the marker (documentation of
//! doublet itself) ignores nothing.

use memchr::memmem;

use crate::segment::Span;

const PREFIX: &[u8] = b"doublet:";

/// Something to tell the user about a marker, at a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub line: usize,
    pub message: String,
}

/// The ignored regions of one file and what was wrong with its markers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ignored {
    /// Whole lines, line ends excluded, sorted and disjoint: consecutive
    /// ignored lines are one region.
    pub regions: Vec<Span>,
    pub notes: Vec<Note>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Start,
    End,
}

/// The ignored regions of `data`. With `comments` (HTML comment ranges of a
/// Markdown file, sorted by start), only markers inside a comment count.
pub fn ignored(data: &[u8], comments: Option<&[Span]>) -> Ignored {
    let mut out = Ignored::default();
    let finder = memmem::Finder::new(PREFIX);
    // Most files hold no marker: one pass of a substring search decides.
    if finder.find(data).is_none() {
        return out;
    }
    // Lines of the starts still open, innermost last.
    let mut open: Vec<usize> = Vec::new();
    let mut current: Option<Span> = None;
    let mut pos = 0usize;
    let mut line = 1usize;
    while pos < data.len() {
        let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i);
        let visible = if end > pos && data[end - 1] == b'\r' { end - 1 } else { end };
        let mut ignored = !open.is_empty();
        for at in finder.find_iter(&data[pos..end]).map(|i| pos + i) {
            let Some(marker) = marker_at(data, at + PREFIX.len(), end) else { continue };
            if comments.is_some_and(|c| !in_comment(data, c, at)) {
                continue;
            }
            ignored = true;
            match marker {
                Marker::Start => open.push(line),
                Marker::End => {
                    if open.pop().is_none() {
                        out.notes.push(Note {
                            line,
                            message: "`doublet: ignore-end` without an `ignore-start` before it; the line is ignored"
                                .into(),
                        });
                    }
                }
            }
        }
        if ignored {
            match current.as_mut() {
                Some(r) => r.end = visible,
                None => current = Some(Span { start: pos, end: visible }),
            }
        } else {
            out.regions.extend(current.take());
        }
        pos = end + 1;
        line += 1;
    }
    out.regions.extend(current);
    for start in open {
        out.notes.push(Note {
            line: start,
            message: "`doublet: ignore-start` is never closed; ignored to the end of the file".into(),
        });
    }
    out.notes.sort_by_key(|n| n.line);
    out
}

/// The marker whose keyword follows `doublet:` at `at` (spaces and tabs
/// between), if it is a whole word: `ignore-ending` is none.
fn marker_at(data: &[u8], mut at: usize, end: usize) -> Option<Marker> {
    while at < end && matches!(data[at], b' ' | b'\t') {
        at += 1;
    }
    let rest = &data[at..end];
    let (marker, len) = if rest.starts_with(b"ignore-start") {
        (Marker::Start, "ignore-start".len())
    } else if rest.starts_with(b"ignore-end") {
        (Marker::End, "ignore-end".len())
    } else {
        return None;
    };
    let whole = rest.get(len).is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    whole.then_some(marker)
}

/// Whether `at` lies inside an HTML comment: inside one of `comments` and
/// after a `<!--` of it that no `-->` closes before `at`.
fn in_comment(data: &[u8], comments: &[Span], at: usize) -> bool {
    let i = comments.partition_point(|c| c.start <= at);
    comments[..i].iter().filter(|c| c.end > at).any(|c| {
        let before = &data[c.start..at];
        match memmem::rfind(before, b"<!--") {
            Some(open) => memmem::rfind(before, b"-->").is_none_or(|close| close < open),
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ignored text of `doc`, region by region, and the notes' lines.
    fn run<'a>(doc: &'a str, comments: Option<&[Span]>) -> (Vec<&'a str>, Vec<usize>) {
        let r = ignored(doc.as_bytes(), comments);
        (r.regions.iter().map(|s| &doc[s.start..s.end]).collect(), r.notes.iter().map(|n| n.line).collect())
    }

    #[test]
    fn any_comment_syntax_or_none() {
        for (open, close) in [
            ("<!-- doublet: ignore-start -->", "<!-- doublet: ignore-end -->"),
            ("# doublet: ignore-start", "# doublet: ignore-end"),
            ("// doublet: ignore-start", "// doublet: ignore-end"),
            ("/* doublet: ignore-start */", "/* doublet: ignore-end */"),
            ("% doublet:ignore-start", "%doublet:\tignore-end"),
            ("doublet: ignore-start", "doublet: ignore-end"),
        ] {
            let doc = format!("kept\n{open}\nsecret one\n\nsecret two\n{close}\nkept too\n");
            let (regions, notes) = run(&doc, None);
            assert_eq!(regions, vec![format!("{open}\nsecret one\n\nsecret two\n{close}")], "{open}");
            assert!(notes.is_empty(), "{open}");
        }
    }

    #[test]
    fn nesting_closes_at_the_outer_end() {
        let doc =
            "a\ndoublet: ignore-start\nb\ndoublet: ignore-start\nc\ndoublet: ignore-end\nd\ndoublet: ignore-end\ne\n";
        let (regions, notes) = run(doc, None);
        assert_eq!(
            regions,
            vec!["doublet: ignore-start\nb\ndoublet: ignore-start\nc\ndoublet: ignore-end\nd\ndoublet: ignore-end"]
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn unclosed_start_ignores_to_the_end_with_a_note() {
        let doc = "a\nb\n# doublet: ignore-start\nc\n\nd";
        let r = ignored(doc.as_bytes(), None);
        assert_eq!(&doc[r.regions[0].start..r.regions[0].end], "# doublet: ignore-start\nc\n\nd");
        assert_eq!(r.notes.len(), 1);
        assert_eq!(r.notes[0].line, 3);
        assert!(r.notes[0].message.contains("never closed"), "{:?}", r.notes);
        // Nested and unclosed: the outer start is the one left open.
        let (_, lines) = run("doublet: ignore-start\nx\ndoublet: ignore-start\ny\ndoublet: ignore-end\nz\n", None);
        assert_eq!(lines, vec![1]);
    }

    #[test]
    fn stray_end_is_ignored_with_a_note() {
        let doc = "a\n<!-- doublet: ignore-end -->\nb\n";
        let r = ignored(doc.as_bytes(), None);
        assert_eq!(
            r.regions.iter().map(|s| &doc[s.start..s.end]).collect::<Vec<_>>(),
            vec!["<!-- doublet: ignore-end -->"]
        );
        assert_eq!(r.notes.iter().map(|n| n.line).collect::<Vec<_>>(), vec![2]);
        assert!(r.notes[0].message.contains("without"), "{:?}", r.notes);
    }

    #[test]
    fn cjk_text_and_crlf() {
        let doc = "考生须凭本人准考证\r\n<!-- doublet: ignore-start 以下为广告 -->\r\n广告内容，请勿比对\r\n<!-- doublet: ignore-end -->\r\n正文继续。\r\n";
        let (regions, notes) = run(doc, None);
        assert_eq!(
            regions,
            vec!["<!-- doublet: ignore-start 以下为广告 -->\r\n广告内容，请勿比对\r\n<!-- doublet: ignore-end -->"]
        );
        assert!(notes.is_empty());
        // A region line ends before its `\r`, and one line may open and close.
        let (regions, _) = run("前文\ndoublet: ignore-start 广告 doublet: ignore-end\n后文", None);
        assert_eq!(regions, vec!["doublet: ignore-start 广告 doublet: ignore-end"]);
    }

    #[test]
    fn words_that_only_look_like_markers() {
        let (regions, notes) = run("doublet: ignore-starting\ndoublet ignore-start\ndoublet: ignore_end\n", None);
        assert!(regions.is_empty() && notes.is_empty(), "{regions:?}");
    }

    #[test]
    fn in_markdown_only_inside_html_comments() {
        let doc =
            "Use `doublet: ignore-start` to start.\n<!-- doublet: ignore-start -->\nx\n<!-- doublet: ignore-end -->\n";
        let at = doc.find("<!--").unwrap_or(0);
        let first = Span { start: at, end: at + "<!-- doublet: ignore-start -->".len() };
        let second_at = doc.rfind("<!--").unwrap_or(0);
        let second = Span { start: second_at, end: doc.len() - 1 };
        let (regions, notes) = run(doc, Some(&[first, second]));
        assert_eq!(regions, vec!["<!-- doublet: ignore-start -->\nx\n<!-- doublet: ignore-end -->"]);
        assert!(notes.is_empty());
        // After the comment closed, on the same HTML line: not a marker.
        let doc = "<!-- note --> doublet: ignore-start\n";
        let (regions, _) = run(doc, Some(&[Span { start: 0, end: doc.len() }]));
        assert!(regions.is_empty());
    }
}

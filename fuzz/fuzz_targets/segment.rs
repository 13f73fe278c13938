//! `segment::paragraphs` on arbitrary bytes, in both modes.
//!
//! Properties: spans are in order, non-overlapping, within bounds and
//! non-empty; no span starts or ends with whitespace (ASCII always, Unicode
//! `segment::is_space` where the span is valid UTF-8 at that end); a leading
//! BOM is never part of a span; a `Lines` span holds no `\n`; consecutive
//! `Lines` spans are separated by at least one `\n` and `Blocks` spans by at
//! least two (a blank line); and every `Blocks` span is exactly a run of
//! `Lines` spans separated by single line breaks.
#![no_main]

use doublet::segment::{is_space, paragraphs, Mode, Span};
use libfuzzer_sys::fuzz_target;

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn newlines(data: &[u8], from: usize, to: usize) -> usize {
    data[from..to].iter().filter(|&&b| b == b'\n').count()
}

/// First char of `bytes`, if it starts with a valid one.
fn first_char(bytes: &[u8]) -> Option<char> {
    let head = &bytes[..bytes.len().min(4)];
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap(),
    };
    valid.chars().next()
}

/// Last char of `bytes`, if it ends with a valid one.
fn last_char(bytes: &[u8]) -> Option<char> {
    let n = bytes.len();
    (1..=n.min(4)).find_map(|len| {
        let s = std::str::from_utf8(&bytes[n - len..]).ok()?;
        let mut it = s.chars();
        let c = it.next()?;
        it.next().is_none().then_some(c)
    })
}

fn check(data: &[u8], spans: &[Span], mode: Mode) {
    let mut prev_end: Option<usize> = None;
    for s in spans {
        assert!(s.start < s.end, "{mode:?}: empty or inverted span {s:?}");
        assert!(s.end <= data.len(), "{mode:?}: span {s:?} past end {}", data.len());
        if let Some(pe) = prev_end {
            assert!(pe <= s.start, "{mode:?}: span {s:?} overlaps or precedes previous end {pe}");
            let gap = newlines(data, pe, s.start);
            let want = if mode == Mode::Lines { 1 } else { 2 };
            assert!(gap >= want, "{mode:?}: spans ending {pe} and starting at {} separated by {gap} newlines", s.start);
        }
        prev_end = Some(s.end);
        if data.starts_with(BOM) {
            assert!(s.start >= BOM.len(), "{mode:?}: span {s:?} includes the BOM");
        }
        let (first, last) = (data[s.start], data[s.end - 1]);
        assert!(!first.is_ascii_whitespace(), "{mode:?}: span {s:?} starts with whitespace {first:#x}");
        assert!(!last.is_ascii_whitespace(), "{mode:?}: span {s:?} ends with whitespace {last:#x}");
        let bytes = &data[s.start..s.end];
        if let Some(c) = first_char(bytes) {
            assert!(!is_space(c), "{mode:?}: span {s:?} starts with space {c:?}");
        }
        if let Some(c) = last_char(bytes) {
            assert!(!is_space(c), "{mode:?}: span {s:?} ends with space {c:?}");
        }
        if mode == Mode::Lines {
            assert!(!bytes.contains(&b'\n'), "Lines: span {s:?} holds a newline");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let blocks = paragraphs(data, Mode::Blocks);
    let lines = paragraphs(data, Mode::Lines);
    check(data, &blocks, Mode::Blocks);
    check(data, &lines, Mode::Lines);

    // Blocks are runs of lines: group the Lines spans at gaps of two or more
    // newlines and the groups' outer bounds must be the Blocks spans.
    let mut want: Vec<Span> = Vec::new();
    for l in &lines {
        match want.last_mut() {
            Some(b) if newlines(data, b.end, l.start) == 1 => b.end = l.end,
            _ => want.push(*l),
        }
    }
    assert_eq!(blocks, want, "Blocks spans are not the runs of Lines spans");
    assert_eq!(Mode::default(), Mode::Blocks);
});

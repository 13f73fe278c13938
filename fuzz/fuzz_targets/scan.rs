//! The whole pipeline on two in-memory texts: `scan::scan_texts`.
//!
//! Input layout: byte 0 picks the parameters (high bit clear: the defaults,
//! which is half of all inputs; set: low bits turn on `check_breaks`, `lines`,
//! SimHash and turn off `ocr`); the rest is cut at its first 0xFF byte into
//! text `a` and text `b` (no 0xFF: all of it is `a`, `b` is empty), each read
//! with `String::from_utf8_lossy`.
//!
//! Properties: no panic; every finding has at least two occurrences; every
//! occurrence's file index names a scanned file with its path (`a` or `b`), has a non-empty byte range
//! inside its text on character boundaries, a line number that is the line
//! of its start, and ordered line and paragraph ranges; occurrences of one
//! finding in one file do not overlap; ids run 1, 2, …; the summary counts
//! the findings.
#![no_main]

use doublet::scan::{scan_texts, Method, Params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else { return };
    let mut params = Params::default();
    if control & 0x80 != 0 {
        params.check_breaks = control & 1 != 0;
        params.lines = control & 2 != 0;
        if control & 4 != 0 {
            params.method = Method::Simhash;
        }
        params.ocr = control & 8 == 0;
    }
    let (a, b) = match rest.iter().position(|&b| b == 0xFF) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let texts = [("a", a.as_ref()), ("b", b.as_ref())];
    let r = scan_texts(&texts, &params);

    assert_eq!(r.summary.findings, r.findings.len());
    for (i, f) in r.findings.iter().enumerate() {
        assert_eq!(f.id, i + 1, "finding ids");
        assert!(f.occurrences.len() >= 2, "finding {} has {} occurrences", f.id, f.occurrences.len());
        assert!((0.0..=1.0).contains(&f.similarity), "finding {} similarity {}", f.id, f.similarity);
        let mut ranges: Vec<(usize, usize, usize)> = Vec::new();
        for o in &f.occurrences {
            // `file` indexes `r.files`, which leaves out skipped texts (a NUL
            // byte makes one binary, a broken OCR file is an error).
            assert!(o.file < r.files.len(), "finding {}: file index {}", f.id, o.file);
            assert_eq!(o.path, r.files[o.file].path, "finding {}: path of file {}", f.id, o.file);
            let (name, text) = *texts.iter().find(|t| t.0 == o.path).expect("occurrence path is a text's name");
            assert!(
                o.byte_start < o.byte_end && o.byte_end <= text.len(),
                "finding {}: range {}..{} in {name} of {} bytes",
                f.id,
                o.byte_start,
                o.byte_end,
                text.len()
            );
            assert!(
                text.is_char_boundary(o.byte_start) && text.is_char_boundary(o.byte_end),
                "finding {}: range {}..{} in {name} not on char boundaries",
                f.id,
                o.byte_start,
                o.byte_end
            );
            let line = text.as_bytes()[..o.byte_start].iter().filter(|&&c| c == b'\n').count() + 1;
            assert_eq!(o.line_start, line, "finding {}: line of byte {} in {name}", f.id, o.byte_start);
            assert!(o.line_start <= o.line_end && o.col_start >= 1 && o.col_end >= 1, "finding {}: {o:?}", f.id);
            assert!(o.para_start <= o.para_end, "finding {}: paragraphs {}..={}", f.id, o.para_start, o.para_end);
            ranges.push((o.file, o.byte_start, o.byte_end));
        }
        ranges.sort_unstable();
        for w in ranges.windows(2) {
            if w[0].0 == w[1].0 {
                assert!(
                    w[0].2 <= w[1].1,
                    "finding {}: occurrences {}..{} and {}..{} overlap in {}",
                    f.id,
                    w[0].1,
                    w[0].2,
                    w[1].1,
                    w[1].2,
                    r.files[w[0].0].path
                );
            }
        }
    }
});

//! Locations of what is reported: byte ranges of passages through the
//! offset map, lines and columns, snippets, and the duplicated share.

use std::borrow::Cow;
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::{Analyzed, Finding};
use crate::input::{Inside, Record, Records};
use crate::layout;
use crate::location::{self, Position};
use crate::normalize;
use crate::segment;
use crate::source::{self, Diagnostic};

/// Terminal columns of a snippet in the text report.
pub(super) const SNIPPET_WIDTH: usize = 72;

/// Byte range, start, end, snippet, content hash and place inside an
/// archive input of one occurrence.
pub(super) type Located = (usize, usize, Position, Position, String, u64, Option<Box<Inside>>);

/// The byte range of the normalized characters `part` of the paragraph
/// `data[start..end]`, through the normalization's offset map, and the hash
/// of those normalized characters.
pub(super) fn part_bytes(data: &[u8], start: usize, end: usize, part: (usize, usize)) -> (usize, usize, u64) {
    let mut normalized = String::new();
    let mut offsets = Vec::new();
    normalize::normalize(&data[start..end], &mut normalized, Some(&mut offsets));
    if part.0 >= part.1 || part.1 > offsets.len() {
        return (start, end, xxh3_64(normalized.as_bytes()));
    }
    let chars: String = normalized.chars().skip(part.0).take(part.1 - part.0).collect();
    let first = start + offsets[part.0] as usize;
    let last = start + offsets[part.1 - 1] as usize;
    // End after the last character (one byte for an invalid sequence).
    let len = (1..=4).find(|&l| last + l <= end && std::str::from_utf8(&data[last..last + l]).is_ok()).unwrap_or(1);
    (first, last + len, xxh3_64(chars.as_bytes()))
}

/// The content hash of whole paragraphs: of their normalized texts' hashes.
pub(super) fn paragraphs_content(hashes: &[u128]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in hashes {
        h.update(&p.to_le_bytes());
    }
    h.digest()
}

/// Fills in lines, columns and snippets, reading each file with findings once
/// more (or using the bytes kept for stdin). A file that changed since it was
/// read gets an error, and its occurrences are dropped.
pub(super) fn locate_findings(findings: &mut [Finding], files: &[Analyzed], diagnostics: &mut Vec<Diagnostic>) {
    let mut by_file: Vec<Vec<(usize, usize)>> = vec![Vec::new(); files.len()];
    for (fi, f) in findings.iter().enumerate() {
        for (oi, o) in f.occurrences.iter().enumerate() {
            by_file[o.file].push((fi, oi));
        }
    }
    let located: Vec<Result<Vec<Located>, Diagnostic>> = by_file
        .par_iter()
        .enumerate()
        .map(|(file, occ)| {
            if occ.is_empty() {
                return Ok(Vec::new());
            }
            let a = &files[file];
            // Parquet rows are located in their own text: nothing to read again.
            if let Some(records) = a.records.as_ref().filter(|r| !r.in_file) {
                return Ok(locate_in_records(a, records, None, occ, findings));
            }
            let data: Arc<Vec<u8>> = match &a.data {
                Some(d) => d.clone(),
                None => Arc::new(
                    source::read(&a.source).map_err(|e| Diagnostic::error(&a.source.name, source::io_message(&e)))?,
                ),
            };
            if data.len() as u64 != a.bytes || xxh3_64(&data) != a.digest {
                return Err(Diagnostic::error(
                    &a.source.name,
                    "file changed during the scan; its findings are left out",
                ));
            }
            if let Some(records) = &a.records {
                return Ok(locate_in_records(a, records, Some(&data), occ, findings));
            }
            // Passages were found in the text as matching saw it.
            let view = layout::masked(&data, &a.masks);
            let ranges: Vec<(usize, usize, u64)> = occ
                .iter()
                .map(|&(fi, oi)| {
                    let o = &findings[fi].occurrences[oi];
                    match o.part {
                        Some(part) => part_bytes(&view, o.byte_start, o.byte_end, part),
                        None => (o.byte_start, o.byte_end, paragraphs_content(&a.hashes[o.para_start..=o.para_end])),
                    }
                })
                .collect();
            let mut offsets = Vec::with_capacity(occ.len() * 2);
            for &(start, end, _) in &ranges {
                offsets.push(start);
                offsets.push(location::last_char_start(&data, start, end));
            }
            let pos = location::positions(&data, &offsets);
            Ok(occ
                .iter()
                .enumerate()
                .map(|(i, &(fi, oi))| {
                    let o = &findings[fi].occurrences[oi];
                    let (start, end, content) = ranges[i];
                    let text = match &a.blocks {
                        // The recognised text, not the markup around it.
                        Some(blocks) => Cow::Owned(
                            blocks[o.para_start..=o.para_end]
                                .iter()
                                .map(|b| b.text.as_str())
                                .collect::<Vec<_>>()
                                .join("\n"),
                        ),
                        None => String::from_utf8_lossy(&data[start..end]),
                    };
                    let inside =
                        a.compression.map(|c| Box::new(Inside { compression: Some(c.name()), ..Inside::default() }));
                    (start, end, pos[2 * i], pos[2 * i + 1], snippet(text.as_bytes(), SNIPPET_WIDTH), content, inside)
                })
                .collect())
        })
        .collect();
    let mut broken = vec![false; files.len()];
    for (file, r) in located.into_iter().enumerate() {
        match r {
            Ok(v) => {
                for (&(fi, oi), (start, end, s, e, snip, content, inside)) in by_file[file].iter().zip(v) {
                    let o = &mut findings[fi].occurrences[oi];
                    (o.byte_start, o.byte_end) = (start, end);
                    (o.line_start, o.col_start, o.line_end, o.col_end) = (s.line, s.col, e.line, e.col);
                    o.snippet = snip;
                    o.content = format!("{content:016x}");
                    o.inside = inside;
                }
            }
            Err(d) => {
                broken[file] = true;
                diagnostics.push(d);
            }
        }
    }
    for f in findings.iter_mut() {
        f.occurrences.retain(|o| !broken[o.file]);
        f.fingerprint = Finding::fingerprint_of(f.occurrences.iter().map(|o| (o.path.as_str(), o.content.as_str())));
    }
}

/// Locates occurrences in the records of a file: each in its record's
/// decoded text (`field_start`/`field_end`), and for JSON Lines (`data` is
/// the file) at the raw bytes, line and column of the file that encode it;
/// for Parquet the byte range, line and column are those in the row's text.
fn locate_in_records(
    a: &Analyzed,
    records: &Records,
    data: Option<&[u8]>,
    occ: &[(usize, usize)],
    findings: &[Finding],
) -> Vec<Located> {
    // Record, decoded range, start of its last character, content hash.
    let placed: Vec<(usize, usize, usize, usize, u64)> = occ
        .iter()
        .map(|&(fi, oi)| {
            let o = &findings[fi].occurrences[oi];
            // A block never crosses a record (every record's first paragraph
            // is fenced), so both ends are in one record.
            let (r, first) = records.paragraphs[o.para_start];
            let (_, last) = records.paragraphs[o.para_end];
            let record = &records.records[r as usize];
            let (s, e, content) = match o.part {
                Some(part) => part_bytes(record.matched(), first.start, last.end, part),
                None => (first.start, last.end, paragraphs_content(&a.hashes[o.para_start..=o.para_end])),
            };
            (r as usize, s, e, location::last_char_start(record.text.as_bytes(), s, e), content)
        })
        .collect();
    let raw = |r: usize, d: usize| records.records[r].map.as_ref().map_or(d, |m| m.raw(d));
    let in_file = data.map(|data| {
        let offsets: Vec<usize> = placed.iter().flat_map(|&(r, s, _, last, _)| [raw(r, s), raw(r, last)]).collect();
        location::positions(data, &offsets)
    });
    placed
        .iter()
        .enumerate()
        .map(|(i, &(r, s, e, last, content))| {
            let record = &records.records[r];
            let text = record.text.as_bytes();
            let (start, end) = (raw(r, s), raw(r, e));
            let (ps, pe) = match &in_file {
                Some(pos) => (pos[2 * i], pos[2 * i + 1]),
                None => {
                    let pos = location::positions(text, &[s, last]);
                    (pos[0], pos[1])
                }
            };
            let inside = Inside {
                text: Some(String::from_utf8_lossy(&text[s..e]).into_owned()),
                ..record_inside(a, record, s, e)
            };
            (start, end, ps, pe, snippet(&text[s..e], SNIPPET_WIDTH), content, Some(Box::new(inside)))
        })
        .collect()
}

/// Where the decoded bytes `s..e` of `record`, a record of file `a`, lie:
/// its row and id, the range in bytes and characters (the text is left to
/// the caller).
pub(super) fn record_inside(a: &Analyzed, record: &Record, s: usize, e: usize) -> Inside {
    let text = record.text.as_bytes();
    let chars = |b: &[u8]| b.iter().filter(|&&b| (b as i8) >= -0x40).count();
    let char_start = chars(&text[..s]);
    Inside {
        compression: a.compression.map(|c| c.name()),
        row: Some(record.row),
        record: record.id.clone(),
        field_start: Some(s),
        field_end: Some(e),
        field_char_start: Some(char_start),
        field_char_end: Some(char_start + chars(&text[s..e])),
        text: None,
    }
}

/// The start of `bytes` on one line of at most `width` terminal columns
/// (wide CJK characters take two), white space collapsed, `…` when cut.
pub fn snippet(bytes: &[u8], width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut used = 0;
    let mut space = false;
    for c in text.chars() {
        if segment::is_space(c) || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        let w = c.width().unwrap_or(0) + usize::from(space);
        if used + w > width.saturating_sub(1) {
            out.push('…');
            return out;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        used += w;
    }
    out
}

/// Bytes covered by second and further occurrences, each byte counted once.
pub(super) fn duplicated_bytes(findings: &[Finding], files: usize) -> u64 {
    // Parquet ranges are inside each row's text: rows are counted apart.
    let mut spans: Vec<Vec<(u64, usize, usize)>> = vec![Vec::new(); files];
    for f in findings {
        for o in f.occurrences.iter().skip(1) {
            let row = o.inside.as_ref().and_then(|i| i.row).unwrap_or(0);
            spans[o.file].push((row, o.byte_start, o.byte_end));
        }
    }
    spans
        .into_iter()
        .map(|mut v| {
            v.sort_unstable();
            let (mut total, mut end, mut at_row) = (0u64, 0usize, 0u64);
            for (row, s, e) in v {
                if row != at_row {
                    (end, at_row) = (0, row);
                }
                let s = s.max(end);
                if e > s {
                    total += (e - s) as u64;
                    end = e;
                }
            }
            total
        })
        .sum()
}

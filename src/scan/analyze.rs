//! Reading one file into what matching needs: paragraphs (or OCR blocks),
//! their exact hashes, and the items (paragraphs long enough, and cut
//! paragraphs read whole) with their shingle sets and normalized texts.

use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

use super::texts::Texts;
use super::{Break, Params};
use crate::boilerplate::Patterns;
use crate::breaks;
use crate::input;
use crate::layout;
use crate::location;
use crate::markdown;
use crate::normalize;
use crate::ocr;
use crate::segment::{self, Span};
use crate::source::{self, Diagnostic, Source};

/// A paragraph, or two consecutive ones read as one, that takes part in
/// matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Item {
    /// Paragraph range, both inclusive.
    pub(super) first: u32,
    pub(super) last: u32,
    /// xxh3-128 of the normalized text.
    pub(super) hash: u128,
}

/// What one file contributes to matching.
pub(super) struct Analyzed {
    pub(super) source: Source,
    pub(super) bytes: u64,
    pub(super) digest: u64,
    /// Kept only for inputs that cannot be read twice (stdin, FIFOs).
    pub(super) data: Option<Arc<Vec<u8>>>,
    pub(super) spans: Vec<Span>,
    /// xxh3-128 of each paragraph's normalized text.
    pub(super) hashes: Vec<u128>,
    /// What takes part in matching, sorted by paragraph range: every
    /// paragraph long enough, and every cut paragraph's two parts joined.
    pub(super) items: Vec<Item>,
    /// Normalized text of each item: shingles, sketches and sets are derived
    /// from it when needed, and OCR noise is told from rewording on it.
    pub(super) texts: Texts,
    /// Layout breaks, with `check_breaks`.
    pub(super) breaks: Vec<Break>,
    /// The OCR blocks that are the paragraphs of an OCR file.
    pub(super) blocks: Option<Vec<ocr::Block>>,
    /// `fenced[i]`: text left out of matching stands before paragraph `i`
    /// ([`crate::layout`]); no block runs across it.
    pub(super) fenced: Vec<bool>,
    /// Bytes blanked before normalization (Markdown markup, pattern matches).
    pub(super) masks: Vec<Span>,
    /// Notes about the file's ignore markers.
    pub(super) notes: Vec<Diagnostic>,
    /// The records of a JSON Lines or Parquet file, whose paragraphs these are.
    pub(super) records: Option<input::Records>,
    /// How the file was compressed; its offsets are into the decompressed text.
    pub(super) compression: Option<input::Compression>,
}

/// Paragraphs per parallel batch inside one file.
pub(super) const BATCH: usize = 256;

/// Per-thread buffers, reused for every paragraph of a batch.
#[derive(Default)]
pub(super) struct Worker {
    pub(super) normalized: String,
    pub(super) second: String,
}

impl Worker {
    /// Exact hash of one paragraph and whether it is long enough to match;
    /// its normalized text is left in `self.normalized`.
    fn paragraph(&mut self, raw: &[u8], params: &Params) -> (u128, bool) {
        normalize::normalize(raw, &mut self.normalized, None);
        let hash = xxh3_128(self.normalized.as_bytes());
        (hash, long_enough(&self.normalized, params))
    }

    /// Exact hash and normalized text of two paragraphs read as one, when
    /// both have content and together they are long enough.
    fn joined(&mut self, a: &[u8], b: &[u8], params: &Params) -> Option<(u128, String)> {
        normalize::normalize(b, &mut self.second, None);
        normalize::normalize(a, &mut self.normalized, None);
        if self.normalized.is_empty() || self.second.is_empty() {
            return None;
        }
        self.normalized.push_str(&self.second);
        long_enough(&self.normalized, params).then(|| (xxh3_128(self.normalized.as_bytes()), self.normalized.clone()))
    }
}

/// Whether a normalized text has the characters to take part in matching.
fn long_enough(text: &str, params: &Params) -> bool {
    let min = params.min_chars.max(1);
    // Bytes bound characters from above: most texts are decided without
    // counting.
    text.len() >= min && (text.len() >= 4 * min || text.chars().count() >= min)
}

/// Reads and analyzes one source, its paragraphs in parallel batches; a
/// skipped or unreadable source becomes a diagnostic.
pub(super) fn analyze(src: Source, params: &Params, patterns: &Patterns) -> Result<Analyzed, Diagnostic> {
    let data = source::read(&src).map_err(|e| Diagnostic::error(&src.name, source::io_message(&e)))?;
    // Compressed files and records are known by name (a compressed file by
    // its inner name).
    let named = match &src.origin {
        source::Origin::File { path, .. } => Some(path.clone()),
        source::Origin::Memory(_) => Some(std::path::PathBuf::from(&src.name)),
        source::Origin::Stdin => None,
    };
    let compression = named.as_deref().and_then(input::Compression::of);
    let record_format = named.as_deref().and_then(|p| input::format_of(p, &params.input));
    let mode = if params.lines { segment::Mode::Lines } else { segment::Mode::Blocks };
    let records = match record_format {
        Some(format) => Some(
            input::read(format, &src.name, &data, &params.input, mode, patterns)
                .map_err(|e| Diagnostic::error(&src.name, e))?,
        ),
        None => None,
    };
    if records.is_none() && !params.binary && source::looks_binary(&data) {
        return Err(Diagnostic::note(
            &src.name,
            "binary file (NUL byte in the first 8 KiB), skipped; --binary scans it",
        ));
    }
    // OCR files: paragraphs are the text blocks, located at their elements.
    let path = match &src.origin {
        source::Origin::File { path, .. } => Some(input::compressed::inner_path(path)),
        _ => None,
    };
    let mut blocks = match ocr::detect(path.as_deref(), &data).filter(|_| records.is_none()) {
        Some(format) => Some(ocr::parse(format, &data).map_err(|e| Diagnostic::error(&src.name, e.to_string()))?),
        None => None,
    };
    let (spans, fenced, masks, notes, ocr_texts, masked) = match (blocks.as_mut(), &records) {
        (_, Some(r)) => (record_spans(r), r.fenced.clone(), Vec::new(), Vec::new(), None, None),
        (Some(blocks), None) => {
            let (fenced, notes, texts) = layout::lay_out_ocr(&data, blocks, patterns);
            let spans = blocks.iter().map(|b| Span { start: b.start, end: b.end }).collect();
            (spans, fenced, Vec::new(), notes, texts, None)
        }
        (None, None) => {
            let l = layout::lay_out_text(&data, is_markdown(&src), mode, patterns);
            (l.spans, l.fenced, l.masks, l.notes, None, l.view)
        }
    };
    let mut notes: Vec<Diagnostic> =
        notes.into_iter().map(|n| Diagnostic::note(&src.name, format!("line {}: {}", n.line, n.message))).collect();
    if let Some(r) = &records {
        notes.extend(r.diagnostics.iter().cloned());
    }
    // What matching reads: Markdown markup and pattern matches blanked.
    let view: &[u8] = masked.as_deref().unwrap_or(&data);
    let text = |i: usize| -> &[u8] {
        match (&blocks, &ocr_texts) {
            _ if records.is_some() => records.as_ref().map_or(&[][..], |r| r.paragraph(i)),
            (_, Some(texts)) => texts[i].as_bytes(),
            (Some(blocks), None) => blocks[i].text.as_bytes(),
            (None, _) => &view[spans[i].start..spans[i].end],
        }
    };
    // Per batch: each paragraph's hash and whether it matches, and the
    // normalized texts of those that do.
    let analyzed: Vec<(Vec<(u128, bool)>, Texts)> = spans
        .par_chunks(BATCH)
        .enumerate()
        .map_init(Worker::default, |w, (c, batch)| {
            let mut texts = Texts::default();
            let marks = (c * BATCH..c * BATCH + batch.len())
                .map(|i| {
                    let (hash, long) = w.paragraph(text(i), params);
                    if long {
                        texts.push(&w.normalized);
                    }
                    (hash, long)
                })
                .collect();
            (marks, texts)
        })
        .collect();
    // Paragraphs that may continue into the next one, read whole as well.
    let cut: Vec<usize> = if params.lines && blocks.is_none() && records.is_none() {
        Vec::new()
    } else {
        (0..spans.len().saturating_sub(1)).filter(|&i| !fenced[i + 1] && breaks::open_ended_bytes(text(i))).collect()
    };
    let joined: Vec<Option<(u128, String)>> =
        cut.par_iter().map_init(Worker::default, |w, &i| w.joined(text(i), text(i + 1), params)).collect();
    let mut hashes = Vec::with_capacity(spans.len());
    let mut items = Vec::new();
    let mut texts = Texts::with_capacity(analyzed.iter().map(|(_, t)| t.bytes()).sum());
    let mut joined = cut.iter().zip(joined).peekable();
    let mut i = 0usize;
    for (marks, batch) in &analyzed {
        let mut next = 0;
        for &(hash, long) in marks {
            hashes.push(hash);
            if long {
                items.push(Item { first: i as u32, last: i as u32, hash });
                texts.push(batch.get(next));
                next += 1;
            }
            if let Some((_, Some((hash, text)))) = joined.next_if(|(&c, _)| c == i) {
                items.push(Item { first: i as u32, last: i as u32 + 1, hash });
                texts.push(&text);
            }
            i += 1;
        }
    }
    drop(analyzed);
    // A stray blank line is a thing of plain text.
    let breaks = if params.check_breaks && !params.lines && blocks.is_none() && records.is_none() {
        // Across left-out text (fenced) or Markdown markup, or without a
        // blank line between (a heading and its text), no paragraph is cut.
        let blank_between = |i: usize| {
            let gap = &data[spans[i].end..spans[i + 1].start];
            !fenced[i + 1]
                && gap.iter().all(u8::is_ascii_whitespace)
                && gap.iter().filter(|&&b| b == b'\n').count() >= 2
        };
        located_breaks(&src.name, view, &spans, blank_between)
    } else {
        Vec::new()
    };
    drop(masked);
    // Inputs that cannot be read a second time keep their bytes for the report.
    let keep = !matches!(src.origin, source::Origin::File { fifo: false, .. });
    // A Parquet file has no text bytes of its own: what was scanned is the
    // text of its column.
    let bytes = match (&records, record_format) {
        (Some(r), Some(input::Format::Parquet)) => r.records.iter().map(|r| r.text.len() as u64).sum(),
        _ => data.len() as u64,
    };
    Ok(Analyzed {
        bytes,
        digest: xxh3_64(&data),
        data: keep.then(|| Arc::new(data)),
        source: src,
        spans,
        hashes,
        items,
        texts,
        breaks,
        blocks,
        fenced,
        masks,
        notes,
        records,
        compression,
    })
}

/// The byte range of every paragraph of `records`: in the raw file for JSON
/// Lines, in the record's decoded text for Parquet.
fn record_spans(records: &input::Records) -> Vec<Span> {
    records
        .paragraphs
        .iter()
        .map(|&(r, s)| match &records.records[r as usize].map {
            Some(map) => Span { start: map.raw(s.start), end: map.raw(s.end) },
            None => s,
        })
        .collect()
}

/// Whether a source is read as Markdown: a file (or in-memory text) named
/// with a Markdown extension; standard input is plain text.
fn is_markdown(src: &Source) -> bool {
    match &src.origin {
        source::Origin::File { path, .. } => markdown::is_markdown(&input::compressed::inner_path(path)),
        source::Origin::Memory(_) => {
            markdown::is_markdown(&input::compressed::inner_path(std::path::Path::new(&src.name)))
        }
        source::Origin::Stdin => false,
    }
}

/// The layout breaks of one file, with line numbers.
pub(super) fn located_breaks(
    name: &str,
    data: &[u8],
    spans: &[Span],
    blank_between: impl Fn(usize) -> bool,
) -> Vec<Break> {
    let mut cuts = breaks::cuts(data, spans);
    cuts.retain(|c| blank_between(c.para));
    let offsets: Vec<usize> = cuts.iter().map(|c| c.byte_offset).collect();
    let lines = location::positions(data, &offsets);
    cuts.into_iter()
        .zip(lines)
        .map(|(c, p)| Break {
            path: name.to_string(),
            byte_offset: c.byte_offset,
            line: p.line,
            before: c.before,
            after: c.after,
        })
        .collect()
}

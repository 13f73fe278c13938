//! What a persistent index keeps of a file, made by the same reading,
//! normalization, shingling and sketching as a scan, so that an index built
//! once answers as a scan of the same files would.
//!
//! Every matchable item (a paragraph long enough, or a cut paragraph's two
//! parts read whole) becomes an [`ItemRecord`]: its exact key (xxh3-128 of the
//! normalized text), its location, and the content hash that reports give an
//! occurrence. Beside the records, per item, lie its LSH band keys (the low 32
//! bits of the key a scan buckets it by, over the same 16-bit slots) and its
//! sketch cut to 8 bits a slot: two slots equal in 16 bits are equal in 8, so
//! an estimate from the short sketch is never below the one a scan filters
//! candidates by. And per single-paragraph item, its distinct passage
//! anchors ([`crate::passages::anchors`] of its shingles, as a scan chooses
//! them), so that a check finds the indexed files a batch paragraph may be
//! quoted in, or may quote.

use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::analyze::analyze;
use super::locate::{paragraphs_content, record_inside, SNIPPET_WIDTH};
use super::{snippet, Method, Params};
use crate::boilerplate::Patterns;
use crate::input::Inside;
use crate::location;
use crate::lsh;
use crate::minhash::OnePermutation;
use crate::passages;
use crate::shingle::Shingler;
use crate::simhash;
use crate::source::{self, Diagnostic, Source};

/// One matchable item of a file and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRecord {
    /// xxh3-128 of the normalized text.
    pub key: u128,
    /// Paragraph range (0-based, both inclusive).
    pub para_first: u32,
    pub para_last: u32,
    pub byte_start: u64,
    pub byte_end: u64,
    /// 1-based; the end is the last character, inclusive.
    pub line_start: u32,
    pub col_start: u32,
    pub line_end: u32,
    pub col_end: u32,
    /// Page of an OCR file's block (1-based); 0 for plain text.
    pub page: u32,
    /// The occurrence content hash reports give these paragraphs.
    pub content: u64,
    /// Where in a compressed file or a record the item lies, as reports
    /// say it (`None` in a plain file).
    pub inside: Option<Box<Inside>>,
}

/// One file's items, with their band keys and short sketches.
#[derive(Clone, Debug)]
pub struct FileRecord {
    /// As the user named it.
    pub name: String,
    pub bytes: u64,
    /// xxh3-64 of the file's bytes.
    pub digest: u64,
    pub paragraphs: u32,
    pub items: Vec<ItemRecord>,
    /// `bands` keys per item, item after item.
    pub band_keys: Vec<u32>,
    /// `num_perm` slots of 8 bits per item, item after item.
    pub sketches: Vec<u8>,
    /// The start of each item's text on one line, as reports show it.
    pub snippets: Vec<String>,
    /// The distinct passage anchors of each item of one paragraph (none for
    /// an item of several), sorted, item after item: item `i`'s are
    /// `anchors[anchor_ends[i - 1]..anchor_ends[i]]`.
    pub anchors: Vec<u64>,
    pub anchor_ends: Vec<usize>,
}

impl FileRecord {
    /// The distinct passage anchors of item `i`, sorted.
    pub fn item_anchors(&self, i: usize) -> &[u64] {
        let start = if i == 0 { 0 } else { self.anchor_ends[i - 1] };
        &self.anchors[start..self.anchor_ends[i]]
    }
}

/// Reads `sources` in parallel into records (MinHash parameters of
/// `params`); skipped and unreadable sources and the files' notes become
/// diagnostics.
pub fn records(sources: Vec<Source>, params: &Params) -> (Vec<FileRecord>, Vec<Diagnostic>) {
    let patterns = match Patterns::new(&params.ignore_patterns) {
        Ok(p) => p,
        Err(e) => return (Vec::new(), vec![Diagnostic::error("(options)", e)]),
    };
    let outcomes: Vec<(Option<FileRecord>, Vec<Diagnostic>)> =
        sources.into_par_iter().map(|src| record(src, params, &patterns)).collect();
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for (file, mut notes) in outcomes {
        files.extend(file);
        diagnostics.append(&mut notes);
    }
    (files, diagnostics)
}

fn record(src: Source, params: &Params, patterns: &Patterns) -> (Option<FileRecord>, Vec<Diagnostic>) {
    let mut a = match analyze(src, params, patterns) {
        Ok(a) => a,
        Err(d) => return (None, vec![d]),
    };
    let notes = std::mem::take(&mut a.notes);
    // Lines and columns need the bytes again (a scan reads them again only
    // for what it reports).
    let data: Arc<Vec<u8>> = match &a.data {
        Some(d) => d.clone(),
        None => match source::read(&a.source) {
            Ok(d) => Arc::new(d),
            Err(e) => return (None, vec![Diagnostic::error(&a.source.name, source::io_message(&e))]),
        },
    };
    if xxh3_64(&data) != a.digest {
        return (None, vec![Diagnostic::error(&a.source.name, "file changed while it was read; not indexed")]);
    }
    let mut offsets = Vec::with_capacity(a.items.len() * 2);
    for it in &a.items {
        let (start, end) = (a.spans[it.first as usize].start, a.spans[it.last as usize].end);
        offsets.push(start);
        offsets.push(location::last_char_start(&data, start, end));
    }
    let pos = location::positions(&data, &offsets);
    let banding = params.banding();
    let k = params.num_perm;
    let oph = OnePermutation::new(k, params.seed);
    let mut short = vec![0u16; k];
    let (tables, slots) = params.index_shape();
    let masks = simhash::table_masks(params.simhash_distance);
    let mut band_keys = Vec::with_capacity(a.items.len() * tables);
    let mut sketches = Vec::with_capacity(a.items.len() * slots);
    let mut items = Vec::with_capacity(a.items.len());
    let mut snippets = Vec::with_capacity(a.items.len());
    let (mut shingler, mut hashes, mut keys, mut own) = (Shingler::default(), Vec::new(), Vec::new(), Vec::new());
    let (mut anchors, mut anchor_ends) = (Vec::new(), Vec::with_capacity(a.items.len()));
    let (mut full, mut set) = (Vec::new(), Vec::new());
    for (i, it) in a.items.iter().enumerate() {
        hashes.clear();
        shingler.hashes(a.texts.get(i), params.ngram, params.seed, &mut hashes);
        if it.first == it.last {
            own.clear();
            passages::anchors(&hashes, &mut keys, &mut own);
            own.sort_unstable();
            own.dedup();
            anchors.extend_from_slice(&own);
        }
        anchor_ends.push(anchors.len());
        match params.method {
            Method::Minhash => {
                super::sketch_16_of(&oph, &hashes, &mut full, &mut short);
                sketches.extend(short.iter().map(|&v| v as u8));
                for b in 0..banding.bands {
                    let slots = &short[b * banding.rows..(b + 1) * banding.rows];
                    band_keys.push(lsh::band_key(slots, b));
                }
            }
            // The fingerprint a scan makes, and its key in every table.
            Method::Simhash => {
                // Over the shingle set, as a scan's: the hashes made above, once each.
                set.clear();
                set.extend_from_slice(&hashes);
                set.sort_unstable();
                set.dedup();
                let fp = simhash::fingerprint(&set);
                sketches.extend_from_slice(&fp.to_le_bytes());
                band_keys.extend(masks.iter().map(|&m| simhash::table_key(fp, m)));
            }
        }
        let (first, last) = (it.first as usize, it.last as usize);
        let (start, end) = (a.spans[first].start, a.spans[last].end);
        let (s, e) = (pos[2 * i], pos[2 * i + 1]);
        items.push(ItemRecord {
            key: it.hash,
            para_first: it.first,
            para_last: it.last,
            byte_start: start as u64,
            byte_end: end as u64,
            line_start: s.line as u32,
            col_start: s.col as u32,
            line_end: e.line as u32,
            col_end: e.col as u32,
            page: a.blocks.as_ref().map_or(0, |b| b[first].page),
            content: paragraphs_content(&a.hashes[first..=last]),
            inside: match &a.records {
                // A record of JSON Lines or Parquet: its row, id and range.
                Some(records) => {
                    let (r, s) = records.paragraphs[first];
                    let (_, e) = records.paragraphs[last];
                    Some(Box::new(record_inside(&a, &records.records[r as usize], s.start, e.end)))
                }
                None => a.compression.map(|c| Box::new(Inside { compression: Some(c.name()), ..Inside::default() })),
            },
        });
        snippets.push(match &a.blocks {
            Some(blocks) => {
                let text: Vec<&str> = blocks[first..=last].iter().map(|b| b.text.as_str()).collect();
                snippet(text.join("\n").as_bytes(), SNIPPET_WIDTH)
            }
            None => snippet(&data[start..end], SNIPPET_WIDTH),
        });
    }
    let file = FileRecord {
        name: a.source.name.clone(),
        bytes: a.bytes,
        digest: a.digest,
        paragraphs: a.spans.len() as u32,
        items,
        band_keys,
        sketches,
        snippets,
        anchors,
        anchor_ends,
    };
    (Some(file), notes)
}

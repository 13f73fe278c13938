//! The pipeline end to end: read → segment → normalize → exact → sketch →
//! candidates → verify → blocks → locations.
//!
//! Cheap checks run before expensive ones, as in fclones: paragraphs whose
//! normalized text hashes equal (xxh3-128) form exact groups first; only one
//! representative of each group is sketched, banded and verified, so a
//! boilerplate paragraph printed 10,000 times costs one sketch, not 10,000,
//! and no pairs. Exact groups are joined into duplicate classes around
//! centers ([`crate::cluster`]) by the verified near pairs; each file becomes
//! a sequence of class labels and [`crate::blocks`] finds the repeated runs.
//!
//! Paragraphs shorter than `min_chars` normalized characters take no part in
//! matching; inside a repeated block they are carried along, so a block is not
//! broken by a short heading between its paragraphs.
//!
//! A paragraph cut in two by a stray blank line ([`crate::breaks`]) is also
//! matched as a whole: the two parts joined are one more *item* to match. When
//! the joined item matches something and its parts do not both match on their
//! own, it takes the parts' place in the file's label sequence, so a copy
//! printed whole elsewhere is one finding with the two parts as one occurrence.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

mod analyze;
mod export;
pub mod handoff;
mod locate;
mod passage;
mod sets;
mod sketches;
mod texts;

use analyze::{analyze, Analyzed, Item};
pub use export::{records, FileRecord, ItemRecord};
use handoff::{Candidates, Exact, Handoff};
pub use locate::snippet;
use locate::{duplicated_bytes, locate_findings};
use passage::{merge_by_occurrence, passage, sorted_set};
use sets::SetCache;
use sketches::Sketches;
use texts::TextStore;

use crate::blocks::{self, Place};
use crate::boilerplate::Patterns;
use crate::cluster;
use crate::lsh::{self, Banding};
use crate::minhash::{self, OnePermutation};
use crate::ocr;
use crate::passages;
use crate::shingle::Shingler;
use crate::simhash;
use crate::source::{self, Diagnostic, Source};
use crate::verify;

/// How near-duplicate candidates are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// One-permutation MinHash with LSH banding (any threshold).
    #[default]
    Minhash,
    /// 64-bit SimHash with permuted tables (close near-duplicates only).
    Simhash,
}

/// Every parameter that changes what is found, and the memory budget of the
/// passage anchors.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Params {
    pub method: Method,
    /// Minimum verified Jaccard similarity of two paragraphs' shingle sets.
    pub threshold: f64,
    /// Shingle length in normalized characters.
    pub ngram: usize,
    /// Paragraphs with fewer normalized characters are not matched.
    pub min_chars: usize,
    /// MinHash slots per sketch.
    pub num_perm: usize,
    /// LSH banding; `None` chooses it from the threshold.
    pub banding: Option<Banding>,
    /// Maximum Hamming distance of SimHash candidates.
    pub simhash_distance: u32,
    pub seed: u64,
    /// Every non-blank line is a paragraph (instead of blank-line blocks).
    pub lines: bool,
    /// Scan files that look binary instead of skipping them.
    pub binary: bool,
    /// Also report paragraphs cut in two by a stray blank line.
    pub check_breaks: bool,
    /// Accept pairs down to `threshold - OCR_MARGIN` when their differences
    /// look like OCR noise.
    pub ocr: bool,
    /// Regular expressions whose matches in a paragraph take no part in
    /// matching ([`crate::boilerplate`]).
    pub ignore_patterns: Vec<String>,
    /// How JSON Lines and Parquet records are read ([`crate::input`]).
    pub input: crate::input::Options,
    /// Bytes of passage anchors held in memory; the rest waits in temporary
    /// files. Changes the memory a scan takes, never what it finds, so it is
    /// not part of the report.
    #[serde(skip)]
    pub postings_budget: usize,
    /// Bytes of normalized text held in memory; the texts of further files
    /// wait in a temporary file. Like `postings_budget`, changes memory and
    /// time, never what is found.
    #[serde(skip)]
    pub texts_budget: usize,
    /// Bytes of shingle sets of compared representatives held for reuse;
    /// beyond it a set is made again each time it is needed. Changes memory
    /// and time, never what is found.
    #[serde(skip)]
    pub sets_budget: usize,
    /// Bytes of MinHash sketches held in memory; beyond it they all wait in
    /// a temporary file. Changes memory and time, never what is found.
    #[serde(skip)]
    pub sketches_budget: usize,
}

pub const DEFAULT_THRESHOLD: f64 = 0.6;
const PAIR_THRESHOLD: f64 = 0.5;
/// How far below the threshold a pair may match when its differences look
/// like OCR noise ([`verify::ocr_like`]).
pub const OCR_MARGIN: f64 = 0.2;
pub const DEFAULT_NGRAM: usize = 5;
pub const DEFAULT_MIN_CHARS: usize = 20;
pub const DEFAULT_NUM_PERM: usize = 128;
pub const DEFAULT_SIMHASH_DISTANCE: u32 = 8;

impl Default for Params {
    fn default() -> Self {
        Self {
            method: Method::Minhash,
            threshold: DEFAULT_THRESHOLD,
            ngram: DEFAULT_NGRAM,
            min_chars: DEFAULT_MIN_CHARS,
            num_perm: DEFAULT_NUM_PERM,
            banding: None,
            simhash_distance: DEFAULT_SIMHASH_DISTANCE,
            seed: 0,
            lines: false,
            binary: false,
            check_breaks: false,
            ocr: true,
            ignore_patterns: Vec::new(),
            input: crate::input::Options::default(),
            postings_budget: POSTINGS_BUDGET,
            texts_budget: usize::MAX,
            sets_budget: usize::MAX,
            sketches_budget: usize::MAX,
        }
    }
}

impl Params {
    /// The banding in force: the explicit one or the one chosen for recall
    /// halfway between the OCR floor and the threshold.
    /// What an index keeps per item: band keys (one per LSH band, or per
    /// SimHash table) and sketch bytes (the MinHash slots cut to 8 bits, or
    /// the 8 bytes of the SimHash fingerprint).
    pub fn index_shape(&self) -> (usize, usize) {
        match self.method {
            Method::Minhash => (self.banding().bands, self.num_perm),
            Method::Simhash => (simhash::table_masks(self.simhash_distance).len(), 8),
        }
    }

    pub fn banding(&self) -> Banding {
        let aim = (self.ocr_floor() + self.threshold) / 2.0;
        self.banding.unwrap_or_else(|| Banding::for_threshold(self.num_perm, aim, lsh::TARGET_RECALL))
    }

    /// Lowest Jaccard similarity at which a pair can still match as a noisy
    /// copy (the threshold itself without `ocr`).
    pub fn ocr_floor(&self) -> f64 {
        if self.ocr {
            (self.threshold - OCR_MARGIN).max(0.0)
        } else {
            self.threshold
        }
    }

    /// Checks ranges; the message names the offending option.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(format!("threshold must be in (0, 1], got {}", self.threshold));
        }
        if self.ngram == 0 {
            return Err("ngram must be at least 1".into());
        }
        if self.num_perm == 0 {
            return Err("num-perm must be at least 1".into());
        }
        if let Some(b) = self.banding {
            if b.bands == 0 || b.rows == 0 || b.bands * b.rows > self.num_perm {
                return Err(format!(
                    "bands × rows must be between 1 and num-perm ({}), got {} × {}",
                    self.num_perm, b.bands, b.rows
                ));
            }
        }
        if self.simhash_distance > 30 {
            return Err(format!("simhash-distance must be at most 30, got {}", self.simhash_distance));
        }
        Patterns::new(&self.ignore_patterns)?;
        Ok(())
    }
}

/// Receives progress from a running scan. The library never draws anything;
/// the binary implements this with a progress bar.
pub trait Observer: Sync {
    /// A stage starts; `total` is its amount of work in `unit`s, if known.
    fn stage(&self, _name: &'static str, _total: Option<u64>, _unit: Unit) {}
    /// `n` more units of the current stage are done.
    fn advance(&self, _n: u64) {}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Items,
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// Exact: every paragraph of every occurrence has the same normalized text;
/// near: similar blocks of whole paragraphs; containment and passage: parts
/// of paragraphs ([`crate::passages`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Exact,
    Near,
    /// A paragraph found whole inside a longer one (the second and further
    /// occurrences are the passages inside the longer paragraphs).
    Containment,
    /// A passage shared by two otherwise different paragraphs.
    Passage,
}

/// One place where a repeated block occurs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Occurrence {
    /// Index into [`ScanResult::files`].
    #[serde(skip)]
    pub file: usize,
    pub path: String,
    pub byte_start: usize,
    pub byte_end: usize,
    pub line_start: usize,
    pub col_start: usize,
    /// Position of the last character (inclusive).
    pub line_end: usize,
    pub col_end: usize,
    /// Paragraph indices (0-based, per file), both inclusive.
    pub para_start: usize,
    pub para_end: usize,
    /// Page of an OCR file's first block of the occurrence (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Box `[x, y, width, height]` on that page around the occurrence's
    /// blocks there, in the OCR file's units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[i64; 4]>,
    /// The start of the text on one line, for human readers.
    #[serde(skip)]
    pub snippet: String,
    /// For a part of a paragraph: its normalized character range, turned
    /// into the byte range when locations are filled in.
    #[serde(skip)]
    pub part: Option<(usize, usize)>,
    /// The occurrence is a passage inside a longer paragraph.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// Compression, record and field range of an archive input.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub inside: Option<Box<crate::input::Inside>>,
    /// What the occurrence says, independent of where it stands: a hash of
    /// its paragraphs' normalized texts (of the passage alone for a part of
    /// a paragraph), 16 hex digits.
    pub content: String,
}

/// A block of paragraphs found at two or more places.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub id: usize,
    pub kind: Kind,
    /// Lowest verified Jaccard similarity between occurrences (1 for exact).
    pub similarity: f64,
    /// Matched paragraphs in the block.
    pub paragraphs: usize,
    /// Identifies the finding across edits that only move text: a hash of
    /// every occurrence's path and content, in order, 16 hex digits. Moving
    /// a copy within its file keeps it; a new copy, a copy in another file
    /// or a changed copy makes another one. Baselines match on it.
    pub fingerprint: String,
    pub occurrences: Vec<Occurrence>,
}

impl Finding {
    /// The fingerprint of occurrences with these paths and contents.
    pub fn fingerprint_of<'a>(occurrences: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
        let mut keys: Vec<(&str, &str)> = occurrences.into_iter().collect();
        keys.sort_unstable();
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (path, content) in keys {
            // Lengths first, so no two lists give the same byte stream.
            h.update(&(path.len() as u64).to_le_bytes());
            h.update(path.as_bytes());
            h.update(content.as_bytes());
        }
        format!("{:016x}", h.digest())
    }
}

/// A file that was scanned.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileInfo {
    pub path: String,
    pub bytes: u64,
    pub paragraphs: usize,
    /// The bytes of an input that cannot be read a second time (standard
    /// input, a FIFO, bytes handed over in memory), for reports that show
    /// the text of occurrences; `None` for a regular file.
    #[serde(skip)]
    pub data: Option<Arc<Vec<u8>>>,
}

/// Counts and timings of one scan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub bytes: u64,
    pub paragraphs: usize,
    /// Items that took part in matching: paragraphs long enough, and cut
    /// paragraphs read whole.
    pub matchable: usize,
    pub exact_groups: usize,
    pub sketched: usize,
    pub candidate_pairs: usize,
    pub verified_pairs: usize,
    pub findings: usize,
    pub breaks: usize,
    pub exact_findings: usize,
    pub near_findings: usize,
    pub containment_findings: usize,
    pub passage_findings: usize,
    /// Bytes inside second and further copies (each byte counted once).
    pub duplicated_bytes: u64,
    pub errors: usize,
    pub skipped: usize,
    /// JSON Lines and Parquet records skipped as bad ([`crate::input`]).
    pub bad_records: usize,
    /// Findings left out because a baseline accepts them.
    pub accepted: usize,
    /// Paths left out by exclusion globs.
    pub excluded: usize,
    /// Seconds per stage, in pipeline order.
    pub timings: Vec<(&'static str, f64)>,
    /// Resident memory of the process at the end of each stage and its peak
    /// so far (empty where the platform does not tell it).
    pub memory: Vec<(&'static str, crate::rss::Resident)>,
    pub elapsed: f64,
}

impl Summary {
    /// Sets the finding counts and duplicated bytes from `findings`.
    pub fn count(&mut self, findings: &[Finding], files: usize) {
        let of = |kind: Kind| findings.iter().filter(|f| f.kind == kind).count();
        self.findings = findings.len();
        self.exact_findings = of(Kind::Exact);
        self.near_findings = of(Kind::Near);
        self.containment_findings = of(Kind::Containment);
        self.passage_findings = of(Kind::Passage);
        self.duplicated_bytes = duplicated_bytes(findings, files);
    }

    /// Duplicated bytes as a percentage of scanned bytes.
    pub fn duplicated_percent(&self) -> f64 {
        if self.bytes == 0 {
            0.0
        } else {
            100.0 * self.duplicated_bytes as f64 / self.bytes as f64
        }
    }
}

/// Everything a report needs.
#[derive(Clone, Debug)]
pub struct ScanResult {
    pub params: Params,
    pub banding: Banding,
    pub files: Vec<FileInfo>,
    pub findings: Vec<Finding>,
    /// Layout breaks, with `check_breaks`, in file order.
    pub breaks: Vec<Break>,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
}

/// A paragraph cut in two by a stray blank line (see [`crate::breaks`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Break {
    pub path: String,
    /// Where the stray blank line starts.
    pub byte_offset: usize,
    /// 1-based line of the stray blank line.
    pub line: usize,
    pub before: String,
    pub after: String,
}

impl ScanResult {
    /// Whether anything was found that fails a check: duplicates, or breaks
    /// when they were asked for.
    pub fn found_anything(&self) -> bool {
        !self.findings.is_empty() || !self.breaks.is_empty()
    }

    /// Keeps only the findings for which `keep` holds, numbers them again
    /// from 1 and counts them again (kinds and duplicated bytes); returns
    /// how many were left out.
    pub fn retain_findings(&mut self, mut keep: impl FnMut(&Finding) -> bool) -> usize {
        let before = self.findings.len();
        self.findings.retain(|f| keep(f));
        for (i, f) in self.findings.iter_mut().enumerate() {
            f.id = i + 1;
        }
        self.summary.count(&self.findings, self.files.len());
        before - self.findings.len()
    }

    /// Whether any path could not be scanned.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == source::Severity::Error)
    }
}

/// Scans `sources` (see [`source::discover`]) with `params`.
/// How far below the lowest similarity verification accepts a pair's
/// MinHash estimate may lie before the pair is not verified: 0.2 is 4.6
/// standard deviations of a 128-slot estimate at Jaccard 0.4, so a pair that
/// could be accepted is dropped about twice in a million.
pub const SKETCH_MARGIN: f64 = 0.2;

/// Paragraphs after a short heading that may restate it (headline,
/// subheading or byline, lead).
const HEADING_REACH: u32 = 3;

/// Memory for the list of passage anchors; beyond it, they wait in
/// temporary files.
pub const POSTINGS_BUDGET: usize = 2 << 30;

/// Shingling buffers of a worker thread: the shingler, shingle hashes,
/// anchor keys, sketch slots.
type Scratch = (Shingler, Vec<u64>, Vec<u64>, Vec<u32>);

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = Default::default();
    /// A text's passage anchors, made with its sketch.
    static ANCHORS: std::cell::RefCell<Vec<u64>> = Default::default();
}

/// `single_of` of a representative that is not a single paragraph.
const NOT_SINGLE: u32 = u32::MAX;

pub fn scan(
    sources: Vec<Source>,
    diagnostics: Vec<Diagnostic>,
    params: &Params,
    observer: &dyn Observer,
) -> ScanResult {
    scan_with(sources, diagnostics, params, observer, &handoff::Local)
}

/// [`scan`] whose candidate pairs `handoff` may supply from outside, or
/// whose run it may end after the exact groups ([`handoff`]).
pub fn scan_with(
    sources: Vec<Source>,
    mut diagnostics: Vec<Diagnostic>,
    params: &Params,
    observer: &dyn Observer,
    handoff: &dyn Handoff,
) -> ScanResult {
    let started = Instant::now();
    let mut timings: Vec<(&'static str, f64)> = Vec::new();
    let mut memory: Vec<(&'static str, crate::rss::Resident)> = Vec::new();
    let mut lap = |name: &'static str, since: &mut Instant| {
        timings.push((name, since.elapsed().as_secs_f64()));
        if let Some(r) = crate::rss::resident() {
            memory.push((name, r));
        }
        *since = Instant::now();
    };
    let mut t = Instant::now();
    let banding = params.banding();
    let (patterns, sources) = match Patterns::new(&params.ignore_patterns) {
        Ok(p) => (p, sources),
        Err(e) => {
            diagnostics.push(Diagnostic::error("(options)", e));
            (Patterns::default(), Vec::new())
        }
    };

    // read, segment, normalize, shingle
    let total_bytes: u64 = sources.iter().map(source_len).sum();
    observer.stage("read", Some(total_bytes), Unit::Bytes);
    let store = TextStore::new(params.texts_budget);
    let outcomes: Vec<Result<Analyzed, Diagnostic>> = sources
        .into_par_iter()
        .map(|src| {
            let mut r = analyze(src, params, &patterns);
            if let Ok(a) = &mut r {
                store.admit(&mut a.texts);
            }
            observer.advance(r.as_ref().map_or(0, |a| a.bytes));
            r
        })
        .collect();
    let mut files: Vec<Analyzed> = Vec::new();
    let mut skipped = 0;
    for o in outcomes {
        match o {
            Ok(mut a) => {
                diagnostics.append(&mut a.notes);
                files.push(a);
            }
            Err(d) => {
                skipped += usize::from(d.severity == source::Severity::Note);
                diagnostics.push(d);
            }
        }
    }
    lap("read", &mut t);

    // exact groups
    observer.stage("exact", None, Unit::Items);
    let offsets: Vec<usize> = files
        .iter()
        .scan(0usize, |acc, f| {
            let o = *acc;
            *acc += f.items.len();
            Some(o)
        })
        .collect();
    let n_items: usize = files.iter().map(|f| f.items.len()).sum();
    // Where every item is: file and paragraph range.
    let mut place_of: Vec<(u32, u32, u32)> = Vec::with_capacity(n_items);
    let mut keyed: Vec<(u128, u32)> = Vec::with_capacity(n_items);
    for (fi, f) in files.iter().enumerate() {
        for (li, item) in f.items.iter().enumerate() {
            keyed.push((item.hash, (offsets[fi] + li) as u32));
            place_of.push((fi as u32, item.first, item.last));
        }
    }
    keyed.par_sort_unstable();
    // rep_of[g]: index into `reps` of the representative (first member) of
    // g's exact group. Groups are numbered in the order of their first
    // member, not of their hash: the stages after this one go through the
    // representatives in order, and so read their texts front to back
    // instead of at random places (a cache and TLB miss per text).
    let mut rep_of: Vec<u32> = vec![0; n_items];
    let mut groups = 0u32;
    for group in keyed.chunk_by(|a, b| a.0 == b.0) {
        for &(_, g) in group {
            rep_of[g as usize] = groups;
        }
        groups += 1;
    }
    drop(keyed);
    let mut renumbered = vec![u32::MAX; groups as usize];
    let mut reps: Vec<u32> = Vec::with_capacity(groups as usize);
    for (g, r) in rep_of.iter_mut().enumerate() {
        let new = &mut renumbered[*r as usize];
        if *new == u32::MAX {
            *new = reps.len() as u32;
            reps.push(g as u32);
        }
        *r = *new;
    }
    drop(renumbered);
    // Members of every exact group, group by group, ascending:
    // members[group_start[r]..group_start[r + 1]].
    let mut group_start: Vec<u32> = vec![0; reps.len() + 1];
    for &r in &rep_of {
        group_start[r as usize + 1] += 1;
    }
    for r in 0..reps.len() {
        group_start[r + 1] += group_start[r];
    }
    let mut members: Vec<u32> = vec![0; n_items];
    let mut fill = group_start.clone();
    for (g, &r) in rep_of.iter().enumerate() {
        members[fill[r as usize] as usize] = g as u32;
        fill[r as usize] += 1;
    }
    drop(fill);
    // A representative's normalized text, where its file keeps it; its
    // shingle set, made when first needed (verification and reports need
    // the sets of few representatives: holding all would take eight bytes
    // per character of the corpus).
    let rep_text = |r: u32| -> std::borrow::Cow<'_, str> {
        let g = reps[r as usize] as usize;
        let fi = place_of[g].0 as usize;
        store.get(&files[fi].texts, g - offsets[fi])
    };
    lap("exact", &mut t);

    let exact = Exact { files: &files, offsets: &offsets, reps: &reps, rep_of: &rep_of, text: &rep_text, params };
    let supplied = handoff.candidates(&exact, observer).unwrap_or_else(|d| {
        diagnostics.push(d);
        Candidates::Stop
    });
    let supplied = match supplied {
        Candidates::Local => None,
        Candidates::Supplied(pairs) => Some(pairs),
        Candidates::Stop => {
            let summary = Summary {
                matchable: n_items,
                exact_groups: reps.len(),
                skipped,
                timings,
                memory,
                elapsed: started.elapsed().as_secs_f64(),
                ..Summary::default()
            };
            return result_of(params, banding, files, Vec::new(), diagnostics, summary);
        }
    };

    // The representatives that are single paragraphs, which the passage
    // stage searches, and the number of each among them.
    let singles: Vec<u32> = (0..reps.len() as u32)
        .filter(|&r| {
            let (_, first, last) = place_of[reps[r as usize] as usize];
            first == last
        })
        .collect();
    let mut single_of = vec![NOT_SINGLE; reps.len()];
    for (x, &r) in singles.iter().enumerate() {
        single_of[r as usize] = x as u32;
    }

    // sketch + candidates, and the passage anchors when they are made with
    // the sketches
    observer.stage("sketch", Some(reps.len() as u64), Unit::Items);
    let (pairs, collected): (Vec<(u32, u32)>, Option<passages::Collector>) = match (supplied, params.method) {
        (Some(pairs), _) => (pairs, None),
        (None, Method::Minhash) => {
            let k = params.num_perm;
            let oph = OnePermutation::new(k, params.seed);
            // The passage anchors of the single paragraphs are collected from
            // the shingle hashes made here, instead of shingling the texts
            // again in the passage stage.
            let collector = passages::Collector::new(singles.len(), params.postings_budget);
            let (sketches, unspilled) = Sketches::make(reps.len(), k, banding, params.sketches_budget, |r, out| {
                sketch_16_then(&oph, &rep_text(r as u32), params, out, |hashes, keys| {
                    let x = single_of[r];
                    if x != NOT_SINGLE {
                        ANCHORS.with_borrow_mut(|anchors| {
                            anchors.clear();
                            passages::anchors(hashes, keys, anchors);
                            collector.add(x as usize, anchors);
                        });
                    }
                });
                observer.advance(1);
            });
            if let Some(e) = unspilled {
                diagnostics.push(Diagnostic::note(
                    "(temporary files)",
                    format!("sketches kept in memory beyond the budget: temporary sketch file: {e}"),
                ));
            }
            lap("sketch", &mut t);
            observer.stage("candidates", None, Unit::Items);
            // A band collision says little about pairs of common words; the
            // sketch estimate, far below what verification can accept, says
            // more, and costs 128 comparisons instead of a merge of two sets.
            let least = params.ocr_floor() - SKETCH_MARGIN;
            let p = sketches.candidate_pairs(|a, b| minhash::estimate(a, b) >= least);
            if let Some(e) = sketches.failure() {
                diagnostics.push(Diagnostic::error(
                    "(temporary files)",
                    format!(
                        "some band collisions could not be judged, findings may be missing: temporary sketch files: {e}"
                    ),
                ));
            }
            lap("candidates", &mut t);
            (p, Some(collector))
        }
        (None, Method::Simhash) => {
            let fps: Vec<u64> = (0..reps.len() as u32)
                .into_par_iter()
                .map_init(Shingler::default, |shingler, r| {
                    observer.advance(1);
                    simhash::fingerprint(&shingler.set(&rep_text(r), params.ngram, params.seed))
                })
                .collect();
            lap("sketch", &mut t);
            observer.stage("candidates", None, Unit::Items);
            let p = simhash::candidate_pairs(&fps, params.simhash_distance);
            lap("candidates", &mut t);
            (p, None)
        }
    };

    // The anchors collected with the sketches are sorted and walked before
    // verification makes its shingle sets: what the walk keeps is far
    // smaller than the anchors, and their memory goes to the sets.
    drop(single_of);
    let walked = collected.map(|collector| {
        observer.stage("anchors", None, Unit::Items);
        let walked = collector.walk();
        lap("anchors", &mut t);
        walked
    });

    // verify
    observer.stage("verify", Some(pairs.len() as u64), Unit::Items);
    let rep_sets = SetCache::new(&pairs, params.sets_budget, |r| {
        SCRATCH.with_borrow_mut(|(shingler, _, _, _)| shingler.set(&rep_text(r), params.ngram, params.seed))
    });
    let rep_set = |r: u32| rep_sets.get(r);
    // Verified: Jaccard reaches `min`, or reaches the OCR floor and the
    // texts differ only as OCR output does.
    let floor = params.ocr_floor();
    let accept = |a: u32, b: u32, min: f64| match verify::jaccard_at_least(&rep_set(a), &rep_set(b), floor.min(min)) {
        Some(j) => j >= min || verify::ocr_like(&rep_text(a), &rep_text(b)),
        None => false,
    };
    // Two items of one file that share a paragraph (a cut paragraph's part
    // and the joined whole) never match each other. Groups match when some
    // copy of one and some copy of the other are apart (a look at the first
    // few copies of each decides).
    let overlap = |a: u32, b: u32| {
        let copies = |r: u32| {
            let (s, e) = (group_start[r as usize] as usize, group_start[r as usize + 1] as usize);
            &members[s..e.min(s + 8)]
        };
        copies(a).iter().all(|&x| {
            let (fa, a0, a1) = place_of[x as usize];
            copies(b).iter().all(|&y| {
                let (fb, b0, b1) = place_of[y as usize];
                fa == fb && a0 <= b1 && b0 <= a1
            })
        })
    };
    let verified: Vec<(u32, u32)> = pairs
        .par_chunks(4096)
        .flat_map_iter(|chunk| {
            observer.advance(chunk.len() as u64);
            chunk.iter().filter(|&&(a, b)| !overlap(a, b) && accept(a, b, params.threshold)).copied()
        })
        .collect();
    let similarity = |a: u32, b: u32| verify::jaccard(&rep_set(a), &rep_set(b));
    let class_of_rep = cluster::centers(reps.len(), &verified, similarity, |a, b| accept(a, b, params.threshold));
    let mut class_of_rep = cluster::coherent(&class_of_rep, similarity, |a, b| accept(a, b, PAIR_THRESHOLD));
    lap("verify", &mut t);

    // blocks
    observer.stage("blocks", None, Unit::Items);
    let class = |g: usize| class_of_rep[rep_of[g] as usize];
    let mut size = vec![0u32; reps.len()];
    for g in 0..n_items {
        size[class(g) as usize] += 1;
    }
    // Per file, the items that stand for its paragraphs: a joined item
    // replaces its two parts when it matches and they do not both match.
    // Representatives by class: class_members[class_start[c]..class_start[c + 1]].
    let mut class_start = vec![0usize; reps.len() + 1];
    for &c in &class_of_rep {
        class_start[c as usize + 1] += 1;
    }
    for c in 0..reps.len() {
        class_start[c + 1] += class_start[c];
    }
    let mut class_members = vec![0u32; reps.len()];
    let mut fill = class_start.clone();
    for (r, &c) in class_of_rep.iter().enumerate() {
        class_members[fill[c as usize]] = r as u32;
        fill[c as usize] += 1;
    }
    let chosen: Vec<Vec<u32>> = files
        .iter()
        .enumerate()
        .map(|(fi, f)| {
            let class_of = |li: usize| Some(class(offsets[fi] + li)).filter(|&c| size[c as usize] > 1);
            // How well an item matches the rest of its class, leaving out its
            // rival (the joined item and its part overlap, so they are no
            // match for each other; an exact copy of either elsewhere is).
            let best = |x: u32, rival: u32| {
                let copies = |r: u32| group_start[r as usize + 1] - group_start[r as usize];
                let own: f64 = if copies(x) > 1 { 1.0 } else { 0.0 };
                let rival_copy = if copies(rival) > 1 { similarity(x, rival) } else { 0.0 };
                let c = class_of_rep[x as usize] as usize;
                class_members[class_start[c]..class_start[c + 1]]
                    .iter()
                    .filter(|&&r| r != x && r != rival)
                    .map(|&r| similarity(x, r))
                    .fold(own.max(rival_copy), f64::max)
            };
            let closer = |joined: usize, part: usize| {
                let (j, p) = (rep_of[offsets[fi] + joined], rep_of[offsets[fi] + part]);
                best(j, p) > best(p, j)
            };
            choose_items(&f.items, &f.fenced, class_of, closer, offsets[fi] as u32)
        })
        .collect();
    // A paragraph whose class was formed around an item that is not used
    // (a joined whole that lost to its parts) goes to a used neighbour's.
    let mut present = vec![0u32; reps.len()];
    let used = || chosen.iter().flatten().copied().filter(|&g| g != FENCE);
    for g in used() {
        present[rep_of[g as usize] as usize] += 1;
    }
    cluster::adopt_orphans(&mut class_of_rep, &present, &verified, similarity, |a, b| accept(a, b, PAIR_THRESHOLD));
    let class = |g: usize| class_of_rep[rep_of[g] as usize];
    let mut size = vec![0u32; reps.len()];
    for g in used() {
        size[class(g as usize) as usize] += 1;
    }
    let sequences: Vec<Vec<Option<u32>>> = chosen
        .iter()
        .map(|items| {
            items
                .iter()
                .map(|&g| {
                    let c = (g != FENCE).then(|| class(g as usize));
                    c.filter(|&c| size[c as usize] > 1)
                })
                .collect()
        })
        .collect();
    let repeats = blocks::repeats(&sequences);
    let set_of = |g: u32| rep_set(rep_of[g as usize]);
    let range_of = |g: u32| -> (usize, usize) {
        let (_, first, last) = place_of[g as usize];
        (first as usize, last as usize)
    };
    let mut findings: Vec<Finding> =
        repeats.par_iter().map(|r| finding(r, &files, &chosen, range_of, set_of)).collect();
    // Passages are aligned on shingles in text order, not on these sets.
    drop(rep_sets);
    lap("blocks", &mut t);

    // passages: containment and shared passages between single paragraphs
    // that matched nothing alike.
    observer.stage("passages", None, Unit::Items);
    let mut label_of: Vec<Vec<Option<u32>>> = files.iter().map(|f| vec![None; f.spans.len()]).collect();
    for (fi, (items, labels)) in chosen.iter().zip(&sequences).enumerate() {
        for (&g, &label) in items.iter().zip(labels).filter(|(&g, _)| g != FENCE) {
            let (first, last) = range_of(g);
            label_of[fi][first..=last].fill(label);
        }
    }
    // Two singles are searched for a shared passage unless their paragraphs
    // already match alike (two singles are never one paragraph: each is the
    // representative of another exact group).
    let place = |x: u32| {
        let (f, p, _) = place_of[reps[singles[x as usize] as usize] as usize];
        (f, p)
    };
    let label = |x: u32| {
        let (f, p) = place(x);
        label_of[f as usize][p as usize]
    };
    // The anchor list is kept in memory up to POSTINGS_BUDGET; the rest
    // waits in temporary files. The anchors of a text are made again only
    // for the pairs checked for containment.
    let anchors_of = |i: usize, out: &mut Vec<u64>| {
        SCRATCH.with_borrow_mut(|(shingler, hashes, keys, _)| {
            hashes.clear();
            shingler.hashes(&rep_text(singles[i]), params.ngram, params.seed, hashes);
            passages::anchors(hashes, keys, out);
        })
    };
    let passage_pairs = match walked {
        Some(walked) => walked.map(|w| w.pairs(anchors_of, label)),
        None => passages::candidate_pairs_of(singles.len(), params.postings_budget, anchors_of, label),
    }
    .unwrap_or_else(|e| {
        diagnostics.push(Diagnostic::error(
            "(temporary files)",
            format!("containment and passages not searched: temporary anchor file: {e}"),
        ));
        Vec::new()
    });
    // Pairs come sorted by their first paragraph: its shingle hashes in text
    // order are made once per group and the other's once per pair, so none
    // are held beyond the pairs that use them.
    let passage_findings: Vec<Finding> = passage_pairs
        .par_chunk_by(|p, q| p.0 == q.0)
        .map_init(Shingler::default, |shingler, group| {
            let (mut hx, mut hy): (Option<Vec<u64>>, Vec<u64>) = (None, Vec::new());
            group
                .iter()
                .filter_map(|&(x, y, _)| {
                    let (rx, ry) = (singles[x as usize], singles[y as usize]);
                    let ((fx, px), (fy, py)) = (place(x), place(y));
                    let hx = hx.get_or_insert_with(|| {
                        let mut out = Vec::new();
                        shingler.hashes(&rep_text(rx), params.ngram, params.seed, &mut out);
                        out
                    });
                    hy.clear();
                    shingler.hashes(&rep_text(ry), params.ngram, params.seed, &mut hy);
                    let shared = passage(&rep_text(rx), hx, &rep_text(ry), &hy, &sorted_set(&hy), params.ngram)?;
                    // A heading restated by the paragraph right after it, or by one
                    // of the few after it when the heading is short (headline,
                    // byline, lead), is layout, not a quoted passage.
                    let (inner, outer) = if shared.x.is_none() { ((fx, px), (fy, py)) } else { ((fy, py), (fx, px)) };
                    let heading = |r: u32| rep_text(r).chars().count() < passage::PASSAGE_MIN_CHARS;
                    let after = outer.1.wrapping_sub(inner.1);
                    let inner_rep = if shared.x.is_none() { rx } else { ry };
                    if shared.kind == Kind::Containment
                        && inner.0 == outer.0
                        && (after == 1 || (after <= HEADING_REACH && heading(inner_rep)))
                    {
                        return None;
                    }
                    let occurrence = |f: u32, p: u32, part: Option<(usize, usize)>| {
                        let a = &files[f as usize];
                        let span = a.spans[p as usize];
                        Occurrence {
                            file: f as usize,
                            path: a.source.name.clone(),
                            byte_start: span.start,
                            byte_end: span.end,
                            line_start: 0,
                            col_start: 0,
                            line_end: 0,
                            col_end: 0,
                            para_start: p as usize,
                            para_end: p as usize,
                            page: a.blocks.as_ref().map(|b| b[p as usize].page),
                            bbox: a.blocks.as_ref().map(|b| b[p as usize].bbox),
                            snippet: String::new(),
                            content: String::new(),
                            // Inside OCR blocks the element is the finest location.
                            part: if a.blocks.is_some() { None } else { part },
                            partial: part.is_some(),
                            inside: None,
                        }
                    };
                    let occurrences = vec![occurrence(fx, px, shared.x), occurrence(fy, py, shared.y)];
                    Some(Finding {
                        id: 0,
                        kind: shared.kind,
                        similarity: shared.similarity,
                        paragraphs: 1,
                        fingerprint: String::new(),
                        occurrences,
                    })
                })
                .collect::<Vec<_>>()
        })
        .flatten_iter()
        .collect();
    findings.extend(merge_by_occurrence(passage_findings));
    let [write, read] = store.failures();
    if let Some(e) = write {
        diagnostics.push(Diagnostic::note(
            "(temporary files)",
            format!("normalized texts kept in memory beyond the budget: temporary text file: {e}"),
        ));
    }
    if let Some(e) = read {
        diagnostics.push(Diagnostic::error(
            "(temporary files)",
            format!("some texts could not be read back, findings may be missing: temporary text file: {e}"),
        ));
    }
    lap("passages", &mut t);

    // locations
    observer.stage("report", None, Unit::Items);
    locate_findings(&mut findings, &files, &mut diagnostics);
    findings.retain(|f| f.occurrences.len() >= 2);
    let kind_order = |k: Kind| k as u8;
    findings.sort_by(|a, b| {
        let (x, y) = (&a.occurrences[0], &b.occurrences[0]);
        (x.file, x.byte_start, std::cmp::Reverse(x.byte_end), kind_order(a.kind))
            .cmp(&(y.file, y.byte_start, std::cmp::Reverse(y.byte_end), kind_order(b.kind)))
            .then_with(|| {
                let key =
                    |f: &Finding| f.occurrences.iter().map(|o| (o.file, o.byte_start, o.byte_end)).collect::<Vec<_>>();
                key(a).cmp(&key(b))
            })
    });
    for (i, f) in findings.iter_mut().enumerate() {
        f.id = i + 1;
    }
    lap("locate", &mut t);

    let summary = Summary {
        matchable: n_items,
        exact_groups: reps.len(),
        sketched: reps.len(),
        candidate_pairs: pairs.len(),
        verified_pairs: verified.len(),
        skipped,
        bad_records: files.iter().map(|f| f.records.as_ref().map_or(0, |r| r.bad)).sum(),
        timings,
        memory,
        elapsed: started.elapsed().as_secs_f64(),
        ..Summary::default()
    };
    result_of(params, banding, files, findings, diagnostics, summary)
}

/// The result of a scan of `files`: `summary` completed with the counts of
/// files, bytes, paragraphs, breaks, errors and findings.
fn result_of(
    params: &Params,
    banding: Banding,
    mut files: Vec<Analyzed>,
    findings: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
    summary: Summary,
) -> ScanResult {
    let mut summary = Summary {
        files: files.len(),
        bytes: files.iter().map(|f| f.bytes).sum(),
        paragraphs: files.iter().map(|f| f.spans.len()).sum(),
        breaks: files.iter().map(|f| f.breaks.len()).sum(),
        errors: diagnostics.iter().filter(|d| d.severity == source::Severity::Error).count(),
        ..summary
    };
    summary.count(&findings, files.len());
    let file_infos = files
        .iter()
        .map(|f| FileInfo {
            path: f.source.name.clone(),
            bytes: f.bytes,
            paragraphs: f.spans.len(),
            data: f.data.clone(),
        })
        .collect();
    let breaks = files.iter_mut().flat_map(|f| std::mem::take(&mut f.breaks)).collect();
    ScanResult { params: params.clone(), banding, files: file_infos, findings, breaks, diagnostics, summary }
}

/// MinHash sketches of `n` representatives' texts, `num_perm` slots each,
/// one after another. Slots are kept as their low 16 bits: half the memory
/// (the largest array of this stage), and two different values agree by
/// chance once in 65,536 slots, which moves an estimate by at most 1.5e-5.
fn minhash_sketches<'a>(
    n: usize,
    text: &(dyn Fn(u32) -> std::borrow::Cow<'a, str> + Sync),
    params: &Params,
    observer: &dyn Observer,
) -> Vec<u16> {
    let k = params.num_perm;
    let oph = OnePermutation::new(k, params.seed);
    let mut sketches = vec![0u16; n * k];
    sketches.par_chunks_mut(k).enumerate().for_each(|(r, out)| {
        sketch_16(&oph, &text(r as u32), params, out);
        observer.advance(1);
    });
    sketches
}

/// The MinHash sketch of `text` into `out`, its slots kept as their low 16
/// bits: half the memory (the largest array of the candidate stages), and
/// two different values agree by chance once in 65,536 slots, which moves
/// an estimate by at most 1.5e-5.
fn sketch_16(oph: &OnePermutation, text: &str, params: &Params, out: &mut [u16]) {
    sketch_16_then(oph, text, params, out, |_, _| ());
}

/// [`sketch_16`], then `then` of the text's shingle hashes (in text order)
/// and a scratch vector.
fn sketch_16_then(
    oph: &OnePermutation,
    text: &str,
    params: &Params,
    out: &mut [u16],
    then: impl FnOnce(&[u64], &mut Vec<u64>),
) {
    SCRATCH.with_borrow_mut(|(shingler, hashes, keys, full)| {
        hashes.clear();
        shingler.hashes(text, params.ngram, params.seed, hashes);
        sketch_16_of(oph, hashes, full, out);
        then(hashes, keys);
    });
}

/// [`sketch_16`] of a text's shingle hashes; `full` is scratch space.
fn sketch_16_of(oph: &OnePermutation, hashes: &[u64], full: &mut Vec<u32>, out: &mut [u16]) {
    full.resize(out.len(), 0);
    oph.sketch_into(hashes.iter().copied(), full);
    for (o, &v) in out.iter_mut().zip(full.iter()) {
        *o = v as u16;
    }
}

fn source_len(s: &Source) -> u64 {
    match &s.origin {
        source::Origin::File { path, fifo: false } => std::fs::metadata(path).map_or(0, |m| m.len()),
        _ => 0,
    }
}

/// Stands in a file's item sequence where left-out text lies between two
/// items: it has no class, so no repeated block runs across it.
const FENCE: u32 = u32::MAX;

/// The items that stand for a file's paragraphs in its label sequence, as
/// global ids (`base` + index), with a [`FENCE`] wherever `fenced` says text
/// was left out between two of them: every single-paragraph item, except that a
/// joined item with a duplicate class replaces its two parts when each part
/// either has no duplicate class, or has the joined item's class and
/// `closer(joined, part)` says the joined item is the better match for it
/// (a part's match is never traded for a different or weaker one, and an
/// unrelated neighbour is not pulled into a match).
fn choose_items(
    items: &[Item],
    fenced: &[bool],
    class_of: impl Fn(usize) -> Option<u32>,
    closer: impl Fn(usize, usize) -> bool,
    base: u32,
) -> Vec<u32> {
    let index: std::collections::HashMap<(u32, u32), usize> =
        items.iter().enumerate().map(|(i, it)| ((it.first, it.last), i)).collect();
    let mut out = Vec::new();
    let mut next_para = 0u32;
    for (i, it) in items.iter().enumerate() {
        if it.first < next_para {
            continue;
        }
        if fenced[next_para as usize..=it.first as usize].contains(&true) && out.last().is_some_and(|&g| g != FENCE) {
            out.push(FENCE);
        }
        let joined = index.get(&(it.first, it.first + 1)).and_then(|&j| class_of(j).map(|c| (j, c)));
        let agrees = |part: Option<&usize>, j: usize, c: u32| match part.map(|&p| (p, class_of(p))) {
            None | Some((_, None)) => true,
            Some((p, Some(pc))) => pc == c && closer(j, p),
        };
        match joined {
            Some((j, c))
                if agrees(index.get(&(it.first, it.first)), j, c)
                    && agrees(index.get(&(it.first + 1, it.first + 1)), j, c) =>
            {
                out.push(base + j as u32);
                next_para = it.first + 2;
            }
            _ if it.first == it.last => {
                out.push(base + i as u32);
                next_para = it.first + 1;
            }
            _ => {}
        }
    }
    out
}

/// Builds the finding of one repeat (locations filled in later). `chosen`
/// maps a file's sequence positions to items, `range_of` an item to its
/// paragraphs, `set_of` an item to its shingle set.
fn finding<'a>(
    r: &blocks::Repeat,
    files: &[Analyzed],
    chosen: &[Vec<u32>],
    range_of: impl Fn(u32) -> (usize, usize),
    set_of: impl Fn(u32) -> Cow<'a, [u64]>,
) -> Finding {
    let items = |p: &Place| &chosen[p.file as usize][p.start as usize..(p.start + r.len) as usize];
    let occurrences: Vec<Occurrence> = r
        .places
        .iter()
        .map(|p| {
            let f = &files[p.file as usize];
            let block = items(p);
            let first = range_of(block[0]).0;
            let last = range_of(block[block.len() - 1]).1;
            Occurrence {
                file: p.file as usize,
                path: f.source.name.clone(),
                byte_start: f.spans[first].start,
                byte_end: f.spans[last].end,
                line_start: 0,
                col_start: 0,
                line_end: 0,
                col_end: 0,
                para_start: first,
                para_end: last,
                page: f.blocks.as_ref().map(|b| b[first].page),
                bbox: f.blocks.as_ref().map(|b| page_box(&b[first..=last])),
                snippet: String::new(),
                content: String::new(),
                part: None,
                partial: false,
                inside: None,
            }
        })
        .collect();
    let hashes = |o: &Occurrence| &files[o.file].hashes[o.para_start..=o.para_end];
    let exact = occurrences.iter().all(|o| hashes(o) == hashes(&occurrences[0]));
    let similarity = if exact {
        1.0
    } else {
        // Lowest block similarity over pairs of occurrences (against the first
        // one when there are many): Σ|A∩B| / Σ|A∪B| over aligned items.
        let block = |a: &Place, b: &Place| -> f64 {
            let (mut inter, mut union) = (0usize, 0usize);
            for (&x, &y) in items(a).iter().zip(items(b)) {
                let (x, y) = (set_of(x), set_of(y));
                let n = verify::intersection(&x, &y);
                inter += n;
                union += x.len() + y.len() - n;
            }
            if union == 0 {
                1.0
            } else {
                inter as f64 / union as f64
            }
        };
        let places = &r.places;
        let firsts = if places.len() <= 8 { places.len() } else { 1 };
        (0..firsts)
            .flat_map(|i| (i + 1..places.len()).map(move |j| (i, j)))
            .map(|(i, j)| block(&places[i], &places[j]))
            .fold(1.0, f64::min)
    };
    Finding {
        id: 0,
        kind: if exact { Kind::Exact } else { Kind::Near },
        similarity,
        paragraphs: r.len as usize,
        fingerprint: String::new(),
        occurrences,
    }
}

/// The box around `blocks` on the first one's page.
fn page_box(blocks: &[ocr::Block]) -> [i64; 4] {
    let page = blocks[0].page;
    let boxes = blocks.iter().filter(|b| b.page == page).map(|b| b.bbox);
    let (x0, y0, x1, y1) = boxes.fold((i64::MAX, i64::MAX, i64::MIN, i64::MIN), |(x0, y0, x1, y1), [x, y, w, h]| {
        (x0.min(x), y0.min(y), x1.max(x + w), y1.max(y + h))
    });
    [x0, y0, x1 - x0, y1 - y0]
}

/// Scans in-memory texts, each named as given: for tests and for embedding
/// doublet as a library.
pub fn scan_texts(texts: &[(&str, &str)], params: &Params) -> ScanResult {
    let sources = texts
        .iter()
        .map(|(name, text)| Source {
            name: (*name).to_string(),
            origin: source::Origin::Memory(Arc::new(text.as_bytes().to_vec())),
        })
        .collect();
    scan(sources, Vec::new(), params, &Silent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_and_texts_in_temporary_files_find_the_same() {
        // Quotes, shared passages and near copies among distinct paragraphs;
        // a budget of zero sends every anchor to the temporary files.
        let mut state = 7u64;
        let mut word = || -> String {
            (0..6)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (b'a' + (state >> 59) as u8 % 26) as char
                })
                .collect()
        };
        let paragraphs: Vec<String> =
            (0..300).map(|i| format!("{i} {}", (0..30).map(|_| word()).collect::<Vec<_>>().join(" "))).collect();
        let mut a = String::new();
        let mut b = String::new();
        for (i, p) in paragraphs.iter().enumerate() {
            a.push_str(&format!("{p}\n\n"));
            match i % 10 {
                0 => {
                    let (before, after): (Vec<String>, Vec<String>) = (0..40).map(|_| (word(), word())).unzip();
                    b.push_str(&format!("{} {p} {}\n\n", before.join(" "), after.join(" ")));
                }
                1 => b.push_str(&format!("{}x{}\n\n", &p[..p.len() / 2], &p[p.len() / 2 + 1..])),
                _ => b.push_str(&format!("{i} {}\n\n", (0..25).map(|_| word()).collect::<Vec<_>>().join(" "))),
            }
        }
        let texts = [("a.txt", a.as_str()), ("b.txt", b.as_str())];
        let memory = scan_texts(&texts, &Params::default());
        let files = scan_texts(&texts, &Params { postings_budget: 0, ..Params::default() });
        let spilled = scan_texts(&texts, &Params { texts_budget: 0, ..Params::default() });
        let both =
            scan_texts(&texts, &Params { texts_budget: 0, postings_budget: 0, sets_budget: 0, ..Params::default() });
        assert!(memory.findings.iter().any(|f| f.kind == Kind::Containment), "{:?}", memory.summary);
        assert!(memory.findings.iter().any(|f| f.kind == Kind::Near), "{:?}", memory.summary);
        let key = |r: &ScanResult| {
            r.findings
                .iter()
                .map(|f| (f.kind, f.occurrences.iter().map(|o| (o.file, o.byte_start, o.byte_end)).collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&memory), key(&files));
        assert_eq!(key(&memory), key(&spilled));
        assert_eq!(key(&memory), key(&both));
        assert!(files.diagnostics.is_empty() && spilled.diagnostics.is_empty() && both.diagnostics.is_empty());
    }

    #[test]
    fn snippets() {
        let cases: &[(&str, usize, &str)] = &[
            ("short", 10, "short"),
            ("  two\n  lines\r\n", 20, "two lines"),
            ("abcdefghijkl", 5, "abcd…"),
            ("one two three four", 9, "one two…"),
            ("考生须凭本人准考证", 9, "考生须凭…"),
            ("", 5, ""),
        ];
        for (text, width, want) in cases {
            assert_eq!(snippet(text.as_bytes(), *width), *want, "{text:?}");
        }
    }

    #[test]
    fn duplicated_bytes_counts_overlaps_once() {
        let occ = |file, byte_start, byte_end| Occurrence {
            file,
            path: String::new(),
            byte_start,
            byte_end,
            line_start: 0,
            col_start: 0,
            line_end: 0,
            col_end: 0,
            para_start: 0,
            para_end: 0,
            page: None,
            bbox: None,
            snippet: String::new(),
            content: String::new(),
            part: None,
            partial: false,
            inside: None,
        };
        let finding = |occurrences| Finding {
            id: 0,
            kind: Kind::Exact,
            similarity: 1.0,
            paragraphs: 1,
            fingerprint: String::new(),
            occurrences,
        };
        let findings = vec![
            finding(vec![occ(0, 0, 10), occ(0, 20, 30), occ(1, 0, 5)]),
            finding(vec![occ(0, 0, 5), occ(0, 25, 40)]),
        ];
        assert_eq!(duplicated_bytes(&findings, 2), 20 + 5);
    }

    #[test]
    fn fingerprints_follow_content_not_position() {
        let notice = "Candidates must bring their admission ticket and identity card to every exam.";
        let other = "An unrelated story about the harbour, long enough to be matched on its own.";
        let third = "A third paragraph that only pushes the notice further down the page below.";
        let fp = |texts: &[(&str, &str)]| {
            let r = scan_texts(texts, &Params::default());
            assert_eq!(r.findings.len(), 1, "{texts:?}");
            let f = &r.findings[0];
            let exact = f.occurrences.iter().all(|o| o.content == f.occurrences[0].content);
            assert_eq!(exact, f.kind == Kind::Exact, "{f:?}");
            f.fingerprint.clone()
        };
        let base = fp(&[("a", &format!("{notice}\n\n{other}\n\n{notice}"))]);
        // Moved down the same file: same finding.
        assert_eq!(base, fp(&[("a", &format!("{third}\n\n{notice}\n\n{other}\n\n{notice}"))]));
        // A third copy, a copy in another file, a changed copy: new findings.
        assert_ne!(base, fp(&[("a", &format!("{notice}\n\n{other}\n\n{notice}\n\n{notice}"))]));
        assert_ne!(base, fp(&[("a", &format!("{notice}\n\n{other}")), ("b", notice)]));
        let changed = notice.replace("every", "each");
        assert_ne!(base, fp(&[("a", &format!("{notice}\n\n{other}\n\n{changed}"))]));
        // Case and spacing are normalized away: the same content.
        let loud = notice.to_uppercase();
        assert_eq!(
            fp(&[("a", &format!("{notice}\n\n{other}\n\n{loud}"))]),
            fp(&[("a", &format!("{loud}\n\n{other}\n\n{notice}"))])
        );
    }

    #[test]
    fn library_scan_of_texts() {
        let para = "A paragraph long enough to be matched, printed twice over.";
        let other = "Something else entirely, with no copy anywhere in the input.";
        let r = scan_texts(&[("a", &format!("{para}\n\n{other}")), ("b", para)], &Params::default());
        assert_eq!(r.findings.len(), 1);
        let o = &r.findings[0].occurrences;
        assert_eq!((o[0].path.as_str(), o[0].byte_start, o[0].byte_end), ("a", 0, para.len()));
        assert_eq!((o[1].path.as_str(), o[1].line_start, o[1].col_end), ("b", 1, para.chars().count()));
    }
}

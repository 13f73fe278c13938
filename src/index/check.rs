//! Checking a batch against an index: which indexed files could hold a copy
//! of something in the batch, and a normal scan of the batch with them.
//!
//! A scan pairs two items when their exact keys are equal, or when they share
//! an LSH band key and their sketch estimate is not far below what
//! verification accepts; and two paragraphs for a passage search when they
//! share enough rare passage anchors. The index answers the first two
//! questions for every item of the batch, segment by segment, with the
//! batch's keys (the third: see [`passage_lookup`]): every
//! indexed item a scan of the batch and that file would have paired with a
//! batch item is found (the index's 8-bit sketches never estimate lower than
//! a scan's 16-bit ones). The files holding such items are read again and
//! scanned with the batch by [`crate::scan::scan`], so findings, blocks,
//! similarities and locations are exactly a scan's; findings that do not
//! involve the batch are dropped.
//!
//! An indexed file that changed or is gone since it was added cannot be
//! scanned again. It gets a note, and the batch's exact copies in it (equal
//! exact keys) are reported from the locations stored in the index, which
//! are what the file held when it was indexed; near copies in it are not
//! reported, as they cannot be verified without its text.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::segment::{FileEntry, Holder, MAX_ANCHOR_PARAGRAPHS};
use super::Index;
use crate::minhash;
use crate::passages;
use crate::scan::{self, FileInfo, FileRecord, Finding, Kind, Method, Observer, Occurrence, Params, ScanResult};
use crate::source::{self, io_message, Diagnostic, Origin, Source};

/// An indexed item with the batch item whose exact key it shares:
/// (batch file, batch item, segment, indexed item).
type ExactHit = (usize, usize, usize, u32);

/// An indexed file: segment and file within it.
type IndexedFile = (usize, u32);

/// Indexed files (segment, file) that hold candidates of the batch's items,
/// sorted, and the exact-key hits among them.
///
/// The batch's keys are sorted once per table (exact keys, each band's
/// keys), and each table of each segment is walked once with them in
/// parallel: a search starts where the one before it ended, so it touches
/// pages in order and none twice.
fn lookup(index: &Index, batch: &[FileRecord], params: &Params) -> (Vec<IndexedFile>, Vec<ExactHit>) {
    let least = params.ocr_floor() - scan::SKETCH_MARGIN;
    // Band keys per item (LSH bands, or SimHash tables) and sketch bytes.
    let (bands, k) = params.index_shape();
    // A band hit is a candidate when a scan would compare the two: their
    // MinHash estimate is not far below what verification accepts, or their
    // SimHash fingerprints are within the distance.
    let close = |a: &[u8], b: &[u8]| match params.method {
        Method::Minhash => minhash::estimate(a, b) >= least,
        Method::Simhash => {
            let fp = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or([0; 8]));
            (fp(a) ^ fp(b)).count_ones() <= params.simhash_distance
        }
    };
    // Every batch item as (file, item), numbered in that order.
    let items: Vec<(usize, usize)> =
        batch.iter().enumerate().flat_map(|(fi, r)| (0..r.items.len()).map(move |ii| (fi, ii))).collect();
    let mut exact_keys: Vec<(u128, u32)> =
        items.iter().enumerate().map(|(n, &(fi, ii))| (batch[fi].items[ii].key, n as u32)).collect();
    exact_keys.par_sort_unstable();
    let band_keys: Vec<Vec<(u32, u32)>> = (0..bands)
        .into_par_iter()
        .map(|b| {
            let mut keys: Vec<(u32, u32)> = items
                .iter()
                .enumerate()
                .map(|(n, &(fi, ii))| (batch[fi].band_keys[ii * bands + b], n as u32))
                .collect();
            keys.sort_unstable();
            keys
        })
        .collect();
    // One task per table of each segment: band `b`, or the exact table
    // (`b == bands`).
    let tasks: Vec<(usize, usize)> =
        (0..index.segments.len()).flat_map(|si| (0..=bands).map(move |b| (si, b))).collect();
    let found: Vec<(Vec<IndexedFile>, Vec<ExactHit>)> = tasks
        .par_iter()
        .map(|&(si, b)| {
            let seg = &index.segments[si];
            let (mut files, mut exact) = (Vec::new(), Vec::new());
            if b == bands {
                seg.exact_all(&exact_keys, |n, id| {
                    let (fi, ii) = items[n as usize];
                    files.push((si, seg.item_file(id as usize)));
                    exact.push((fi, ii, si, id));
                });
            } else {
                seg.band_all(b, &band_keys[b], |n, id| {
                    let (fi, ii) = items[n as usize];
                    let file = (si, seg.item_file(id as usize));
                    let sketch = &batch[fi].sketches[ii * k..(ii + 1) * k];
                    if !files.contains(&file) && close(sketch, seg.sketch(id as usize)) {
                        files.push(file);
                    }
                });
            }
            (files, exact)
        })
        .collect();
    let (mut files, mut exact) = (Vec::new(), Vec::new());
    for (f, e) in found {
        files.extend(f);
        exact.extend(e);
    }
    files.extend(passage_lookup(index, batch, &items));
    files.sort_unstable();
    files.dedup();
    exact.sort_unstable();
    (files, exact)
}

/// Indexed files that may share a passage with a batch item of one
/// paragraph: quote it, or be quoted in it.
///
/// A scan aligns two paragraphs only when they share at least
/// [`passages::MIN_ANCHORS`] anchors that at most
/// [`passages::MAX_POSTING`] paragraphs hold, or, when one of them has fewer
/// than twice that many such anchors, at least half of its (see
/// [`passages::candidate_pairs_of`]). The index answers the same per indexed
/// paragraph: every distinct anchor of the batch item is looked up, anchors
/// that more than [`MAX_ANCHOR_PARAGRAPHS`] indexed paragraphs hold are
/// stock phrases and not counted, and the file of an indexed paragraph that
/// holds [`passages::MIN_ANCHORS`] of the others, or half of them when the
/// batch item has fewer than twice that, is read again. So is the file of an
/// indexed paragraph with fewer anchors than the batch item that may be
/// quoted whole in it ([`passages::may_be_contained`], by the anchor counts
/// the segment keeps per item; segments of format 4 and before keep none,
/// and such a paragraph with fewer than eight rare anchors is then found
/// only when its file is read again for another candidate).
fn passage_lookup(index: &Index, batch: &[FileRecord], items: &[(usize, usize)]) -> Vec<IndexedFile> {
    // The batch's anchors with their items, and the distinct anchors,
    // numbered in hash order.
    let mut pairs: Vec<(u64, u32)> = items
        .iter()
        .enumerate()
        .flat_map(|(n, &(fi, ii))| batch[fi].item_anchors(ii).iter().map(move |&h| (h, n as u32)))
        .collect();
    pairs.par_sort_unstable();
    let mut anchors: Vec<(u64, u32)> = Vec::new();
    let mut of_item: Vec<(u32, u32)> = Vec::with_capacity(pairs.len());
    for &(h, n) in &pairs {
        if anchors.last().is_none_or(|a| a.0 != h) {
            anchors.push((h, anchors.len() as u32));
        }
        of_item.push((n, anchors.len() as u32 - 1));
    }
    drop(pairs);
    if anchors.is_empty() {
        return Vec::new();
    }
    of_item.par_sort_unstable();
    // Who holds each anchor, segment by segment: (anchor, segment, item),
    // and which anchors are common.
    type Held = Vec<(u32, u32, u32)>;
    let mut held: Held = Vec::new();
    let mut common = vec![false; anchors.len()];
    // Each segment's table walked in as many pieces of the anchors as keep
    // every worker busy (one compacted segment, too), each walk on its own.
    let segments = index.segments.len();
    let pieces = (4 * rayon::current_num_threads()).div_ceil(segments.max(1)).max(1);
    let per_piece = anchors.len().div_ceil(pieces);
    let tasks: Vec<(usize, &[(u64, u32)])> =
        (0..segments).flat_map(|si| anchors.chunks(per_piece).map(move |piece| (si, piece))).collect();
    let found: Vec<(Held, Vec<u32>)> = tasks
        .into_par_iter()
        .map(|(si, piece)| {
            let (mut items, mut common) = (Vec::new(), Vec::new());
            index.segments[si].anchor_all(piece, |q, holder| match holder {
                Holder::Item(i) => items.push((q, si as u32, i)),
                Holder::Common => common.push(q),
            });
            (items, common)
        })
        .collect();
    for (items, c) in found {
        held.extend(items);
        c.into_iter().for_each(|q| common[q as usize] = true);
    }
    held.par_sort_unstable();
    // Per anchor, where its holders start in `held`.
    let mut start = vec![0usize; anchors.len() + 1];
    for run in held.chunk_by(|a, b| a.0 == b.0) {
        let q = run[0].0 as usize;
        common[q] |= run.len() > MAX_ANCHOR_PARAGRAPHS as usize;
        start[q + 1] = run.len();
    }
    for q in 0..anchors.len() {
        start[q + 1] += start[q];
    }
    let mut files: Vec<IndexedFile> = of_item
        .par_chunk_by(|a, b| a.0 == b.0)
        .flat_map_iter(|own| {
            // The indexed paragraphs holding each of its rare anchors, one
            // entry per anchor: a paragraph's entries are the anchors it
            // shares with the item.
            let mut holding: Vec<(u32, u32)> = Vec::new();
            let mut rare = 0usize;
            for &(_, q) in own.iter().filter(|&&(_, q)| !common[q as usize]) {
                rare += 1;
                holding.extend(held[start[q as usize]..start[q as usize + 1]].iter().map(|&(_, si, i)| (si, i)));
            }
            let need = passages::MIN_ANCHORS.min(rare.div_ceil(2)).max(1);
            // An indexed paragraph with fewer anchors than the item that may
            // be quoted whole in it, by the counts a scan asks (the
            // segment's rare anchors of the paragraph standing for the
            // scan's, its other anchors for the common ones it may share).
            let size = own.len() as u32;
            let contained = |si: u32, i: u32, shared: u32| {
                index.segments[si as usize].anchor_counts(i as usize).is_some_and(|(held, distinct)| {
                    distinct <= size
                        && passages::may_be_contained(shared, held, distinct, shared + distinct.saturating_sub(held))
                })
            };
            holding.sort_unstable();
            let shared: Vec<IndexedFile> = holding
                .chunk_by(|a, b| a == b)
                .filter(|run| run.len() >= need || contained(run[0].0, run[0].1, run.len() as u32))
                .map(|run| (run[0].0 as usize, index.segments[run[0].0 as usize].item_file(run[0].1 as usize)))
                .collect();
            shared
        })
        .collect();
    files.par_sort_unstable();
    files.dedup();
    files
}

/// Reports duplicates inside the batch `sources` and between it and the
/// index, as a scan of the batch and the indexed files holding candidates
/// would (see the module documentation); nothing is added to the index. The
/// error is damage found in a segment (see [`Index::damage`]).
pub fn check(
    index: &Index,
    sources: Vec<Source>,
    mut diagnostics: Vec<Diagnostic>,
    params: &Params,
    observer: &dyn Observer,
) -> Result<ScanResult, String> {
    // The batch is read twice (keys, then the scan): standard input and
    // FIFOs are read once, here.
    let sources: Vec<Source> = sources
        .into_iter()
        .filter_map(|s| match s.origin {
            Origin::Stdin | Origin::File { fifo: true, .. } => match source::read(&s) {
                Ok(data) => Some(Source { name: s.name, origin: Origin::Memory(Arc::new(data)) }),
                Err(e) => {
                    diagnostics.push(Diagnostic::error(&s.name, io_message(&e)));
                    None
                }
            },
            _ => Some(s),
        })
        .collect();
    let batch_names: HashSet<String> = sources.iter().map(|s| s.name.clone()).collect();
    // What cannot be read is reported by the scan below.
    let (records, _) = scan::records(sources.clone(), params);
    let (hits, exact) = lookup(index, &records, params);
    let without = index.segments.iter().filter(|s| !s.has_anchors()).count();
    if without > 0 {
        diagnostics.push(Diagnostic::note(
            index.dir.display().to_string(),
            format!(
                "{without} of {} segments hold no passage anchors (added with --no-passages, or by an earlier \
                 doublet): containment and passages are searched in their files only when they are read \
                 again for another candidate",
                index.segments.len()
            ),
        ));
    }
    // A batch file indexed under the same path is checked as the batch has it.
    let candidates: Vec<((usize, u32), FileEntry)> = hits
        .into_iter()
        .map(|(s, f)| ((s, f), index.segments[s].file(f as usize)))
        .filter(|(_, e)| !batch_names.contains(&e.path))
        .collect();
    if let Some(damage) = index.damage() {
        return Err(damage);
    }
    let states: Vec<Result<(), String>> = candidates
        .par_iter()
        .map(|(_, e)| match std::fs::read(&e.path) {
            Ok(data) if data.len() as u64 == e.bytes && xxh3_64(&data) == e.digest => Ok(()),
            Ok(_) => Err("changed since it was indexed".to_string()),
            Err(e) => Err(format!("indexed, but cannot be read again: {}", io_message(&e))),
        })
        .collect();
    let mut fresh = Vec::new();
    let mut stale: HashMap<(usize, u32), FileEntry> = HashMap::new();
    for ((at, e), state) in candidates.into_iter().zip(states) {
        match state {
            Ok(()) => fresh.push(Source {
                name: e.path.clone(),
                origin: Origin::File { path: e.path.clone().into(), fifo: false },
            }),
            Err(why) => {
                diagnostics.push(Diagnostic::note(
                    &e.path,
                    format!("{why}; exact copies in it are reported as it was indexed, near copies not at all"),
                ));
                stale.insert(at, e);
            }
        }
    }
    if !fresh.is_empty() {
        let what = if fresh.len() == 1 { "file holds" } else { "files hold" };
        diagnostics.push(Diagnostic::note(
            index.dir.display().to_string(),
            format!("{} indexed {what} candidates, read again", fresh.len()),
        ));
    }
    let mut all = sources;
    all.extend(fresh);
    let mut result = scan::scan(all, diagnostics, params, observer);
    result.findings.retain(|f| f.occurrences.iter().any(|o| batch_names.contains(&o.path)));
    result.breaks.retain(|b| batch_names.contains(&b.path));
    stored_copies(&mut result, index, &records, &exact, &stale);
    if let Some(damage) = index.damage() {
        return Err(damage);
    }
    for (i, f) in result.findings.iter_mut().enumerate() {
        f.id = i + 1;
    }
    result.summary.breaks = result.breaks.len();
    let files = result.files.len();
    result.summary.count(&result.findings, files);
    Ok(result)
}

/// Adds the exact copies in changed or gone indexed files (`stale`), at the
/// locations the index stored, to the finding of the batch item they copy,
/// or as findings of their own.
fn stored_copies(
    result: &mut ScanResult,
    index: &Index,
    batch: &[FileRecord],
    exact: &[ExactHit],
    stale: &HashMap<(usize, u32), FileEntry>,
) {
    let mut by_item: Vec<(usize, usize, usize, u32)> = exact
        .iter()
        .copied()
        .filter(|&(_, _, s, id)| stale.contains_key(&(s, index.segments[s].item_file(id as usize))))
        .collect();
    by_item.sort_unstable();
    let mut file_of: HashMap<String, usize> =
        result.files.iter().enumerate().map(|(i, f)| (f.path.clone(), i)).collect();
    for group in by_item.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (fi, ii) = (group[0].0, group[0].1);
        let r = &batch[fi];
        let Some(&batch_file) = file_of.get(&r.name) else { continue };
        let it = &r.items[ii];
        let mut stored = Vec::new();
        for &(_, _, s, id) in group {
            let seg = &index.segments[s];
            let entry = &stale[&(s, seg.item_file(id as usize))];
            let file = *file_of.entry(entry.path.clone()).or_insert_with(|| {
                result.files.push(FileInfo {
                    path: entry.path.clone(),
                    bytes: entry.bytes,
                    paragraphs: entry.paragraphs as usize,
                    data: None,
                });
                result.files.len() - 1
            });
            stored.push(occurrence(file, &entry.path, &seg.item(id as usize), r.snippets[ii].clone()));
        }
        let same = |o: &Occurrence| {
            o.file == batch_file && (o.para_start, o.para_end) == (it.para_first as usize, it.para_last as usize)
        };
        let at = result.findings.iter().position(|f| f.kind == Kind::Exact && f.occurrences.iter().any(same));
        let f = match at {
            Some(i) => &mut result.findings[i],
            None => {
                let own = occurrence(batch_file, &r.name, it, r.snippets[ii].clone());
                result.findings.push(Finding {
                    id: 0,
                    kind: Kind::Exact,
                    similarity: 1.0,
                    paragraphs: 1,
                    fingerprint: String::new(),
                    occurrences: vec![own],
                });
                result.findings.last_mut().expect("pushed just now")
            }
        };
        f.occurrences.extend(stored);
        f.fingerprint = Finding::fingerprint_of(f.occurrences.iter().map(|o| (o.path.as_str(), o.content.as_str())));
    }
}

/// An occurrence at a stored location.
fn occurrence(file: usize, path: &str, it: &scan::ItemRecord, snippet: String) -> Occurrence {
    Occurrence {
        file,
        path: path.to_string(),
        byte_start: it.byte_start as usize,
        byte_end: it.byte_end as usize,
        line_start: it.line_start as usize,
        col_start: it.col_start as usize,
        line_end: it.line_end as usize,
        col_end: it.col_end as usize,
        para_start: it.para_first as usize,
        para_end: it.para_last as usize,
        page: (it.page > 0).then_some(it.page),
        bbox: None,
        snippet,
        part: None,
        partial: false,
        inside: it.inside.clone(),
        content: format!("{:016x}", it.content),
    }
}

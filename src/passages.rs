//! Shared passages: a short paragraph quoted inside a longer one, and a long
//! passage shared by two otherwise different paragraphs.
//!
//! Jaccard similarity of whole paragraphs cannot see either: a notice of 40
//! characters inside an article of 800 shares all its shingles with it, yet
//! their Jaccard index is 0.05. Candidates come from *anchors* instead,
//! chosen by winnowing (Schleimer, Wilkerson, Aiken 2003): in every window of
//! [`WINDOW`] consecutive shingles, the one with the least (mixed) hash is an
//! anchor. The choice depends only on the window's content, so two texts that
//! share a passage share the anchors inside it, and every stretch of
//! [`WINDOW`] shingles (10 characters with 5-grams) holds one: a short text's
//! own words always give it anchors of its own, which a fixed sample of
//! hashes leaves to chance. About 2 / (WINDOW + 1) of the shingles are
//! anchors. Pairs that share enough anchors are aligned: the shingles of
//! each text, in text order, are marked when the other text has them, and
//! the longest run of marked shingles (gaps of up to one n-gram length,
//! which is what one misread character costs) is the shared passage, located
//! to the character.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::minhash::mix;

/// Every window of this many consecutive shingles holds an anchor.
pub const WINDOW: usize = 6;
/// Anchors two paragraphs must share to be aligned.
pub const MIN_ANCHORS: usize = 4;
/// Anchors that two paragraphs sharing a passage of
/// [`crate::scan`]'s shortest reported length (60 characters: 56 shingles,
/// at least 9 anchors, about 16 expected) surely share, noise included.
pub const PASSAGE_ANCHORS: usize = 6;
/// Anchors shared by more paragraphs than this (stock phrases) are ignored.
pub const MAX_POSTING: usize = 64;

/// Anchors two texts must share to be aligned when the one with fewer has
/// `small`: a passage of [`PASSAGE_ANCHORS`]' worth, or half of the smaller
/// text's (a contained text shares nearly all of its own), and never fewer
/// than [`MIN_ANCHORS`]. Chance pairs of long paragraphs that share a few
/// common words are not aligned.
pub fn needed(small: u32) -> u32 {
    small.div_ceil(2).min(PASSAGE_ANCHORS as u32).max(MIN_ANCHORS as u32)
}

/// Whether a text of `size` distinct anchors, `rare` of them rare, may be
/// contained in a larger text with which it shares `shared` rare anchors
/// and at most `most` anchors in all (common ones included): it shares at
/// least half of its rare anchors (and two, or its only one), and `most`
/// reaches [`needed`] and 60 % of its anchors. A short paragraph made mostly
/// of stock phrases, quoted inside a longer one, has few rare anchors, all
/// of them in the longer one.
pub fn may_be_contained(shared: u32, rare: u32, size: u32, most: u32) -> bool {
    2 * shared >= rare && shared >= rare.min(2) && most >= needed(size) && 5 * most >= 3 * size
}

/// Appends the anchors of a text, given as its shingle hashes in text order,
/// to `out` (in text order, a repeated shingle possibly more than once).
/// `keys` is scratch space.
pub fn anchors(hashes: &[u64], keys: &mut Vec<u64>, out: &mut Vec<u64>) {
    if hashes.is_empty() {
        return;
    }
    keys.clear();
    keys.extend(hashes.iter().map(|&h| mix(h)));
    let w = WINDOW.min(keys.len());
    // The least key of the window ending at `end`, the rightmost on ties.
    let least = |start: usize, end: usize| (start..=end).rev().min_by_key(|&i| keys[i]).unwrap_or(start);
    let mut best = least(0, w - 1);
    out.push(hashes[best]);
    for end in w..keys.len() {
        if keys[end] <= keys[best] {
            best = end;
        } else if best + w <= end {
            best = least(end + 1 - w, end);
        } else {
            continue;
        }
        out.push(hashes[best]);
    }
}

/// The signature bit of an anchor: hash bits apart from the bucket's.
#[inline]
fn signature_bit(h: u64) -> usize {
    (h >> 8) as usize % 256
}

/// Candidates `(a, b, shared anchors)` and pairs `(larger, smaller)` to
/// check by counting all the anchors they share.
type Found = (Vec<(u32, u32, u32)>, Vec<(u32, u32)>);

/// The label of a text with none.
const UNLABELLED: u32 = u32::MAX;

/// Buckets the anchors are sorted in, one by one.
const BUCKETS: usize = 256;
// A job keeps the bucket of each anchor in one byte.
const _: () = assert!(BUCKETS <= 1 << u8::BITS);

// Anchors are chosen for their least mixed hash, so the mixed hash's bits are
// skewed; the shingle hash itself is uniform, and picks the bucket.

#[inline]
fn bucket_of(h: u64) -> usize {
    h as usize % BUCKETS
}

/// One bucket of anchors, each packed into one word (see [`Packing`]):
/// pieces in memory, and pieces in a temporary file (deleted when closed)
/// once the budget is spent.
#[derive(Default)]
struct Bucket {
    memory: Vec<Vec<u64>>,
    file: Option<BufWriter<File>>,
}

/// Bytes of one anchor in a bucket's file.
const RECORD: usize = 8;

impl Bucket {
    fn add(&mut self, piece: Vec<u64>, in_memory: bool) -> std::io::Result<()> {
        if in_memory {
            self.memory.push(piece);
            return Ok(());
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(BufWriter::new(tempfile::tempfile()?)),
        };
        let bytes: Vec<u8> = piece.iter().flat_map(|k| k.to_le_bytes()).collect();
        file.write_all(&bytes)
    }

    /// All the bucket's anchors, its file read back, into `all` (cleared
    /// first; one buffer for a worker's buckets, so that each bucket does
    /// not take fresh pages of its own).
    fn take_into(self, all: &mut Vec<u64>) -> std::io::Result<()> {
        all.clear();
        let mut bytes = Vec::new();
        if let Some(file) = self.file {
            let mut file = file.into_inner().map_err(|e| e.into_error())?;
            file.seek(SeekFrom::Start(0))?;
            file.read_to_end(&mut bytes)?;
        }
        all.reserve(self.memory.iter().map(Vec::len).sum::<usize>() + bytes.len() / RECORD);
        for piece in self.memory {
            all.extend_from_slice(&piece);
        }
        all.extend(bytes.chunks_exact(RECORD).map(|r| u64::from_le_bytes(r.try_into().unwrap())));
        Ok(())
    }
}

/// An anchor of a text in one word: the bits of its hash above the bucket's
/// (`h >> 8`), as many as fit, over the text's number. Sorting the words
/// groups the anchors by hash, each group's texts ascending; half the bytes
/// of a `(hash, text)` pair. Two hashes alike in their bucket and all the
/// kept bits (48 bits of the hash at 16 million texts, never fewer than 40)
/// count as one anchor: a shared anchor by chance, which alignment finds to
/// be none.
#[derive(Clone, Copy)]
struct Packing {
    text_bits: u32,
}

impl Packing {
    fn new(n: usize) -> Self {
        Packing { text_bits: (usize::BITS - n.leading_zeros()).max(1) }
    }

    #[inline]
    fn pack(self, h: u64, text: u32) -> u64 {
        ((h >> 8) << self.text_bits) | u64::from(text)
    }

    /// The kept hash bits.
    #[inline]
    fn hash(self, key: u64) -> u64 {
        key >> self.text_bits
    }

    #[inline]
    fn text(self, key: u64) -> u32 {
        (key & ((1 << self.text_bits) - 1)) as u32
    }
}

/// Pairs `(i, j)`, `i < j`, of texts given by their anchors that share
/// enough of them to be aligned, with the number shared. Sorted. See
/// [`candidate_pairs_of`].
pub fn candidate_pairs(anchors: &[&[u64]]) -> Vec<(u32, u32, u32)> {
    candidate_pairs_of(anchors.len(), usize::MAX, |i, out| out.extend_from_slice(anchors[i]), |_| None)
        .expect("no temporary files without a budget")
}

/// Pairs `(i, j)`, `i < j`, of `n` texts that share enough anchors to be
/// aligned, with the number shared (the rare anchors, counted up to 255; all
/// anchors for a pair checked as a containment); `anchors(i, out)` appends the anchors
/// of text `i`; pairs of texts with one `label` (texts already known to
/// match otherwise; labels are below `u32::MAX`) are left out. Sorted.
///
/// Pairs come from the anchors that at most [`MAX_POSTING`] paragraphs hold
/// (*rare* anchors; a common one, a stock phrase, would pair thousands). A
/// pair sharing [`MIN_ANCHORS`] rare anchors is a candidate. So is a pair
/// where the text with fewer anchors could be contained in the other: it
/// shares at least half of its rare anchors (and two, or its only one), and
/// all their shared anchors, common ones included, reach [`MIN_ANCHORS`] and
/// 60 % of its anchors. A short paragraph made mostly of common phrases,
/// quoted inside a longer one, has few rare anchors, and all of them are in
/// the longer one; one that merely shares a rare anchor and a few stock
/// phrases with it is not aligned (on large corpora such chance pairs are
/// millions).
///
/// The list of every distinct anchor of every text (8 bytes each, about
/// 2 / (WINDOW + 1) of the characters) is the largest thing a scan holds:
/// it is split into buckets by hash as it is made, and what does not fit in
/// `budget` bytes goes to temporary files, each bucket then sorted and
/// walked on its own. Per text it keeps about 50 bytes (counts, a signature of its
/// anchors, where its list of rare anchors starts) and one word per rare
/// anchor it shares. The result does not depend on `budget`; an error is one
/// of reading or writing those files.
pub fn candidate_pairs_of(
    n: usize,
    budget: usize,
    anchors: impl Fn(usize, &mut Vec<u64>) + Sync,
    label: impl Fn(u32) -> Option<u32> + Sync,
) -> std::io::Result<Vec<(u32, u32, u32)>> {
    let collector = Collector::new(n, budget);
    (0..n).into_par_iter().with_min_len(64).for_each_init(Vec::new, |buf, i| {
        buf.clear();
        anchors(i, buf);
        collector.add(i, buf);
    });
    Ok(collector.walk()?.pairs(anchors, label))
}

/// The anchors of `n` texts, each given once, in any order and from any
/// thread ([`Collector::add`]), gathered for [`Collector::walk`]: a scan
/// collects them where it shingles the texts for their sketches, so that
/// they are not shingled twice.
pub struct Collector {
    n: usize,
    budget: usize,
    packing: Packing,
    /// Per text, how many distinct anchors it has, and a 256-bit signature
    /// of them: bits of s missing from b's stand for distinct anchors of s
    /// that b lacks.
    distinct_at: Vec<AtomicU32>,
    signature_at: Vec<[AtomicU64; 4]>,
    /// The anchors, split by hash into buckets; pieces join their buckets
    /// in memory while the budget lasts, then in files.
    buckets: Vec<Mutex<Bucket>>,
    held_bytes: AtomicUsize,
    /// Per worker thread (and one for any other thread), the anchors of the
    /// texts it added since its last piece was cut.
    pending: Vec<Mutex<Pending>>,
    /// The first error of writing a bucket's file, which
    /// [`Collector::walk`] returns.
    failed: Mutex<Option<std::io::Error>>,
}

/// A worker's anchors not yet in their buckets: packed, and the bucket of
/// each.
#[derive(Default)]
struct Pending {
    keys: Vec<u64>,
    of: Vec<u8>,
    texts: usize,
}

/// Texts whose anchors a worker gathers before it cuts them into pieces.
const TEXTS_PER_PIECE: usize = 4096;

impl Collector {
    /// A collector for texts `0..n`, holding up to `budget` bytes of anchors
    /// in memory.
    pub fn new(n: usize, budget: usize) -> Self {
        Collector {
            n,
            budget,
            packing: Packing::new(n),
            distinct_at: (0..n).map(|_| AtomicU32::new(0)).collect(),
            signature_at: (0..n).map(|_| Default::default()).collect(),
            buckets: (0..BUCKETS).map(|_| Mutex::new(Bucket::default())).collect(),
            held_bytes: AtomicUsize::new(0),
            pending: (0..=rayon::current_num_threads()).map(|_| Mutex::new(Pending::default())).collect(),
            failed: Mutex::new(None),
        }
    }

    /// Adds text `i`'s anchors (as [`anchors`] gives them, repeats allowed;
    /// `anchors` is sorted and deduplicated in place). Each text is added
    /// once.
    pub fn add(&self, i: usize, anchors: &mut Vec<u64>) {
        anchors.sort_unstable();
        anchors.dedup();
        self.distinct_at[i].store(anchors.len() as u32, Relaxed);
        let worker = rayon::current_thread_index().map_or(self.pending.len() - 1, |w| w.min(self.pending.len() - 1));
        let mut pending = lock(&self.pending[worker]);
        let mut signature = [0u64; 4];
        for &h in anchors.iter() {
            pending.keys.push(self.packing.pack(h, i as u32));
            pending.of.push(bucket_of(h) as u8);
            let bit = signature_bit(h);
            signature[bit / 64] |= 1 << (bit % 64);
        }
        for (w, s) in self.signature_at[i].iter().zip(signature) {
            w.store(s, Relaxed);
        }
        pending.texts += 1;
        if pending.texts >= TEXTS_PER_PIECE {
            self.cut(&mut pending);
        }
    }

    /// Cuts a worker's pending anchors into one piece of exact size per
    /// bucket: pieces grown one push at a time took up to twice their size,
    /// and copying and fresh pages were a fifth of collecting them.
    fn cut(&self, pending: &mut Pending) {
        let mut sizes = [0usize; BUCKETS];
        for &b in pending.of.iter() {
            sizes[b as usize] += 1;
        }
        let mut part: Vec<Vec<u64>> = sizes.iter().map(|&len| Vec::with_capacity(len)).collect();
        for (&k, &b) in pending.keys.iter().zip(pending.of.iter()) {
            part[b as usize].push(k);
        }
        pending.keys.clear();
        pending.of.clear();
        pending.texts = 0;
        let mut failed = None;
        for (b, piece) in part.into_iter().enumerate().filter(|(_, p)| !p.is_empty()) {
            let bytes = piece.capacity() * std::mem::size_of::<u64>();
            let in_memory = self.held_bytes.fetch_add(bytes, Relaxed) + bytes <= self.budget;
            if !in_memory {
                self.held_bytes.fetch_sub(bytes, Relaxed);
            }
            if let Err(e) = lock(&self.buckets[b]).add(piece, in_memory) {
                failed = Some(e);
                break;
            }
        }
        if let Some(e) = failed {
            lock(&self.failed).get_or_insert(e);
        }
    }

    /// Sorts and walks the anchors of every text (all added): the lists of
    /// texts that hold each rare anchor, and how many common anchors each
    /// text holds. What the walk keeps is far smaller than the anchors,
    /// which are let go; an error is one of reading the temporary files.
    pub fn walk(self) -> std::io::Result<Walked> {
        for pending in &self.pending {
            self.cut(&mut lock(pending));
        }
        if let Some(e) = self.failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        let Collector { n, budget, packing, distinct_at, signature_at, buckets, .. } = self;
        // The buckets in as many groups as there are workers, each group's
        // buckets sorted and walked one by one: the member lists of its rare
        // anchors held by two or more (each a run of ascending texts), and how
        // many common anchors each text holds, counted in the group's own array
        // (fewer groups when those arrays would take more than the budget).
        let per_group = 4 * n.max(1) + 8 * Tally::BATCH;
        let groups = rayon::current_num_threads().min(budget / per_group).clamp(1, BUCKETS);
        let mut grouped: Vec<Vec<Bucket>> = (0..groups).map(|_| Vec::new()).collect();
        for (i, b) in buckets.into_iter().enumerate() {
            grouped[i * groups / BUCKETS].push(b.into_inner().unwrap_or_else(|e| e.into_inner()));
        }
        let walked: Vec<(Runs, Vec<u32>)> = grouped
            .into_par_iter()
            .map(|group| {
                let (mut runs, mut common) = (Runs::default(), Tally::new(n));
                let mut postings = Vec::new();
                for bucket in group {
                    bucket.take_into(&mut postings)?;
                    postings.sort_unstable();
                    // Two hashes of one text alike in the kept bits are one anchor.
                    postings.dedup();
                    for run in postings.chunk_by(|&a, &b| packing.hash(a) == packing.hash(b)) {
                        let texts = run.iter().map(|&k| packing.text(k));
                        if run.len() > MAX_POSTING {
                            common.add(texts);
                        } else if run.len() >= 2 {
                            runs.push(texts);
                        }
                    }
                }
                Ok((runs, common.into_counts()))
            })
            .collect::<std::io::Result<_>>()?;
        let mut walked = walked.into_iter();
        let (mut runs, mut common) = walked.next().expect("one group at least");
        for (more, counts) in walked {
            runs.append(more);
            common.par_iter_mut().zip(counts).for_each(|(c, x)| *c += x);
        }
        Ok(Walked {
            n,
            runs,
            common,
            distinct: distinct_at.into_iter().map(AtomicU32::into_inner).collect(),
            signature: signature_at.into_iter().map(|w| w.map(AtomicU64::into_inner)).collect(),
        })
    }
}

/// A lock that a panic elsewhere does not make unusable (what it guards is
/// whole after every step).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The walked anchors of `n` texts ([`Collector::walk`]).
pub struct Walked {
    n: usize,
    /// The texts holding each rare anchor held by two or more, ascending.
    runs: Runs,
    /// Per text, its common anchors, its distinct anchors and a 256-bit
    /// signature of them: bits of s missing from b's stand for distinct
    /// anchors of s that b lacks.
    common: Vec<u32>,
    distinct: Vec<u32>,
    signature: Vec<[u64; 4]>,
}

impl Walked {
    /// Pairs `(i, j)`, `i < j`, of the texts that share enough anchors to be
    /// aligned, as [`candidate_pairs_of`] (whose `anchors` and `label` these
    /// are).
    pub fn pairs(
        self,
        anchors: impl Fn(usize, &mut Vec<u64>) + Sync,
        label: impl Fn(u32) -> Option<u32> + Sync,
    ) -> Vec<(u32, u32, u32)> {
        let Walked { n, runs: mut rare_runs, common, distinct, signature } = self;
        let labels: Vec<u32> = (0..n as u32).into_par_iter().map(|i| label(i).unwrap_or(UNLABELLED)).collect();
        let apart = |a: u32, b: u32| {
            let l = labels[a as usize];
            l == UNLABELLED || l != labels[b as usize]
        };
        // An anchor whose holders all have one label pairs no texts that are
        // apart: it is dropped here instead of counted for every pair of them
        // (near copies of one paragraph share nearly all their anchors).
        let one_label = |run: &[u32]| {
            let first = labels[run[0] as usize];
            first != UNLABELLED && run[1..].iter().all(|&i| labels[i as usize] == first)
        };
        rare_runs.retain(|run| !one_label(run));
        let texts_per_job = n.div_ceil(rayon::current_num_threads() * 16).max(1);
        // A text's anchors, sorted, each once.
        let distinct_of = |i: usize, out: &mut Vec<u64>| {
            out.clear();
            anchors(i, out);
            out.sort_unstable();
            out.dedup();
        };
        // Per paragraph, the rare anchors it holds (two or more holders), as run
        // numbers, ascending.
        let held = rare_runs.by_member(n);
        let common = |i: usize| common[i];
        let rare: Vec<u32> = distinct.into_iter().enumerate().map(|(i, d)| d.saturating_sub(common(i))).collect();
        let size = |i: usize| rare[i] + common(i);
        let need_of = |a: u32, b: u32| needed(size(a as usize).min(size(b as usize)));
        // A pair sharing `shared` rare anchors: a candidate when that is enough;
        // checked when the smaller text could be contained in the other: it
        // holds enough common anchors that the other may share too, and its
        // signature bits that the other lacks, each an anchor it lacks, leave
        // enough.
        //
        // Most pairs judged share two or three anchors by chance and fail the
        // counts; whether two paragraphs are apart takes two lookups at random
        // places, so it is asked last.
        let judge = |a: u32, b: u32, shared: u32, found: &mut Found| {
            let need = need_of(a, b);
            if shared >= need {
                if apart(a, b) {
                    found.0.push((a, b, shared));
                }
                return;
            }
            let (s, other) = if size(a as usize) <= size(b as usize) { (a, b) } else { (b, a) };
            let (rare_s, size_s) = (rare[s as usize], size(s as usize));
            // Shared anchors, common ones included, are at most these.
            let upper = shared + common(s as usize);
            if !may_be_contained(shared, rare_s, size_s, upper) {
                return;
            }
            let lacking: u32 =
                (0..4).map(|w| (signature[s as usize][w] & !signature[other as usize][w]).count_ones()).sum();
            let most = upper.min(size_s.saturating_sub(lacking));
            if may_be_contained(shared, rare_s, size_s, most) && apart(a, b) {
                found.1.push((other, s));
            }
        };
        let merge = |mut x: Found, y: Found| {
            x.0.extend(y.0);
            x.1.extend(y.1);
            x
        };
        // For every paragraph a, the rare anchors it shares with each b > a,
        // counted in a dense accumulator, one per worker (no pair list to
        // sort). Most pairs share one rare anchor by chance; one shared anchor
        // can only matter when the smaller text has no other rare anchor, and
        // those texts' pairs are taken from their one anchor below, so here
        // pairs sharing one are passed over without a look at either text.
        // The accumulator is one byte per text, so that more of it stays in the
        // cache (the counting is a random access per shared anchor): a count
        // stops at 255, far above the [`PASSAGE_ANCHORS`] that make a pair a
        // candidate whatever else is known, so no judgement changes.
        let (mut out, mut check): Found = (0..n.div_ceil(texts_per_job))
            .into_par_iter()
            .map_init(
                || (vec![0u8; n], Vec::new()),
                |(count, touched), job| {
                    let mut found: Found = Default::default();
                    let texts = job * texts_per_job..((job + 1) * texts_per_job).min(n);
                    // The job's texts' runs, one after another: each run lies
                    // at a scattered place, so the place of the run `FAR` ahead
                    // and the members of the run `NEAR` ahead are asked for.
                    let ahead = held.span(texts.clone());
                    let mut next = 0;
                    for a in texts {
                        for &r in held.of(a) {
                            if let Some(&far) = ahead.get(next + FAR) {
                                rare_runs.touch_start(far as usize);
                            }
                            if let Some(&near) = ahead.get(next + NEAR) {
                                rare_runs.touch_members(near as usize);
                            }
                            next += 1;
                            // A run's members are ascending: the partners after a.
                            let run = rare_runs.run(r as usize);
                            for &b in &run[run.partition_point(|&b| b as usize <= a)..] {
                                if count[b as usize] == 0 {
                                    touched.push(b);
                                }
                                count[b as usize] = count[b as usize].saturating_add(1);
                            }
                        }
                        // (The pairs are sorted once at the end.)
                        for b in touched.drain(..) {
                            let shared = u32::from(std::mem::take(&mut count[b as usize]));
                            if shared >= 2 {
                                judge(a as u32, b, shared, &mut found);
                            }
                        }
                    }
                    found
                },
            )
            .reduce(Found::default, merge);
        // Texts with one rare anchor, paired with the other holders of it (a
        // pair of two such texts once).
        let (one, one_check): Found = (0..n)
            .into_par_iter()
            .filter(|&i| rare[i] == 1 && !held.of(i).is_empty())
            .fold(Found::default, |mut found, i| {
                for &q in rare_runs.run(held.of(i)[0] as usize) {
                    let q = q as usize;
                    if q != i && !(rare[q] == 1 && q < i) {
                        judge(i.min(q) as u32, i.max(q) as u32, 1, &mut found);
                    }
                }
                found
            })
            .reduce(Found::default, merge);
        out.extend(one);
        check.extend(one_check);
        // Checked pairs are grouped by their larger text (a long article may
        // hold many short candidates): its anchors are collected once per group,
        // and every anchor the two share is counted.
        check.par_sort_unstable();
        let checked: Vec<(u32, u32, u32)> = check
            .par_chunk_by(|x, y| x.0 == y.0)
            .map_init(
                || (Vec::new(), Vec::new()),
                |(of_large, of_small), group| {
                    let large = group[0].0;
                    distinct_of(large as usize, of_large);
                    group
                        .iter()
                        .filter_map(|&(_, s)| {
                            distinct_of(s as usize, of_small);
                            let all = crate::verify::intersection(of_large, of_small) as u32;
                            let enough = all >= need_of(large, s) && 5 * all >= 3 * size(s as usize);
                            enough.then_some((large.min(s), large.max(s), all))
                        })
                        .collect::<Vec<_>>()
                },
            )
            .flatten_iter()
            .collect();
        out.extend(checked);
        out.par_sort_unstable();
        out
    }
}

/// Counts per text, incremented in batches. Common anchors are about half
/// of all anchors, their holders spread over every text: counted one by
/// one, nearly every increment would miss the cache. A batch of text
/// numbers is sorted by a counting sort on their high bits into 256 ranges
/// of texts, and the counters of each range, a slice that the cache holds,
/// are incremented together.
struct Tally {
    counts: Vec<u32>,
    pending: Vec<u32>,
    sorted: Vec<u32>,
    /// A text's range is its number shifted right by this much.
    shift: u32,
}

impl Tally {
    /// Text numbers held before they are counted.
    const BATCH: usize = 1 << 20;

    /// Counters for `n` texts.
    fn new(n: usize) -> Self {
        let bits = usize::BITS - n.leading_zeros();
        Tally { counts: vec![0; n], pending: Vec::new(), sorted: Vec::new(), shift: bits.saturating_sub(8) }
    }

    fn add(&mut self, texts: impl Iterator<Item = u32>) {
        self.pending.extend(texts);
        if self.pending.len() >= Self::BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let range = |i: u32| (i >> self.shift) as usize;
        let mut fill = [0usize; 256];
        for &i in &self.pending {
            fill[range(i)] += 1;
        }
        let mut at = 0;
        for f in &mut fill {
            (*f, at) = (at, at + *f);
        }
        self.sorted.resize(self.pending.len(), 0);
        for &i in &self.pending {
            let r = range(i);
            self.sorted[fill[r]] = i;
            fill[r] += 1;
        }
        for &i in &self.sorted {
            self.counts[i as usize] += 1;
        }
        self.pending.clear();
    }

    fn into_counts(mut self) -> Vec<u32> {
        self.flush();
        self.counts
    }
}

/// Runs ahead of the counting whose place ([`Runs::touch_start`]) and whose
/// members ([`Runs::touch_members`]) are asked for.
const FAR: usize = 16;
const NEAR: usize = 8;

/// Lists of texts one after another (compressed rows): run `r` is
/// `members[start[r]..start[r + 1]]`.
struct Runs {
    members: Vec<u32>,
    start: Vec<usize>,
}

impl Default for Runs {
    fn default() -> Self {
        Runs { members: Vec::new(), start: vec![0] }
    }
}

impl Runs {
    fn push(&mut self, run: impl Iterator<Item = u32>) {
        self.members.extend(run);
        self.start.push(self.members.len());
    }

    fn append(&mut self, other: Runs) {
        let base = self.members.len();
        self.members.extend_from_slice(&other.members);
        self.start.extend(other.start[1..].iter().map(|&e| base + e));
    }

    /// Keeps the runs that `keep` keeps, in order, in place.
    fn retain(&mut self, keep: impl Fn(&[u32]) -> bool) {
        let (mut to, mut kept) = (0, 1);
        for r in 0..self.start.len() - 1 {
            let (from, end) = (self.start[r], self.start[r + 1]);
            if keep(&self.members[from..end]) {
                self.members.copy_within(from..end, to);
                to += end - from;
                self.start[kept] = to;
                kept += 1;
            }
        }
        self.members.truncate(to);
        self.members.shrink_to_fit();
        self.start.truncate(kept);
        self.start.shrink_to_fit();
    }

    fn run(&self, r: usize) -> &[u32] {
        &self.members[self.start[r]..self.start[r + 1]]
    }

    /// The same memberships by member: list `i` holds, ascending, the runs
    /// that text `i` (of `n`) is in.
    fn by_member(&self, n: usize) -> Runs {
        let mut start = vec![0usize; n + 1];
        for &i in &self.members {
            start[i as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut members = vec![0u32; self.members.len()];
        let mut fill = start.clone();
        for r in 0..self.start.len() - 1 {
            for &i in self.run(r) {
                members[fill[i as usize]] = r as u32;
                fill[i as usize] += 1;
            }
        }
        Runs { members, start }
    }

    /// List `i` of a [`Runs::by_member`].
    fn of(&self, i: usize) -> &[u32] {
        self.run(i)
    }

    /// Lists `texts` of a [`Runs::by_member`], one after another.
    fn span(&self, texts: std::ops::Range<usize>) -> &[u32] {
        &self.members[self.start[texts.start]..self.start[texts.end]]
    }

    /// Asks the memory for where run `r` starts ([`crate::prefetch`]).
    #[inline]
    fn touch_start(&self, r: usize) {
        crate::prefetch::touch_range(&self.start, r..r + 2);
    }

    /// Asks the memory for the members of run `r`, whose start it reads.
    #[inline]
    fn touch_members(&self, r: usize) {
        crate::prefetch::touch_range(&self.members, self.start[r]..self.start[r + 1]);
    }
}

/// The longest passage of a text (given as its shingle hashes in text order)
/// made of shingles that `other` (a sorted set) also has, allowing gaps of up
/// to `n` unshared shingles inside it. Returns the character range
/// `[start, end)` of the passage and the number of shared shingles in it.
pub fn shared_run(hashes: &[u64], other: &[u64], n: usize) -> Option<(usize, usize, usize)> {
    let mut best: Option<(usize, usize, usize)> = None;
    let mut current: Option<(usize, usize, usize)> = None; // first, last marked position, count
    for (p, h) in hashes.iter().enumerate() {
        if other.binary_search(h).is_err() {
            continue;
        }
        current = match current {
            Some((first, last, count)) if p - last <= n + 1 => Some((first, p, count + 1)),
            _ => Some((p, p, 1)),
        };
        let c = current.unwrap();
        if best.is_none_or(|b| c.2 > b.2) {
            best = Some(c);
        }
    }
    // A shingle at position p covers characters p .. p + n.
    best.map(|(first, last, count)| (first, last + n, count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::Shingler;

    fn ordered(text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        Shingler::default().hashes(text, 5, 0, &mut out);
        out
    }

    #[test]
    fn finds_a_quoted_notice_inside_an_article() {
        let notice = "考生须凭本人准考证有效身份证件经人脸识别验证通过后方可进入考场";
        let article = format!("本报讯记者报道今年的考试安排已经公布{notice}其他事项另行通知请广大考生关注");
        let a = Shingler::default().set(notice, 5, 0);
        let pairs = candidate_pairs(&[&anchors_of(notice), &anchors_of(&article)]);
        assert_eq!(pairs.len(), 1);
        let (start, end, count) = shared_run(&ordered(&article), &a, 5).unwrap();
        let chars: Vec<char> = article.chars().collect();
        assert_eq!(chars[start..end].iter().collect::<String>(), notice);
        assert_eq!(count, notice.chars().count() - 4);
    }

    #[test]
    fn a_misread_character_does_not_cut_the_passage() {
        let text = "thecommitteemetontuesdaytoreviewthebudgetforthecomingyear";
        let noisy = "thecommitteemetontuesdaytorevicwthebudgetforthecomingyear";
        let set = Shingler::default().set(noisy, 5, 0);
        let (start, end, _) = shared_run(&ordered(text), &set, 5).unwrap();
        assert_eq!((start, end), (0, text.len()));
    }

    fn anchors_of(text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        anchors(&ordered(text), &mut Vec::new(), &mut out);
        out
    }

    /// `n` distinct anchor hashes from `from` on.
    fn hashes(from: u64, n: usize) -> Vec<u64> {
        (from..from + n as u64).collect()
    }

    #[test]
    fn every_window_holds_an_anchor_and_the_choice_follows_the_content() {
        let text = "the committee met on tuesday to review the budget for the coming year and the plan";
        let h = ordered(text);
        let mut chosen = Vec::new();
        anchors(&h, &mut Vec::new(), &mut chosen);
        for window in h.windows(WINDOW) {
            assert!(window.iter().any(|x| chosen.contains(x)));
        }
        let density = chosen.len() as f64 / h.len() as f64;
        assert!(density < 0.45, "{density}");
        // The same passage inside other words has the same anchors inside it.
        let inner = &text[20..60];
        let around = format!("zzqx {inner} wvyk");
        let (a, b) = (anchors_of(inner), anchors_of(&around));
        let inside: Vec<&u64> = a[1..a.len() - 1].iter().collect();
        assert!(inside.iter().all(|x| b.contains(x)), "{a:?} {b:?}");
    }

    #[test]
    fn a_text_of_stock_phrases_is_a_candidate_only_when_contained() {
        // Ten stock-phrase anchors held by seventy paragraphs each, two rare
        // anchors of the short text's own.
        let stock = hashes(1_000, 10);
        let own = hashes(2_000, 2);
        let mut sets: Vec<Vec<u64>> =
            (0..70u64).map(|i| [stock.clone(), hashes(10_000 + i * 100, 8)].concat()).collect();
        let short = [stock.clone(), own.clone()].concat();
        // Quotes it whole, among forty words of its own.
        let quoting = [short.clone(), hashes(50_000, 40)].concat();
        // Shares one of its rare anchors and six stock phrases.
        let chance = [vec![own[0]], stock[..6].to_vec(), hashes(60_000, 40)].concat();
        sets.extend([short, quoting, chance]);
        for s in &mut sets {
            s.sort_unstable();
        }
        let refs: Vec<&[u64]> = sets.iter().map(|s| s.as_slice()).collect();
        let pairs: Vec<(u32, u32)> = candidate_pairs(&refs).iter().map(|&(a, b, _)| (a, b)).collect();
        assert!(pairs.contains(&(70, 71)), "{pairs:?}");
        assert!(!pairs.contains(&(70, 72)), "{pairs:?}");
    }

    #[test]
    fn shared_anchors_of_a_checked_pair_are_counted_once_each() {
        // Two short texts of stock phrases and two rare anchors each, both
        // quoted in one longer text that repeats the stock phrases.
        let stock = hashes(1_000, 10);
        let mut sets: Vec<Vec<u64>> =
            (0..70u64).map(|i| [stock.clone(), hashes(10_000 + i * 100, 8)].concat()).collect();
        let first = [stock[..6].to_vec(), hashes(2_000, 2)].concat();
        let second = [stock[3..].to_vec(), hashes(3_000, 2)].concat();
        let quoting = [first.clone(), second.clone(), stock.clone(), hashes(50_000, 40)].concat();
        sets.extend([first, second, quoting]);
        let refs: Vec<&[u64]> = sets.iter().map(|s| s.as_slice()).collect();
        let pairs = candidate_pairs(&refs);
        // Six stock phrases and two rare anchors; seven and two.
        assert!(pairs.contains(&(70, 72, 8)), "{pairs:?}");
        assert!(pairs.contains(&(71, 72, 9)), "{pairs:?}");
        assert!(!pairs.iter().any(|&(a, b, _)| (a, b) == (70, 71)), "{pairs:?}");
    }

    #[test]
    fn packed_anchors_sort_by_hash_then_text() {
        let p = Packing::new(1000);
        assert_eq!(p.text_bits, 10);
        let h = 0xdead_beef_0123_4567u64;
        let (x, y) = (p.pack(h, 999), p.pack(h, 3));
        assert_eq!((p.text(x), p.text(y)), (999, 3));
        assert_eq!(p.hash(x), p.hash(y));
        assert!(y < x);
        // The bucket's bits are dropped, the next ones kept.
        assert_eq!(p.hash(x), (h >> 8) & ((1 << 54) - 1));
        assert_ne!(p.hash(p.pack(h ^ 1 << 8, 3)), p.hash(y));
        assert_eq!(Packing::new(1).text_bits, 1);
    }

    #[test]
    fn pairs_do_not_depend_on_the_budget_and_apart_leaves_pairs_out() {
        // Texts 2i and 2i + 1 share a passage of eight anchors; text 0 is
        // also contained whole in text 3 (which then shares text 1's
        // passage too).
        let mut sets: Vec<Vec<u64>> = (0..400u64)
            .map(|i| [hashes(1_000_000 + (i / 2) * 100, 8), hashes(10_000_000 + i * 1000, 30)].concat())
            .collect();
        let zero = sets[0].clone();
        sets[3].extend(zero);
        let all = |budget: usize, label: &(dyn Fn(u32) -> Option<u32> + Sync)| {
            candidate_pairs_of(sets.len(), budget, |i, out| out.extend_from_slice(&sets[i]), label).unwrap()
        };
        let pairs = all(usize::MAX, &|_| None);
        assert_eq!(all(0, &|_| None), pairs);
        let found: Vec<(u32, u32)> = pairs.iter().map(|&(a, b, _)| (a, b)).collect();
        assert!(found.contains(&(0, 3)) && found.contains(&(1, 3)));
        assert!((0..200).all(|i| found.contains(&(2 * i, 2 * i + 1))), "{found:?}");
        assert_eq!(found.len(), 202);
        // Texts 0 and 1 match otherwise, and so do 4 and 5: their passages
        // are not searched, 0's containment in 3 still is; texts 6 and 7
        // have labels, but not one label: their passage is searched.
        let label = |i: u32| match i {
            0 | 1 => Some(7),
            4 | 5 => Some(9),
            6 => Some(11),
            7 => Some(12),
            _ => None,
        };
        let fewer = all(0, &label);
        assert_eq!(fewer.len(), 200);
        assert!(!fewer.iter().any(|&(a, b, _)| (a, b) == (0, 1) || (a, b) == (4, 5)));
        assert!(fewer.iter().any(|&(a, b, _)| (a, b) == (0, 3)) && fewer.iter().any(|&(a, b, _)| (a, b) == (6, 7)));
    }

    #[test]
    fn anchors_added_in_any_order_from_any_thread_give_the_same_pairs() {
        // Families of five texts share passages, and a stock phrase that
        // every text holds is a common anchor; more texts than a worker
        // gathers before it cuts a piece.
        let n = 3 * TEXTS_PER_PIECE + 15;
        let sets: Vec<Vec<u64>> = (0..n as u64)
            .map(|i| [hashes(1 << 40, 3), hashes(1_000_000 + (i / 5) * 100, 7), hashes(1 << 32 | i << 6, 20)].concat())
            .collect();
        let anchors = |i: usize, out: &mut Vec<u64>| out.extend_from_slice(&sets[i]);
        // Every third family matches alike otherwise: its pairs are left out.
        let label = |i: u32| (i / 5 % 3 == 0).then_some(i / 5);
        let expected = candidate_pairs_of(n, usize::MAX, anchors, label).unwrap();
        let families = n.div_ceil(5);
        assert_eq!(expected.len(), 10 * (families - families.div_ceil(3)));
        for budget in [usize::MAX, 0] {
            let collector = Collector::new(n, budget);
            // Backwards and by two workers, each with repeats of its anchors.
            let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            pool.install(|| {
                (0..n).into_par_iter().rev().for_each(|i| {
                    let mut out = Vec::new();
                    anchors(i, &mut out);
                    anchors(i, &mut out);
                    out.reverse();
                    collector.add(i, &mut out);
                })
            });
            assert_eq!(collector.walk().unwrap().pairs(anchors, label), expected);
        }
    }

    #[test]
    fn kept_runs_stay_in_order() {
        let mut runs = Runs::default();
        for run in [vec![1, 2], vec![3, 4, 5], vec![6, 7], vec![8, 9, 10, 11]] {
            runs.push(run.into_iter());
        }
        runs.retain(|run| run.len() != 2);
        assert_eq!((runs.run(0), runs.run(1)), (&[3, 4, 5][..], &[8, 9, 10, 11][..]));
        assert_eq!(runs.start.len(), 3);
        runs.retain(|_| false);
        assert!(runs.members.is_empty() && runs.start == [0]);
    }

    #[test]
    fn a_tally_counts_what_it_is_given_in_and_across_batches() {
        for n in [1usize, 3, 255, 256, 257, 100_000] {
            let mut tally = Tally::new(n);
            let mut want = vec![0u32; n];
            // More than a batch, in runs that cross batches.
            let mut x = 12345u64;
            for _ in 0..(Tally::BATCH * 5 / 2) / 64 {
                let run: Vec<u32> = (0..64)
                    .map(|_| {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        ((x >> 33) % n as u64) as u32
                    })
                    .collect();
                run.iter().for_each(|&i| want[i as usize] += 1);
                tally.add(run.into_iter());
            }
            assert_eq!(tally.into_counts(), want, "{n} texts");
        }
    }

    #[test]
    fn unrelated_texts_share_nothing() {
        let b = Shingler::default().set("zyxwvutsrqponmlkjihgfedcba9876543210", 5, 0);
        let (x, y) =
            (anchors_of("abcdefghijklmnopqrstuvwxyz0123456789"), anchors_of("zyxwvutsrqponmlkjihgfedcba9876543210"));
        assert!(candidate_pairs(&[&x, &y]).is_empty());
        assert!(shared_run(&ordered("abcdefghijklmnopqrstuvwxyz"), &b, 5).is_none());
    }
}

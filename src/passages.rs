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

/// Candidates `(a, b, shared anchors)` and pairs to check by counting all
/// shared anchors.
type Found = (Vec<(u32, u32, u32)>, Vec<(u32, u32)>);

/// Buckets the anchors are sorted in, one by one.
const BUCKETS: usize = 256;

// Anchors are chosen for their least mixed hash, so the mixed hash's bits are
// skewed; the shingle hash itself is uniform, and disjoint parts of it pick
// the bucket and the signature bit.

#[inline]
fn bucket_of(h: u64) -> usize {
    h as usize % BUCKETS
}

/// One bucket of anchors `(hash, text)`: pieces in memory, and pieces in a
/// temporary file (deleted when closed) once the budget is spent.
#[derive(Default)]
struct Bucket {
    memory: Vec<Vec<(u64, u32)>>,
    file: Option<BufWriter<File>>,
}

/// Bytes of one anchor in a bucket's file.
const RECORD: usize = 12;

impl Bucket {
    fn add(&mut self, piece: Vec<(u64, u32)>, in_memory: bool) -> std::io::Result<()> {
        if in_memory {
            self.memory.push(piece);
            return Ok(());
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(BufWriter::new(tempfile::tempfile()?)),
        };
        let mut bytes = Vec::with_capacity(piece.len() * RECORD);
        for (h, i) in piece {
            bytes.extend_from_slice(&h.to_le_bytes());
            bytes.extend_from_slice(&i.to_le_bytes());
        }
        file.write_all(&bytes)
    }

    /// All the bucket's anchors, its file read back.
    fn take(self) -> std::io::Result<Vec<(u64, u32)>> {
        let mut bytes = Vec::new();
        if let Some(file) = self.file {
            let mut file = file.into_inner().map_err(|e| e.into_error())?;
            file.seek(SeekFrom::Start(0))?;
            file.read_to_end(&mut bytes)?;
        }
        let mut all = Vec::with_capacity(self.memory.iter().map(Vec::len).sum::<usize>() + bytes.len() / RECORD);
        for piece in self.memory {
            all.extend_from_slice(&piece);
        }
        all.extend(
            bytes.chunks_exact(RECORD).map(|r| {
                (u64::from_le_bytes(r[..8].try_into().unwrap()), u32::from_le_bytes(r[8..].try_into().unwrap()))
            }),
        );
        Ok(all)
    }
}

#[inline]
fn signature_bit(h: u64) -> usize {
    (h >> 8) as usize % 256
}

/// Pairs `(i, j)`, `i < j`, of texts given by their anchors that share
/// enough of them to be aligned, with the number shared. Sorted. See
/// [`candidate_pairs_of`].
pub fn candidate_pairs(anchors: &[&[u64]]) -> Vec<(u32, u32, u32)> {
    candidate_pairs_of(anchors.len(), usize::MAX, |i, out| out.extend_from_slice(anchors[i]))
        .expect("no temporary files without a budget")
}

/// Pairs `(i, j)`, `i < j`, of `n` texts that share enough anchors to be
/// aligned, with the number shared; `anchors(i, out)` appends the anchors
/// of text `i`. Sorted.
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
/// The list of every anchor with its text (16 bytes per anchor, about
/// 2 / (WINDOW + 1) of the characters) is the largest thing a scan holds:
/// it is split into buckets by hash as it is made, and what does not fit in
/// `budget` bytes goes to temporary files (12 bytes per anchor), each bucket
/// then sorted and walked on its own. The result does not depend on
/// `budget`; an error is one of reading or writing those files.
pub fn candidate_pairs_of(
    n: usize,
    budget: usize,
    anchors: impl Fn(usize, &mut Vec<u64>) + Sync,
) -> std::io::Result<Vec<(u32, u32, u32)>> {
    let texts_per_job = n.div_ceil(rayon::current_num_threads() * 16).max(1);
    // Per paragraph: how many of its anchors are rare, how many common; and
    // the member lists of the rare anchors held by two or more (compressed
    // rows).
    let (rare_at, common_at): (Vec<AtomicU32>, Vec<AtomicU32>) =
        (0..n).map(|_| (AtomicU32::new(0), AtomicU32::new(0))).unzip();
    // Per paragraph, a 256-bit signature of its common anchors: bits of s
    // missing from b's stand for distinct anchors of s that b lacks.
    let signature_at: Vec<[AtomicU64; 4]> = (0..n).map(|_| Default::default()).collect();
    // Each job's anchors, split by hash into buckets at once; a job's pieces
    // join their buckets in memory while the budget lasts, then in files.
    let buckets: Vec<Mutex<Bucket>> = (0..BUCKETS).map(|_| Mutex::new(Bucket::default())).collect();
    let held_bytes = AtomicUsize::new(0);
    const TEXTS_PER_PIECE: usize = 4096;
    (0..n.div_ceil(TEXTS_PER_PIECE)).into_par_iter().try_for_each_init(Vec::new, |buf, job| {
        let mut part = vec![Vec::new(); BUCKETS];
        for i in job * TEXTS_PER_PIECE..((job + 1) * TEXTS_PER_PIECE).min(n) {
            buf.clear();
            anchors(i, buf);
            // Repeats within a text are removed once sorted.
            for &h in buf.iter() {
                part[bucket_of(h)].push((h, i as u32));
            }
        }
        for (b, piece) in part.into_iter().enumerate().filter(|(_, p)| !p.is_empty()) {
            // What the piece takes, growth slack included.
            let bytes = piece.capacity() * std::mem::size_of::<(u64, u32)>();
            let in_memory = held_bytes.fetch_add(bytes, Relaxed) + bytes <= budget;
            if !in_memory {
                held_bytes.fetch_sub(bytes, Relaxed);
            }
            buckets[b].lock().unwrap_or_else(|e| e.into_inner()).add(piece, in_memory)?;
        }
        Ok::<(), std::io::Error>(())
    })?;
    // Per bucket: its rare runs of two or more, and the counts it adds.
    let walked: Vec<(Vec<u32>, Vec<usize>)> = buckets
        .into_par_iter()
        .map(|bucket| {
            let mut postings = bucket.into_inner().unwrap_or_else(|e| e.into_inner()).take()?;
            postings.sort_unstable();
            postings.dedup();
            let (mut members, mut ends) = (Vec::new(), Vec::new());
            for run in postings.chunk_by(|a, b| a.0 == b.0) {
                if run.len() <= MAX_POSTING {
                    for &(_, i) in run {
                        rare_at[i as usize].fetch_add(1, Relaxed);
                    }
                    if run.len() >= 2 {
                        members.extend(run.iter().map(|&(_, i)| i));
                        ends.push(members.len());
                    }
                } else {
                    let bit = signature_bit(run[0].0);
                    for &(_, i) in run {
                        common_at[i as usize].fetch_add(1, Relaxed);
                        signature_at[i as usize][bit / 64].fetch_or(1 << (bit % 64), Relaxed);
                    }
                }
            }
            Ok((members, ends))
        })
        .collect::<std::io::Result<_>>()?;
    let mut members: Vec<u32> = Vec::new();
    let mut run_start: Vec<usize> = vec![0];
    for (m, ends) in walked {
        let base = members.len();
        members.extend_from_slice(&m);
        run_start.extend(ends.iter().map(|&e| base + e));
    }
    let rare: Vec<u32> = rare_at.into_iter().map(AtomicU32::into_inner).collect();
    let common: Vec<u32> = common_at.into_iter().map(AtomicU32::into_inner).collect();
    let signature: Vec<[u64; 4]> = signature_at.into_iter().map(|w| w.map(AtomicU64::into_inner)).collect();
    // Per paragraph, the rare anchors it holds.
    let mut held_start = vec![0usize; n + 1];
    for &i in &members {
        held_start[i as usize + 1] += 1;
    }
    for i in 0..n {
        held_start[i + 1] += held_start[i];
    }
    let mut held = vec![0u32; members.len()];
    let mut fill = held_start.clone();
    for r in 0..run_start.len() - 1 {
        for &i in &members[run_start[r]..run_start[r + 1]] {
            held[fill[i as usize]] = r as u32;
            fill[i as usize] += 1;
        }
    }
    drop(fill);
    // Anchors a pair must share: a passage of PASSAGE_ANCHORS' worth, or half
    // of the smaller text's (a contained text shares nearly all of its own),
    // and never fewer than MIN_ANCHORS. Chance pairs of long paragraphs that
    // share a few common words are not aligned.
    let smaller = |a: u32, b: u32| {
        if rare[a as usize] + common[a as usize] <= rare[b as usize] + common[b as usize] {
            a
        } else {
            b
        }
    };
    let needed = |a: u32, b: u32| {
        let small = (rare[a as usize] + common[a as usize]).min(rare[b as usize] + common[b as usize]);
        (small.div_ceil(2)).min(PASSAGE_ANCHORS as u32).max(MIN_ANCHORS as u32)
    };
    // A pair sharing `shared` rare anchors: a candidate when that is enough;
    // checked when the smaller text could be contained in the other.
    let judge = |a: u32, b: u32, shared: u32, found: &mut Found| {
        let need = needed(a, b);
        let (s, other) = if smaller(a, b) == a { (a as usize, b as usize) } else { (b as usize, a as usize) };
        if shared >= need {
            found.0.push((a, b, shared));
        } else if 2 * shared >= rare[s] && shared >= rare[s].min(2) {
            // At most this many anchors shared, common ones included: every
            // signature bit of s that the other lacks is a common anchor it
            // lacks.
            let lacking: u32 = (0..4).map(|w| (signature[s][w] & !signature[other][w]).count_ones()).sum();
            let most = shared + common[s] - lacking;
            if most >= need && 5 * most >= 3 * (rare[s] + common[s]) {
                found.1.push((a, b));
            }
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
    let (mut out, mut check): Found = (0..n.div_ceil(texts_per_job))
        .into_par_iter()
        .map_init(
            || (vec![0u32; n], Vec::new()),
            |(count, touched), job| {
                let mut found: Found = (Vec::new(), Vec::new());
                for a in job * texts_per_job..((job + 1) * texts_per_job).min(n) {
                    for &r in &held[held_start[a]..held_start[a + 1]] {
                        // A run's members are ascending: the partners after a.
                        let run = &members[run_start[r as usize]..run_start[r as usize + 1]];
                        for &b in &run[run.partition_point(|&b| b as usize <= a)..] {
                            if count[b as usize] == 0 {
                                touched.push(b);
                            }
                            count[b as usize] += 1;
                        }
                    }
                    // (The pairs are sorted once at the end.)
                    for b in touched.drain(..) {
                        let shared = std::mem::take(&mut count[b as usize]);
                        if shared >= 2 {
                            judge(a as u32, b, shared, &mut found);
                        }
                    }
                }
                found
            },
        )
        .reduce(|| (Vec::new(), Vec::new()), merge);
    // Texts with one rare anchor, paired with the other holders of it (a
    // pair of two such texts once).
    let (one_out, one_check): Found = (0..n)
        .into_par_iter()
        .filter(|&i| rare[i] == 1 && held_start[i + 1] > held_start[i])
        .fold(
            || (Vec::new(), Vec::new()),
            |mut found, i| {
                let r = held[held_start[i]] as usize;
                for &q in &members[run_start[r]..run_start[r + 1]] {
                    let q = q as usize;
                    if q != i && !(rare[q] == 1 && q < i) {
                        judge(i.min(q) as u32, i.max(q) as u32, 1, &mut found);
                    }
                }
                found
            },
        )
        .reduce(|| (Vec::new(), Vec::new()), merge);
    out.extend(one_out);
    check.extend(one_check);
    // Checked pairs come grouped by their first text: its anchors are
    // collected once per group.
    let checked: Vec<(u32, u32, u32)> = check
        .par_chunk_by(|x, y| x.0 == y.0)
        .map_init(
            || (Vec::new(), Vec::new()),
            |(of_a, of_b), group| {
                let a = group[0].0;
                of_a.clear();
                anchors(a as usize, of_a);
                of_a.sort_unstable();
                of_a.dedup();
                group
                    .iter()
                    .filter_map(|&(_, b)| {
                        of_b.clear();
                        anchors(b as usize, of_b);
                        of_b.sort_unstable();
                        of_b.dedup();
                        let all = crate::verify::intersection(of_a, of_b) as u32;
                        let s = smaller(a, b) as usize;
                        (all >= needed(a, b) && 5 * all >= 3 * (rare[s] + common[s])).then_some((a, b, all))
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten_iter()
        .collect();
    out.extend(checked);
    out.par_sort_unstable();
    Ok(out)
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
    fn unrelated_texts_share_nothing() {
        let b = Shingler::default().set("zyxwvutsrqponmlkjihgfedcba9876543210", 5, 0);
        let (x, y) =
            (anchors_of("abcdefghijklmnopqrstuvwxyz0123456789"), anchors_of("zyxwvutsrqponmlkjihgfedcba9876543210"));
        assert!(candidate_pairs(&[&x, &y]).is_empty());
        assert!(shared_run(&ordered("abcdefghijklmnopqrstuvwxyz"), &b, 5).is_none());
    }
}

//! Locality-sensitive hashing by banding: which sketched items to compare.
//!
//! The k slots of a MinHash sketch are cut into `b` bands of `r` rows; two
//! items become a candidate pair when all r slots of at least one band agree.
//! For Jaccard similarity s that happens with probability
//! P(s) = 1 − (1 − s^r)^b. Every candidate is verified exactly afterwards, so
//! banding is tuned for recall: [`Banding::for_threshold`] picks the largest r
//! (fewest false candidates) whose P(threshold) still reaches the target.
//!
//! Buckets are formed by sorting (band, band hash, item) triples, so the result
//! does not depend on thread count or hash-map iteration order. A bucket of m
//! items yields all m(m−1)/2 pairs only while m is small; beyond
//! [`BUCKET_ALL_PAIRS`] each item is paired with the next `BUCKET_ALL_PAIRS`
//! items, so pairs grow linearly with m, not quadratically. Items of one large
//! bucket are near-identical to each other, so the chains still connect them.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;
use zerocopy::IntoBytes;

/// Buckets up to this size yield all pairs; larger ones a sliding window.
pub const BUCKET_ALL_PAIRS: usize = 64;

/// How many buckets ahead of its pairs a bucket's sketches are asked for.
const AHEAD: usize = 4;

/// Recall the automatic banding aims for at the threshold.
pub const TARGET_RECALL: f64 = 0.99;

/// `bands` × `rows` slots of a sketch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Banding {
    pub bands: usize,
    pub rows: usize,
}

impl Banding {
    /// Probability that a pair of Jaccard similarity `s` shares a band.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The banding of at most `k` slots with the most rows per band whose
    /// probability at `threshold` reaches `target`; one row per band (every
    /// shared slot is a candidate) when none does.
    pub fn for_threshold(k: usize, threshold: f64, target: f64) -> Self {
        (1..=k)
            .rev()
            .map(|rows| Banding { bands: k / rows, rows })
            .find(|b| b.probability(threshold) >= target)
            .unwrap_or(Banding { bands: k, rows: 1 })
    }
}

/// Candidate pairs `(i, j)`, `i < j`, among `n` sketches of `k` slots stored
/// one after another in `sketches`. Sorted, without repeats.
pub fn candidate_pairs<T: Slot>(sketches: &[T], k: usize, banding: Banding) -> Vec<(u32, u32)> {
    candidate_pairs_where(sketches, k, banding, |_, _| true)
}

/// [`candidate_pairs`] that `keep`s: the filter runs as each band's pairs are
/// made, so pairs it drops (chance band collisions, which grow with the
/// square of the corpus) are never all held at once.
pub fn candidate_pairs_where<T: Slot>(
    sketches: &[T],
    k: usize,
    banding: Banding,
    keep: impl Fn(u32, u32) -> bool + Sync,
) -> Vec<(u32, u32)> {
    let n = sketches.len() / k;
    let keys = |band: usize, out: &mut Vec<u64>| {
        let lo = band * banding.rows;
        out.clear();
        out.extend((0..n).map(|i| packed(band_key(&sketches[i * k + lo..i * k + lo + banding.rows], band), i as u32)));
    };
    let touch = |i: u32| crate::prefetch::touch_range(sketches, i as usize * k..(i as usize + 1) * k);
    candidate_pairs_by(n, k, banding, keys, touch, || &keep)
}

/// An item's [`band_key`] of one band and its index in one word, so that
/// sorting the words of a band makes its buckets, each item ascending.
#[inline]
pub fn packed(key: u32, item: u32) -> u64 {
    u64::from(key) << 32 | u64::from(item)
}

/// [`candidate_pairs_where`] of `n` sketches of `k` slots kept elsewhere:
/// `keys(band, out)` puts every sketch's [`band_key`] of that band's rows with
/// its index, [`packed`], in any order, in `out` (a buffer each worker reuses
/// from band to band: fresh memory costs a page fault per page). `touch(i)` is called for the members of a
/// bucket a few buckets before their pairs are judged, so that sketches in
/// memory can be asked for ahead ([`crate::prefetch`]): judging reads two
/// sketches at scattered places, and waiting for them was a third of this
/// stage. `keep()` makes the filter of one band, which judges its pairs one
/// after another on one worker. A pair is judged in every band it collides
/// in: looking it up among the pairs kept costs about what comparing two
/// sketches in memory does.
pub fn candidate_pairs_by<K: FnMut(u32, u32) -> bool>(
    n: usize,
    k: usize,
    banding: Banding,
    keys: impl Fn(usize, &mut Vec<u64>) + Sync,
    touch: impl Fn(u32) + Sync,
    keep: impl Fn() -> K + Sync,
) -> Vec<(u32, u32)> {
    assert!(banding.bands * banding.rows <= k);
    let kept: Vec<Vec<u64>> = (0..banding.bands)
        .into_par_iter()
        .map_init(Vec::new, |keys_of_band, band| {
            let mut keep = keep();
            keys(band, keys_of_band);
            let keys = &mut *keys_of_band;
            debug_assert_eq!(keys.len(), n);
            keys.sort_unstable();
            let mut out = Vec::new();
            let mut ids = Vec::new();
            let buckets = || keys.chunk_by(|a, b| a >> 32 == b >> 32).filter(|b| b.len() > 1);
            let mut ahead = buckets().skip(AHEAD);
            for bucket in buckets() {
                for &key in ahead.next().unwrap_or_default() {
                    touch(key as u32);
                }
                ids.clear();
                ids.extend(bucket.iter().map(|&key| key as u32));
                let from = out.len();
                pairs_of_bucket(&ids, &mut out);
                let mut at = from;
                for p in from..out.len() {
                    let pair = out[p];
                    if keep(pair.0, pair.1) {
                        out[at] = pair;
                        at += 1;
                    }
                }
                out.truncate(at);
            }
            out.into_iter().map(|(a, b)| u64::from(a) << 32 | u64::from(b)).collect()
        })
        .collect();
    let mut kept = kept.concat();
    kept.par_sort_unstable();
    kept.dedup();
    kept.into_iter().map(|w| ((w >> 32) as u32, w as u32)).collect()
}

/// The (band hash, item) keys of `band` for every one of the sketches of `k`
/// slots in `sketches`, sorted: items with equal band hashes form a bucket.
pub fn band_keys<T: Slot>(sketches: &[T], k: usize, banding: Banding, band: usize) -> Vec<(u64, u32)> {
    let lo = band * banding.rows;
    let mut keys: Vec<(u64, u32)> = (0..sketches.len() / k)
        .map(|i| {
            let slots = &sketches[i * k + lo..i * k + lo + banding.rows];
            (band_hash(slots, band as u64), i as u32)
        })
        .collect();
    keys.sort_unstable();
    keys
}

/// Pairs of one bucket whose members are given in ascending order.
pub fn pairs_of_bucket(ids: &[u32], out: &mut Vec<(u32, u32)>) {
    let window = ids.len().min(BUCKET_ALL_PAIRS);
    for (x, &a) in ids.iter().enumerate() {
        for &b in ids.iter().skip(x + 1).take(window) {
            out.push((a, b));
        }
    }
}

/// A sketch slot value: 32 bits as MinHash makes them, or their low 16 bits
/// as a scan keeps them.
pub trait Slot: Copy + Eq + Send + Sync + zerocopy::IntoBytes + zerocopy::Immutable {}

impl Slot for u32 {}

impl Slot for u16 {}

/// The key of one band's `slots`, seeded by the band: the bucket a scan
/// puts the item in. The hash of the slots' little-endian bytes, on every
/// machine.
pub fn band_hash<T: Slot>(slots: &[T], band: u64) -> u64 {
    #[cfg(target_endian = "little")]
    {
        band_hash_le(slots.as_bytes(), band)
    }
    #[cfg(not(target_endian = "little"))]
    {
        let little: Vec<u8> =
            slots.iter().flat_map(|s| s.as_bytes().iter().rev().copied().collect::<Vec<u8>>()).collect();
        band_hash_le(&little, band)
    }
}

/// The bucket of one band's `slots` in a scan and in an index: the low 32
/// bits of its [`band_hash`]. Items that collide by chance in those bits
/// become candidates that the estimate filter and verification reject;
/// none is lost.
#[inline]
pub fn band_key<T: Slot>(slots: &[T], band: usize) -> u32 {
    band_hash(slots, band as u64) as u32
}

/// [`band_hash`] of slots given as their little-endian bytes (as a file of
/// sketches holds them).
#[inline]
pub fn band_hash_le(bytes: &[u8], band: u64) -> u64 {
    xxh3_64_with_seed(bytes, band)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banding_table() {
        let cases = [(128, 0.5, 3, 42), (128, 0.8, 6, 21), (128, 0.9, 10, 12), (16, 0.1, 1, 16)];
        for (k, t, rows, bands) in cases {
            let b = Banding::for_threshold(k, t, TARGET_RECALL);
            assert_eq!((b.rows, b.bands), (rows, bands), "k={k} t={t}");
            assert!(b.bands * b.rows <= k);
        }
    }

    /// Band keys are kept in indexes and Parquet tables: they hash the
    /// slots' little-endian bytes, as they always did.
    #[test]
    fn band_hash_is_that_of_the_little_endian_bytes() {
        let slots16: [u16; 6] = [1, 0x0203, 0xfffe, 7, 0, 0x8000];
        let bytes16: Vec<u8> = slots16.iter().flat_map(|s| s.to_le_bytes()).collect();
        assert_eq!(band_hash(&slots16, 5), xxh3_64_with_seed(&bytes16, 5));
        let slots32: [u32; 3] = [0x01020304, 0xfffffffe, 9];
        let bytes32: Vec<u8> = slots32.iter().flat_map(|s| s.to_le_bytes()).collect();
        assert_eq!(band_hash(&slots32, 11), band_hash_le(&bytes32, 11));
        assert_ne!(band_hash(&slots16, 5), band_hash(&slots16, 6));
    }

    #[test]
    fn bucket_pairs_linear_beyond_window() {
        let mut out = Vec::new();
        pairs_of_bucket(&(0..10_000u32).collect::<Vec<_>>(), &mut out);
        assert!(out.len() <= 10_000 * BUCKET_ALL_PAIRS);
        // Consecutive members are always paired, so the bucket stays connected.
        assert!((0..9_999u32).all(|i| out.binary_search(&(i, i + 1)).is_ok()));
        let mut small = Vec::new();
        pairs_of_bucket(&[0, 1, 2, 3, 4], &mut small);
        assert_eq!(small.len(), 10);
    }

    /// Oracle: LSH followed by exact verification finds every pair whose
    /// Jaccard index is at least the threshold + 0.1, on random set pairs of
    /// every similarity (a fixed seed keeps the test repeatable).
    #[test]
    fn finds_every_pair_above_threshold_plus_margin() {
        use crate::minhash::{mix, OnePermutation};
        use crate::verify::jaccard;
        let oph = OnePermutation::new(128, 42);
        let mut sets: Vec<Vec<u64>> = Vec::new();
        let mut next = 0u64;
        for p in 0..600u64 {
            let size = 20 + mix(p) % 400;
            // Jaccard uniform in [0, 1]: shared = 2·size·J / (1 + J).
            let target = (mix(p ^ 0xABCD) % 1001) as f64 / 1000.0;
            let shared = ((2.0 * size as f64 * target / (1.0 + target)).round() as u64).clamp(1, size);
            let mut a: Vec<u64> = (next..next + size).map(mix).collect();
            let mut b: Vec<u64> = (next + size - shared..next + 2 * size - shared).map(mix).collect();
            next += 2 * size + 1;
            a.sort_unstable();
            b.sort_unstable();
            sets.push(a);
            sets.push(b);
        }
        let sketches: Vec<u32> = sets.iter().flat_map(|s| oph.sketch(s.iter().copied()).unwrap()).collect();
        for threshold in [0.3, 0.5, 0.6, 0.7, 0.8] {
            let banding = Banding::for_threshold(128, threshold, TARGET_RECALL);
            let pairs = candidate_pairs(&sketches, 128, banding);
            let mut checked = 0;
            for i in (0..sets.len()).step_by(2) {
                let j = jaccard(&sets[i], &sets[i + 1]);
                if j >= threshold + 0.1 {
                    checked += 1;
                    assert!(
                        pairs.binary_search(&(i as u32, i as u32 + 1)).is_ok(),
                        "missed pair of Jaccard {j:.3} at threshold {threshold}"
                    );
                }
            }
            assert!(checked > 30, "too few pairs above {threshold}: {checked}");
        }
    }

    /// Banding finds the pairs that agree in all rows of some band and that
    /// `keep` accepts, whatever the number of workers, and asks `keep` about
    /// a pair in every band it shares.
    #[test]
    fn pairs_are_those_sharing_a_band_and_each_band_asks() {
        use crate::minhash::mix;
        use std::collections::HashMap;
        use std::sync::Mutex;
        let (k, banding) = (24, Banding { bands: 8, rows: 3 });
        // Families of five items whose slots agree where a mixed bit says.
        let n = 300;
        let sketches: Vec<u32> = (0..n as u64)
            .flat_map(|i| {
                (0..k as u64)
                    .map(move |s| if mix(i * 31 + s) % 3 == 0 { i * 1000 + s } else { (i / 5) * 1000 + s } as u32)
            })
            .collect();
        let sketch = |i: u32| &sketches[i as usize * k..][..k];
        let keep = |a: u32, b: u32| mix(u64::from(a) << 32 | u64::from(b)) % 4 != 0;
        let mut expected = Vec::new();
        for a in 0..n as u32 {
            for b in a + 1..n as u32 {
                let share = (0..banding.bands).any(|band| {
                    let rows = band * banding.rows..(band + 1) * banding.rows;
                    sketch(a)[rows.clone()] == sketch(b)[rows]
                });
                if share && keep(a, b) {
                    expected.push((a, b));
                }
            }
        }
        assert!(expected.len() > 200, "{}", expected.len());
        for threads in [1, 2, 3] {
            let asked: Mutex<HashMap<(u32, u32), usize>> = Mutex::default();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let keys = |band: usize, out: &mut Vec<u64>| {
                let rows = band * banding.rows..(band + 1) * banding.rows;
                out.clear();
                out.extend((0..n as u32).map(|i| packed(band_key(&sketch(i)[rows.clone()], band), i)));
            };
            let ask = |a: u32, b: u32| {
                *asked.lock().unwrap().entry((a, b)).or_default() += 1;
                keep(a, b)
            };
            let pairs = pool.install(|| candidate_pairs_by(n, k, banding, keys, |_| {}, || &ask));
            assert_eq!(pool.install(|| candidate_pairs_where(&sketches, k, banding, keep)), expected);
            assert_eq!(pairs, expected, "{threads} workers");
            let asked = asked.into_inner().unwrap();
            for (&(a, b), &times) in &asked {
                let shared = (0..banding.bands)
                    .filter(|band| {
                        let rows = band * banding.rows..(band + 1) * banding.rows;
                        sketch(a)[rows.clone()] == sketch(b)[rows]
                    })
                    .count();
                assert_eq!(times, shared, "{threads} workers: ({a}, {b})");
            }
            assert!(asked.values().any(|&c| c > 1), "{threads} workers");
        }
    }
}

//! 64-bit SimHash fingerprints and Hamming-distance candidates by permuted
//! tables (Charikar 2002; Manku, Jain, Das Sarma, WWW 2007).
//!
//! Each shingle hash votes on every bit; the fingerprint keeps the majority.
//! Texts with similar shingle sets get fingerprints at a small Hamming
//! distance. To find all pairs within distance `d` without comparing all
//! pairs, the 64 bits are cut into `d + 2` pieces: two fingerprints within `d`
//! differ in at most `d` pieces, so they agree on at least two, and for every
//! choice of two pieces ("a permuted table") the fingerprints are sorted by
//! those bits and only runs that agree on them are compared.
//!
//! SimHash suits close near-duplicates (a few percent of changed shingles);
//! below about Jaccard 0.8 the expected distance grows past any practical `d`,
//! and MinHash is the method to use.

use rayon::prelude::*;

/// SimHash of a set of shingle hashes (repeats count as extra votes).
pub fn fingerprint(hashes: &[u64]) -> u64 {
    let mut votes = [0i32; 64];
    for &h in hashes {
        let h = crate::minhash::mix(h);
        for (bit, v) in votes.iter_mut().enumerate() {
            *v += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    votes.iter().enumerate().fold(0u64, |acc, (bit, &v)| if v > 0 { acc | 1 << bit } else { acc })
}

/// Pieces of the 64 bits for a maximum distance `d`: `d + 2` contiguous ranges.
fn pieces(d: u32) -> Vec<(u32, u32)> {
    let n = d + 2;
    (0..n).map(|i| (i * 64 / n, (i + 1) * 64 / n)).collect()
}

fn mask(lo: u32, hi: u32) -> u64 {
    if hi - lo == 64 {
        u64::MAX
    } else {
        ((1u64 << (hi - lo)) - 1) << lo
    }
}

/// The permuted tables for a maximum distance `d`: for every choice of two of
/// the `d + 2` pieces, the mask of their bits. Two fingerprints within `d`
/// agree under at least one of them.
pub fn table_masks(d: u32) -> Vec<u64> {
    let ps = pieces(d);
    (0..ps.len())
        .flat_map(|a| (a + 1..ps.len()).map(move |b| (a, b)))
        .map(|(a, b)| mask(ps[a].0, ps[a].1) | mask(ps[b].0, ps[b].1))
        .collect()
}

/// A fingerprint's key in the table of `mask`, in 32 bits: equal for
/// fingerprints that agree under the mask (others collide by chance, one
/// in four billion, and the distance check drops them).
pub fn table_key(fingerprint: u64, mask: u64) -> u32 {
    (crate::minhash::mix(fingerprint & mask) >> 32) as u32
}

/// The table of `mask`: every fingerprint's bits under the mask with its
/// index, sorted, so fingerprints that agree under it are neighbours.
pub fn table(fingerprints: &[u64], mask: u64) -> Vec<(u64, u32)> {
    let mut keyed: Vec<(u64, u32)> = fingerprints.iter().enumerate().map(|(i, &f)| (f & mask, i as u32)).collect();
    keyed.sort_unstable();
    keyed
}

/// All pairs `(i, j)`, `i < j`, of `fingerprints` within Hamming distance
/// `max_distance`. Sorted, without repeats.
pub fn candidate_pairs(fingerprints: &[u64], max_distance: u32) -> Vec<(u32, u32)> {
    assert!(max_distance <= 30, "Hamming distance {max_distance} is too large for permuted tables");
    let tables = table_masks(max_distance);
    let mut pairs: Vec<(u32, u32)> = tables
        .par_iter()
        .flat_map_iter(|&m| {
            let keyed = table(fingerprints, m);
            let mut out = Vec::new();
            for run in keyed.chunk_by(|a, b| a.0 == b.0) {
                for (x, &(_, i)) in run.iter().enumerate() {
                    for &(_, j) in &run[x + 1..] {
                        if (fingerprints[i as usize] ^ fingerprints[j as usize]).count_ones() <= max_distance {
                            out.push((i.min(j), i.max(j)));
                        }
                    }
                }
            }
            out
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn similar_sets_close_fingerprints() {
        let a: Vec<u64> = (0..1000).collect();
        let mut b = a.clone();
        b[0] = 5000;
        b[1] = 5001;
        let c: Vec<u64> = (2000..3000).collect();
        let (fa, fb, fc) = (fingerprint(&a), fingerprint(&b), fingerprint(&c));
        assert!((fa ^ fb).count_ones() <= 3);
        assert!((fa ^ fc).count_ones() > 10);
    }

    proptest! {
        #[test]
        fn tables_find_every_close_pair(seeds in proptest::collection::vec(any::<u64>(), 1..40),
                                        flips in proptest::collection::vec((0usize..40, 0u32..64), 0..80),
                                        d in 0u32..6) {
            let mut fps = seeds.clone();
            for (i, bit) in flips {
                let i = i % fps.len();
                let flipped = fps[i] ^ (1 << bit);
                fps.push(flipped);
            }
            let got = candidate_pairs(&fps, d);
            let mut want = Vec::new();
            for i in 0..fps.len() {
                for j in i + 1..fps.len() {
                    if (fps[i] ^ fps[j]).count_ones() <= d {
                        want.push((i as u32, j as u32));
                        // An index finds them by one table's key.
                        let masks = table_masks(d);
                        prop_assert!(masks.iter().any(|&m| table_key(fps[i], m) == table_key(fps[j], m)));
                    }
                }
            }
            prop_assert_eq!(got, want);
        }
    }
}

//! Exact set similarity: the check every candidate pair must pass.
//!
//! Sketches only *estimate* similarity; a reported similarity is always the
//! exact Jaccard index of the two shingle sets, computed here by one merge
//! pass over the sorted sets.

/// Size of the intersection of two sorted, repeat-free slices.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Jaccard index |A ∩ B| / |A ∪ B| of two sorted, repeat-free sets; two empty
/// sets are identical (1.0).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let i = intersection(a, b);
    i as f64 / (a.len() + b.len() - i) as f64
}

/// Whether the Jaccard index of `a` and `b` can reach `threshold` at all,
/// judged by their sizes alone (|A ∩ B| ≤ min, |A ∪ B| ≥ max).
pub fn may_reach(a: usize, b: usize, threshold: f64) -> bool {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    // The small slack keeps rounding from rejecting a pair that sits exactly at the threshold.
    hi == 0 || lo as f64 >= threshold * hi as f64 - 1e-9
}

/// Jaccard index if it reaches `threshold`, else `None`.
pub fn jaccard_at_least(a: &[u64], b: &[u64], threshold: f64) -> Option<f64> {
    if !may_reach(a.len(), b.len(), threshold) {
        return None;
    }
    let j = jaccard(a, b);
    (j >= threshold).then_some(j)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn case_table() {
        let cases: &[(&[u64], &[u64], f64)] = &[
            (&[], &[], 1.0),
            (&[1], &[], 0.0),
            (&[1, 2, 3], &[1, 2, 3], 1.0),
            (&[1, 2, 3], &[2, 3, 4], 0.5),
            (&[1, 2], &[3, 4], 0.0),
        ];
        for (a, b, want) in cases {
            assert_eq!(jaccard(a, b), *want);
        }
    }

    proptest! {
        #[test]
        fn matches_btreeset(a in proptest::collection::btree_set(0u64..200, 0..60),
                            b in proptest::collection::btree_set(0u64..200, 0..60),
                            t in 0.0f64..1.0) {
            let av: Vec<u64> = a.iter().copied().collect();
            let bv: Vec<u64> = b.iter().copied().collect();
            let inter = a.intersection(&b).count();
            let union: BTreeSet<_> = a.union(&b).collect();
            prop_assert_eq!(intersection(&av, &bv), inter);
            let want = if union.is_empty() { 1.0 } else { inter as f64 / union.len() as f64 };
            prop_assert!((jaccard(&av, &bv) - want).abs() < 1e-12);
            prop_assert_eq!(jaccard_at_least(&av, &bv, t).is_some(), want >= t);
        }
    }
}

//! Repeated blocks: maximal runs of consecutive matched paragraphs that occur
//! more than once.
//!
//! After matching, every paragraph that has at least one duplicate carries the
//! label of its duplicate class; each file becomes a sequence of labels, with
//! `None` for paragraphs that matched nothing. A repeated block is then a
//! *maximal repeat* of that label sequence: a run of labels that occurs at two
//! or more places, that cannot be extended to the right (not all occurrences
//! are followed by the same label) nor to the left (not all are preceded by the
//! same label), with all its occurrences in one finding. Runs never cross an
//! unmatched paragraph or a file boundary.
//!
//! Maximal repeats are the internal nodes of a suffix tree; they are found
//! here as the left-diverse LCP intervals of a suffix array (Abouelhoda,
//! Kurtz, Ohlebusch 2004), built by prefix doubling over the concatenated
//! sequences, where every unmatched run and every file end is a unique
//! sentinel. A block never pairs with itself: an interval whose occurrences
//! overlap each other (a run such as `X X X`) is not reported as a block; its
//! period is reported instead (`X` three times).
//!
//! The result depends only on the label sequences, never on thread count.

/// One place where a repeated block occurs: `len` labels from `start` of the
/// sequence of file `file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: u32,
    pub start: u32,
}

/// A block of `len` matched paragraphs found at two or more places.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Repeat {
    pub len: u32,
    /// Sorted by file, then start; never overlapping.
    pub places: Vec<Place>,
}

const SENTINEL_BASE: u64 = 1 << 32;

/// Finds every maximal repeat of the label sequences, one [`Repeat`] each,
/// sorted by first place and then by length (longest first).
pub fn repeats(sequences: &[Vec<Option<u32>>]) -> Vec<Repeat> {
    let mut text: Vec<u64> = Vec::new();
    let mut origin: Vec<Place> = Vec::new();
    let mut next_sentinel = SENTINEL_BASE;
    let mut sentinel = |text: &mut Vec<u64>, origin: &mut Vec<Place>| {
        text.push(next_sentinel);
        origin.push(Place { file: u32::MAX, start: u32::MAX });
        next_sentinel += 1;
    };
    for (f, seq) in sequences.iter().enumerate() {
        if seq.iter().all(Option::is_none) {
            continue;
        }
        let mut in_gap = false;
        for (i, label) in seq.iter().enumerate() {
            match label {
                Some(l) => {
                    text.push(u64::from(*l));
                    origin.push(Place { file: f as u32, start: i as u32 });
                    in_gap = false;
                }
                None if !in_gap => {
                    sentinel(&mut text, &mut origin);
                    in_gap = true;
                }
                None => {}
            }
        }
        if !in_gap {
            sentinel(&mut text, &mut origin);
        }
    }
    let mut out: Vec<Repeat> = maximal_repeats(&text)
        .into_iter()
        .map(|(len, positions)| {
            let mut places: Vec<Place> = positions.iter().map(|&p| origin[p]).collect();
            places.sort_unstable();
            Repeat { len: len as u32, places }
        })
        .collect();
    out.sort_unstable_by(|a, b| a.places[0].cmp(&b.places[0]).then(b.len.cmp(&a.len)).then(a.cmp(b)));
    out
}

/// Suffix array of `text` by prefix doubling: O(n log² n), no recursion.
fn suffix_array(text: &[u64]) -> Vec<usize> {
    let n = text.len();
    let mut sa: Vec<usize> = (0..n).collect();
    if n == 0 {
        return sa;
    }
    let mut values: Vec<u64> = text.to_vec();
    values.sort_unstable();
    values.dedup();
    let mut rank: Vec<u32> = text.iter().map(|v| values.binary_search(v).unwrap() as u32).collect();
    let mut next = vec![0u32; n];
    let mut k = 1;
    loop {
        let key = |i: usize| (rank[i], if i + k < n { rank[i + k] + 1 } else { 0 });
        sa.sort_unstable_by_key(|&i| key(i));
        next[sa[0]] = 0;
        for j in 1..n {
            next[sa[j]] = next[sa[j - 1]] + u32::from(key(sa[j]) != key(sa[j - 1]));
        }
        std::mem::swap(&mut rank, &mut next);
        if rank[sa[n - 1]] as usize == n - 1 || k >= n {
            return sa;
        }
        k *= 2;
    }
}

/// `lcp[i]` = length of the common prefix of suffixes `sa[i-1]` and `sa[i]`
/// (Kasai et al. 2001); `lcp[0] = 0`.
fn lcp_array(text: &[u64], sa: &[usize]) -> Vec<usize> {
    let n = text.len();
    let mut rank = vec![0usize; n];
    for (i, &s) in sa.iter().enumerate() {
        rank[s] = i;
    }
    let mut lcp = vec![0usize; n];
    let mut h = 0usize;
    for i in 0..n {
        if rank[i] == 0 {
            h = 0;
            continue;
        }
        let j = sa[rank[i] - 1];
        while i + h < n && j + h < n && text[i + h] == text[j + h] {
            h += 1;
        }
        lcp[rank[i]] = h;
        h = h.saturating_sub(1);
    }
    lcp
}

/// Left-diverse, non-overlapping LCP intervals: `(length, positions)`.
fn maximal_repeats(text: &[u64]) -> Vec<(usize, Vec<usize>)> {
    let n = text.len();
    let sa = suffix_array(text);
    let lcp = lcp_array(text, &sa);
    let mut out = Vec::new();
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    for i in 1..=n {
        let cur = if i < n { lcp[i] } else { 0 };
        let mut lb = i - 1;
        while cur < stack.last().unwrap().0 {
            let (len, start) = stack.pop().unwrap();
            if let Some(positions) = accept(text, len, &sa[start..i]) {
                out.push((len, positions));
            }
            lb = start;
        }
        if cur > stack.last().unwrap().0 {
            stack.push((cur, lb));
        }
    }
    out
}

/// The interval's positions, sorted, when it is left-diverse and its
/// occurrences do not overlap.
fn accept(text: &[u64], len: usize, suffixes: &[usize]) -> Option<Vec<usize>> {
    let left = |p: usize| if p == 0 { None } else { Some(text[p - 1]) };
    let first = left(suffixes[0]);
    if first.is_some() && suffixes.iter().all(|&p| left(p) == first) {
        return None;
    }
    let mut positions = suffixes.to_vec();
    positions.sort_unstable();
    if positions.windows(2).any(|w| w[1] - w[0] < len) {
        return None;
    }
    Some(positions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn seq(s: &str) -> Vec<Option<u32>> {
        s.chars().map(|c| if c == '.' { None } else { Some(c as u32) }).collect()
    }

    fn show(r: &[Repeat]) -> Vec<(u32, Vec<(u32, u32)>)> {
        r.iter().map(|r| (r.len, r.places.iter().map(|p| (p.file, p.start)).collect())).collect()
    }

    #[test]
    fn seed_page_shape_is_one_block() {
        // Paragraphs 38, 39 repeated at 40, 41 among unmatched ones.
        let mut s = vec![None; 59];
        s[38] = Some(1);
        s[39] = Some(2);
        s[40] = Some(1);
        s[41] = Some(2);
        assert_eq!(show(&repeats(&[s])), vec![(2, vec![(0, 38), (0, 40)])]);
    }

    #[test]
    fn case_table() {
        type Case<'a> = (&'a [&'a str], &'a [(u32, &'a [(u32, u32)])]);
        let cases: &[Case] = &[
            (&["ab.ab"], &[(2, &[(0, 0), (0, 3)])]),
            (&["ab", "ab", "ab"], &[(2, &[(0, 0), (1, 0), (2, 0)])]),
            (&["abc", "ab.", "bc"], &[(2, &[(0, 0), (1, 0)]), (2, &[(0, 1), (2, 0)]), (1, &[(0, 1), (1, 1), (2, 0)])]),
            (&["xxxx"], &[(1, &[(0, 0), (0, 1), (0, 2), (0, 3)])]),
            (&["abab"], &[(2, &[(0, 0), (0, 2)])]),
            (&["a.b.c"], &[]),
            (&["a", "b"], &[]),
        ];
        for (input, want) in cases {
            let seqs: Vec<_> = input.iter().map(|s| seq(s)).collect();
            let want: Vec<(u32, Vec<(u32, u32)>)> = want.iter().map(|(l, p)| (*l, p.to_vec())).collect();
            assert_eq!(show(&repeats(&seqs)), want, "input {input:?}");
        }
    }

    /// Every maximal repeat by enumeration of all substrings.
    fn brute(seqs: &[Vec<Option<u32>>]) -> BTreeSet<(u32, Vec<(u32, u32)>)> {
        let mut all = BTreeSet::new();
        for (f, s) in seqs.iter().enumerate() {
            for start in 0..s.len() {
                for end in start + 1..=s.len() {
                    let w = &s[start..end];
                    if w.iter().any(Option::is_none) {
                        break;
                    }
                    let _ = f;
                    let mut occ = Vec::new();
                    for (g, t) in seqs.iter().enumerate() {
                        for p in 0..t.len() {
                            if t[p..].starts_with(w) {
                                occ.push((g, p));
                            }
                        }
                    }
                    if occ.len() < 2 {
                        continue;
                    }
                    let at = |g: usize, p: isize| -> Option<u32> {
                        if p < 0 {
                            None
                        } else {
                            seqs[g].get(p as usize).copied().flatten()
                        }
                    };
                    let l = w.len() as isize;
                    let lefts: Vec<_> = occ.iter().map(|&(g, p)| at(g, p as isize - 1)).collect();
                    let rights: Vec<_> = occ.iter().map(|&(g, p)| at(g, p as isize + l)).collect();
                    let diverse = |v: &[Option<u32>]| v[0].is_none() || v.iter().any(|x| *x != v[0]);
                    let overlap = occ.windows(2).any(|x| x[0].0 == x[1].0 && x[1].1 - x[0].1 < w.len());
                    if diverse(&lefts) && diverse(&rights) && !overlap {
                        all.insert((w.len() as u32, occ.iter().map(|&(g, p)| (g as u32, p as u32)).collect()));
                    }
                }
            }
        }
        all
    }

    proptest! {
        #[test]
        fn agrees_with_brute_force(seqs in proptest::collection::vec(
            proptest::collection::vec(proptest::option::weighted(0.8, 0u32..4), 0..14), 1..4)) {
            let got: BTreeSet<_> = show(&repeats(&seqs)).into_iter().collect();
            prop_assert_eq!(got, brute(&seqs));
        }
    }
}

//! Containment and shared passages between two paragraphs: the alignment
//! that [`crate::passages`] candidates go through, and the grouping of the
//! findings.

use super::{Finding, Kind, Occurrence};
use crate::passages;

/// What two paragraphs share, when it is a containment or a passage.
pub(super) struct Shared {
    pub(super) kind: Kind,
    pub(super) similarity: f64,
    /// Normalized character ranges of the shared part in each paragraph;
    /// `None` for a paragraph contained whole.
    pub(super) x: Option<(usize, usize)>,
    pub(super) y: Option<(usize, usize)>,
}

/// Shortest shared passage reported, in normalized characters.
pub(super) const PASSAGE_MIN_CHARS: usize = 60;
/// Share of a paragraph that must lie in the other for containment.
pub(super) const CONTAINED: f64 = 0.8;

/// The shingle hashes of the run `[start, end)` (characters) of a text whose
/// hashes in text order are `h`: a shingle at position p covers p .. p + n.
fn run_hashes(h: &[u64], start: usize, end: usize, n: usize) -> &[u64] {
    &h[start..=(end - n).min(h.len() - 1)]
}

/// `hashes` as a sorted set.
pub(super) fn sorted_set(hashes: &[u64]) -> Vec<u64> {
    let mut set = hashes.to_vec();
    set.sort_unstable();
    set.dedup();
    set
}

/// Aligns two paragraphs (normalized texts, their shingle hashes in text
/// order, y's shingle set; `n` the shingle length): one contained in the
/// other (at least [`CONTAINED`] of it, in one piece, the container less
/// than that shared), or a passage of at least [`PASSAGE_MIN_CHARS`] in both.
pub(super) fn passage(tx: &str, hx: &[u64], ty: &str, hy: &[u64], sy: &[u64], n: usize) -> Option<Shared> {
    let (x0, x1, _) = passages::shared_run(hx, sy, n)?;
    // The passage in y is the one that matches x's passage, not merely the
    // longest stretch of y found anywhere in x.
    let (y0, y1, cy) = passages::shared_run(hy, &sorted_set(run_hashes(hx, x0, x1, n)), n)?;
    // And back: x's run was found against all of y, so it may begin or end
    // with a shingle that y has elsewhere (`…ngthe` of `reading the` next to
    // `the commission…`); against y's passage alone it fits.
    let (x0, x1, cx) = passages::shared_run(hx, &sorted_set(run_hashes(hy, y0, y1, n)), n)?;
    let (cx_, cy_): (Vec<char>, Vec<char>) = (tx.chars().collect(), ty.chars().collect());
    if !informative(&cx_[x0..x1], run_hashes(hx, x0, x1, n)) || !informative(&cy_[y0..y1], run_hashes(hy, y0, y1, n)) {
        return None;
    }
    let (lx, ly) = (cx_.len(), cy_.len());
    let (covx, covy) = ((x1 - x0) as f64 / lx as f64, (y1 - y0) as f64 / ly as f64);
    // Shingles of the passage found in the other text.
    let density =
        |count: usize, start: usize, end: usize| count as f64 / (end - start + 1).saturating_sub(n).max(1) as f64;
    // A contained text is found in one piece: the stretch of the container
    // that holds it is about as long as it (a short text whose phrases are
    // scattered over a longer one is not quoted in it).
    let one_piece = |inner: usize, outer: usize| outer as f64 >= CONTAINED * inner as f64;
    if covx >= CONTAINED && covy < CONTAINED && one_piece(x1 - x0, y1 - y0) {
        Some(Shared { kind: Kind::Containment, similarity: density(cx, 0, lx).min(1.0), x: None, y: Some((y0, y1)) })
    } else if covy >= CONTAINED && covx < CONTAINED && one_piece(y1 - y0, x1 - x0) {
        Some(Shared { kind: Kind::Containment, similarity: density(cy, 0, ly).min(1.0), x: Some((x0, x1)), y: None })
    } else if covx < CONTAINED && covy < CONTAINED && x1 - x0 >= PASSAGE_MIN_CHARS && y1 - y0 >= PASSAGE_MIN_CHARS {
        Some(Shared {
            kind: Kind::Passage,
            similarity: density(cx, x0, x1).min(1.0),
            x: Some((x0, x1)),
            y: Some((y0, y1)),
        })
    } else {
        None
    }
}

/// Whether a shared stretch of normalized text carries content: mostly
/// letters, digits or ideographs (not a ruled table of box-drawing symbols),
/// and mostly distinct shingles (not one repeated pattern).
pub(super) fn informative(chars: &[char], shingles: &[u64]) -> bool {
    let alnum = chars.iter().filter(|c| c.is_alphanumeric()).count();
    let mut distinct = shingles.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    alnum * 2 >= chars.len() && distinct.len() * 2 >= shingles.len()
}

/// Joins containment findings that share their contained paragraph (one
/// paragraph quoted in several others is one finding); a finding never holds
/// two occurrences in one paragraph.
pub(super) fn merge_by_occurrence(findings: Vec<Finding>) -> Vec<Finding> {
    let key = |o: &Occurrence| (o.file, o.para_start);
    let mut owner: std::collections::HashMap<(usize, usize), usize> = Default::default();
    let mut parent: Vec<usize> = (0..findings.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (i, f) in findings.iter().enumerate() {
        for o in f.occurrences.iter().filter(|o| f.kind == Kind::Containment && !o.partial) {
            if let Some(&j) = owner.get(&key(o)) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            } else {
                owner.insert(key(o), i);
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Finding> = Default::default();
    for (i, f) in findings.into_iter().enumerate() {
        let r = root(&mut parent, i);
        match groups.get_mut(&r) {
            None => {
                groups.insert(r, f);
            }
            Some(g) => {
                g.similarity = g.similarity.min(f.similarity);
                if g.kind != f.kind {
                    g.kind = Kind::Passage;
                }
                g.occurrences.extend(f.occurrences);
            }
        }
    }
    groups
        .into_values()
        .map(|mut f| {
            f.occurrences.sort_by_key(|o| (o.file, o.para_start, o.partial));
            f.occurrences.dedup_by_key(|o| (o.file, o.para_start));
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::Shingler;

    fn align(x: &str, y: &str) -> Option<Shared> {
        let mut s = Shingler::default();
        let (mut hx, mut hy) = (Vec::new(), Vec::new());
        s.hashes(x, 5, 0, &mut hx);
        s.hashes(y, 5, 0, &mut hy);
        passage(x, &hx, y, &hy, &s.set(y, 5, 0), 5)
    }

    #[test]
    fn quoted_text_is_contained() {
        let x = "openthestylesdialogthenclickthefonteffectstab";
        let y = format!("themanualforthenewreleaseisthoroughitstipreads{x}readersaskedformoreexamplesofthiskind");
        let shared = align(x, &y).expect("contained");
        assert_eq!(shared.kind, Kind::Containment);
        assert_eq!(shared.x, None);
        let start = y.find(x).unwrap();
        assert_eq!(shared.y, Some((start, start + x.len())));
    }

    #[test]
    fn phrases_scattered_over_the_other_text_are_not_contained() {
        // Both halves of x are in y, far apart and in the other order.
        let y = "clickthefonteffectstabandmanyotherwordsinbetweenthatdifferfromitopenthestylesdialogandmore";
        assert!(align("openthestylesdialogclickthefonteffectstab", y).is_none());
    }
}

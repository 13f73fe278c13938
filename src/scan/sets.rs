//! Shingle sets of the representatives that verification, clustering and
//! the findings compare, made once when first needed and kept while a
//! budget lasts.
//!
//! A set takes eight bytes per character of its text, so holding the sets of
//! every candidate would grow with the corpus (about 4 GB at 17 million
//! paragraphs). Only representatives that appear in a candidate pair are
//! compared at all, so only they get a slot; a set made once the budget is
//! spent is handed out and dropped after use, to be made again when asked
//! for again. What is found never depends on the budget.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::OnceLock;

pub(super) struct SetCache<F> {
    /// Representatives with a slot, ascending.
    ids: Vec<u32>,
    slots: Vec<OnceLock<Vec<u64>>>,
    held: AtomicUsize,
    budget: usize,
    make: F,
}

impl<F: Fn(u32) -> Vec<u64> + Sync> SetCache<F> {
    /// A cache for the representatives of `pairs`, holding up to `budget`
    /// bytes of sets; `make(r)` makes the set of representative `r`.
    pub(super) fn new(pairs: &[(u32, u32)], budget: usize, make: F) -> Self {
        let mut ids: Vec<u32> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.shrink_to_fit();
        let slots = (0..ids.len()).map(|_| OnceLock::new()).collect();
        Self { ids, slots, held: AtomicUsize::new(0), budget, make }
    }

    /// The shingle set of representative `r`.
    pub(super) fn get(&self, r: u32) -> Cow<'_, [u64]> {
        let Ok(slot) = self.ids.binary_search(&r).map(|i| &self.slots[i]) else {
            return Cow::Owned((self.make)(r));
        };
        if let Some(set) = slot.get() {
            return Cow::Borrowed(set);
        }
        let set = (self.make)(r);
        let bytes = set.capacity() * std::mem::size_of::<u64>();
        if self.held.fetch_add(bytes, Relaxed) + bytes <= self.budget {
            Cow::Borrowed(slot.get_or_init(|| set))
        } else {
            self.held.fetch_sub(bytes, Relaxed);
            Cow::Owned(set)
        }
    }

    /// Bytes of sets held.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.held.load(Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn sets_are_made_once_while_the_budget_lasts() {
        let made = AtomicUsize::new(0);
        let make = |r: u32| {
            made.fetch_add(1, Relaxed);
            vec![u64::from(r); 4]
        };
        let cache = SetCache::new(&[(1, 2), (2, 5)], usize::MAX, make);
        for _ in 0..3 {
            for r in [1, 2, 5] {
                assert_eq!(&*cache.get(r), &[u64::from(r); 4]);
            }
        }
        assert_eq!(made.load(Relaxed), 3);
        // Not in any pair: made each time, never held.
        assert_eq!(&*cache.get(7), &[7; 4]);
        assert_eq!(&*cache.get(7), &[7; 4]);
        assert_eq!(made.load(Relaxed), 5);
        assert_eq!(cache.held(), 3 * 32);
    }

    #[test]
    fn beyond_the_budget_sets_are_made_again() {
        let made = AtomicUsize::new(0);
        let make = |r: u32| {
            made.fetch_add(1, Relaxed);
            vec![u64::from(r); 4]
        };
        // Room for one set of 32 bytes.
        let cache = SetCache::new(&[(1, 2)], 40, make);
        assert_eq!(&*cache.get(1), &[1; 4]);
        assert!(matches!(cache.get(1), Cow::Borrowed(_)));
        assert!(matches!(cache.get(2), Cow::Owned(_)));
        assert_eq!(&*cache.get(2), &[2; 4]);
        assert_eq!(made.load(Relaxed), 3);
        assert_eq!(cache.held(), 32);
    }
}

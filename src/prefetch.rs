//! Asking the memory for bytes ahead of their use.
//!
//! Lookups in large tables (an index segment's sorted tables, the sketches
//! of a scan) each wait for a cache miss; when the next few are known in
//! advance, asking for them first lets their misses overlap.

/// Asks the memory for the cache line holding `items[at]` without waiting
/// for it: a hint, which reads nothing and cannot fault (nor, for a page of
/// a mapped file that is not in memory, start a disk read). Nothing on
/// targets other than x86-64.
#[inline]
pub fn touch<T>(items: &[T], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if at < items.len() {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE, which the intrinsic needs, is part of every x86-64;
        // the pointer is inside the slice, and a prefetch reads nothing.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(items[at..].as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, at);
}

/// [`touch`] for every cache line of `items[range]`.
#[inline]
pub fn touch_range<T>(items: &[T], range: std::ops::Range<usize>) {
    let end = range.end.min(items.len());
    let step = (LINE / std::mem::size_of::<T>().max(1)).max(1);
    let mut at = range.start;
    while at < end {
        touch(items, at);
        at += step;
    }
    // The last line, when the range does not start on a line.
    if range.start < end {
        touch(items, end - 1);
    }
}

/// Bytes of a cache line (64 on the machines this is written for; on one
/// with longer lines, some lines are asked for twice).
const LINE: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touching_past_the_end_reads_nothing() {
        // Slicing at or past the end would panic: a touch there is dropped.
        let v = vec![0u16; 100];
        touch(&v, 100);
        touch(&v, usize::MAX);
        touch_range(&v, 90..200);
        let (from, to) = (50, 10);
        touch_range(&v, from..to);
        touch_range(&v, 100..usize::MAX);
        touch_range::<u8>(&[], 0..5);
        touch_range::<()>(&[(); 3], 0..3);
    }
}

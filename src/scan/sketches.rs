//! The MinHash sketches of the representatives: in memory while they fit a
//! budget, otherwise in one temporary file.
//!
//! At 256 bytes per distinct paragraph (128 slots of 16 bits) they are the
//! largest array of the candidate stages, 3.6 GB at 14 million distinct
//! paragraphs. Beyond the budget they are made a chunk at a time and
//! appended to an unlinked temporary file; banding reads the file from
//! start to end once per band (from the page cache while the machine has
//! room for it), and the estimate that filters band collisions reads the
//! two sketches of a pair with positioned reads. Where the sketches are
//! kept changes nothing that is found.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::lsh::{self, Banding};

thread_local! {
    /// A worker's buffers for reading back the two sketches of a pair.
    static PAIR: std::cell::RefCell<(Vec<u8>, Vec<Slot>, Vec<Slot>)> = Default::default();
}

/// Representatives sketched (and written) at a time once spilled.
const CHUNK: usize = 16 * 1024;

/// Slots are kept as their low 16 bits (see the sketch stage).
type Slot = u16;
const SLOT_BYTES: usize = std::mem::size_of::<Slot>();

pub(super) enum Sketches {
    Memory { slots: Vec<Slot>, k: usize },
    File { file: File, n: usize, k: usize, failed: AtomicBool, error: Mutex<Option<String>> },
}

impl Sketches {
    /// The sketches of `n` representatives of `k` slots, `make(r, out)`
    /// writing those of representative `r`, in parallel; in memory when they
    /// take at most `budget` bytes. A temporary file that cannot be made or
    /// written keeps them in memory after all, and says why.
    pub(super) fn make(
        n: usize,
        k: usize,
        budget: usize,
        make: impl Fn(usize, &mut [Slot]) + Sync,
    ) -> (Self, Option<io::Error>) {
        let in_memory = || {
            let mut slots = vec![0; n * k];
            slots.par_chunks_mut(k.max(1)).enumerate().for_each(|(r, out)| make(r, out));
            Sketches::Memory { slots, k }
        };
        if n.saturating_mul(k).saturating_mul(SLOT_BYTES) <= budget || k == 0 {
            return (in_memory(), None);
        }
        let spill = || -> io::Result<File> {
            let file = tempfile::tempfile()?;
            let mut chunk = vec![0 as Slot; CHUNK * k];
            let mut bytes = Vec::with_capacity(CHUNK * k * SLOT_BYTES);
            for start in (0..n).step_by(CHUNK) {
                let len = CHUNK.min(n - start);
                chunk[..len * k].par_chunks_mut(k).enumerate().for_each(|(i, out)| make(start + i, out));
                bytes.clear();
                bytes.extend(chunk[..len * k].iter().flat_map(|s| s.to_le_bytes()));
                file.write_all_at(&bytes, (start * k * SLOT_BYTES) as u64)?;
            }
            Ok(file)
        };
        match spill() {
            Ok(file) => (Sketches::File { file, n, k, failed: AtomicBool::new(false), error: Mutex::new(None) }, None),
            Err(e) => (in_memory(), Some(e)),
        }
    }

    /// Candidate pairs by banding that `keep` (given both sketches) accepts;
    /// as [`lsh::candidate_pairs_where`].
    pub(super) fn candidate_pairs(
        &self,
        banding: Banding,
        keep: impl Fn(&[Slot], &[Slot]) -> bool + Sync,
    ) -> Vec<(u32, u32)> {
        match self {
            Sketches::Memory { slots, k } => {
                let sketch = |r: u32| &slots[r as usize * k..(r as usize + 1) * k];
                lsh::candidate_pairs_where(slots, *k, banding, |a, b| keep(sketch(a), sketch(b)))
            }
            Sketches::File { n, k, .. } => {
                // The band's rows are hashed as the file has them, the
                // other slots not decoded.
                let keys = |band: usize| {
                    let mut keys = Vec::with_capacity(*n);
                    let rows = band * banding.rows * SLOT_BYTES..(band + 1) * banding.rows * SLOT_BYTES;
                    self.each_chunk(|start, bytes| {
                        keys.extend(
                            bytes
                                .chunks_exact(k * SLOT_BYTES)
                                .enumerate()
                                .map(|(i, s)| (lsh::band_hash_le(&s[rows.clone()], band as u64), (start + i) as u32)),
                        );
                    });
                    keys
                };
                let pair = |a: u32, b: u32| {
                    PAIR.with_borrow_mut(|(bytes, x, y)| {
                        x.resize(*k, 0);
                        y.resize(*k, 0);
                        self.read(a, bytes, x) && self.read(b, bytes, y) && keep(x, y)
                    })
                };
                // Sketches are read from the file when asked for: none ahead.
                lsh::candidate_pairs_by(*n, *k, banding, keys, |_| {}, pair)
            }
        }
    }

    /// Calls `f(first, bytes)` for the sketches in file order, a chunk at a
    /// time, each sketch as its slots' little-endian bytes; a failed read
    /// ends the pass (and is reported).
    fn each_chunk(&self, mut f: impl FnMut(usize, &[u8])) {
        let Sketches::File { file, n, k, .. } = self else { unreachable!("only a spilled store is read in chunks") };
        let mut bytes = vec![0u8; CHUNK * k * SLOT_BYTES];
        for start in (0..*n).step_by(CHUNK) {
            let len = CHUNK.min(n - start);
            let bytes = &mut bytes[..len * k * SLOT_BYTES];
            if let Err(e) = file.read_exact_at(bytes, (start * k * SLOT_BYTES) as u64) {
                self.fail(e);
                return;
            }
            f(start, bytes);
        }
    }

    /// Reads the sketch of representative `r` into `out`; false (and the
    /// failure reported) when the file cannot be read.
    fn read(&self, r: u32, bytes: &mut Vec<u8>, out: &mut [Slot]) -> bool {
        let Sketches::File { file, k, .. } = self else { unreachable!("only a spilled store is read back") };
        bytes.resize(k * SLOT_BYTES, 0);
        match file.read_exact_at(bytes, (r as usize * k * SLOT_BYTES) as u64) {
            Ok(()) => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(SLOT_BYTES)) {
                    *o = Slot::from_le_bytes([b[0], b[1]]);
                }
                true
            }
            Err(e) => {
                self.fail(e);
                false
            }
        }
    }

    fn fail(&self, e: io::Error) {
        if let Sketches::File { failed, error, .. } = self {
            if !failed.swap(true, Ordering::Relaxed) {
                *error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
            }
        }
    }

    /// The first failed read of the temporary file, which loses candidates.
    pub(super) fn failure(&self) -> Option<String> {
        match self {
            Sketches::Memory { .. } => None,
            Sketches::File { error, .. } => error.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    /// Whether the sketches went to the temporary file.
    #[cfg(test)]
    fn spilled(&self) -> bool {
        matches!(self, Sketches::File { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::mix;

    /// Sketches where representatives 3a, 3a+1 and 3a+2 agree in a's bands.
    fn make(r: usize, out: &mut [Slot]) {
        for (s, o) in out.iter_mut().enumerate() {
            let family = if s < 32 { r / 3 } else { r };
            *o = mix((family * 1000 + s) as u64) as Slot;
        }
    }

    #[test]
    fn spilled_sketches_give_the_same_pairs() {
        let n = 2 * CHUNK + 17;
        let banding = Banding { bands: 16, rows: 8 };
        let (memory, e) = Sketches::make(n, 128, usize::MAX, make);
        assert!(e.is_none() && !memory.spilled());
        let (file, e) = Sketches::make(n, 128, 0, make);
        assert!(e.is_none() && file.spilled());
        let keep = |a: &[Slot], b: &[Slot]| a[40] != b[40];
        let (x, y) = (memory.candidate_pairs(banding, keep), file.candidate_pairs(banding, keep));
        assert_eq!(x, y);
        // Each family of three makes its three pairs.
        assert_eq!(x.len(), 3 * (n / 3) + usize::from(n % 3 == 2));
        assert!(x.contains(&(2 * CHUNK as u32 + 13, 2 * CHUNK as u32 + 15)));
        assert_eq!(file.failure(), None);
        // The filter sees the right sketches.
        assert!(file.candidate_pairs(banding, |a, b| a[0] != b[0]).is_empty());
    }
}

//! The MinHash sketches of the representatives and their band keys: in
//! memory while they fit a budget, otherwise in temporary files.
//!
//! At 256 bytes per distinct paragraph (128 slots of 16 bits) the sketches
//! are the largest array of the candidate stages, 3.6 GB at 14 million
//! distinct paragraphs. Each sketch's band keys ([`lsh::band_key`], 4 bytes
//! a band) are made as soon as it is, while its slots are in the cache, and
//! kept by band, so banding reads each band's keys one after another instead
//! of one line of every sketch per band. Beyond the budget sketches and keys
//! are made a chunk at a time and appended to unlinked temporary files;
//! banding reads a band's keys from theirs, and the estimate that filters
//! band collisions reads the two sketches of a pair with positioned reads
//! (each band's filter keeps the last few it read: a bucket's pairs share members),
//! but not for a pair it kept in an earlier wave of bands.
//! Where the sketches are kept changes nothing that is found.
//!
//! Keys are laid out by chunk of [`CHUNK`] representatives, each chunk's
//! keys by band: band `b` of the chunk starting at `start` with `len`
//! representatives is at `start * bands + b * len`.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::lsh::{self, Banding};

/// The last few sketches one band's filter read back: a bucket's pairs are
/// judged one after another, and pair its members with each other.
struct Recent {
    /// Representatives whose sketches are held, `u32::MAX` for none.
    ids: [u32; RECENT_SKETCHES],
    slots: Vec<Slot>,
    bytes: Vec<u8>,
    /// Where the next sketch read goes.
    next: usize,
}

/// Sketches a band's filter holds read back.
const RECENT_SKETCHES: usize = 8;

impl Recent {
    fn new(k: usize) -> Self {
        Recent { ids: [u32::MAX; RECENT_SKETCHES], slots: vec![0; RECENT_SKETCHES * k], bytes: Vec::new(), next: 0 }
    }
}

/// Representatives sketched (and written) at a time, and the unit of the
/// keys' layout.
const CHUNK: usize = 4 * 1024;

/// Slots are kept as their low 16 bits (see the sketch stage).
type Slot = u16;
const SLOT_BYTES: usize = std::mem::size_of::<Slot>();
const KEY_BYTES: usize = std::mem::size_of::<u32>();

pub(super) enum Sketches {
    Memory {
        slots: Vec<Slot>,
        keys: Vec<u32>,
        n: usize,
        k: usize,
        banding: Banding,
    },
    File {
        file: File,
        keys: File,
        n: usize,
        k: usize,
        banding: Banding,
        failed: AtomicBool,
        error: Mutex<Option<String>>,
    },
}

/// The band keys of `slots`, the sketches of one chunk's representatives,
/// into `out` by band.
fn chunk_keys(slots: &[Slot], k: usize, banding: Banding, out: &mut [u32]) {
    let len = slots.len() / k;
    for (band, out) in out.chunks_exact_mut(len.max(1)).take(banding.bands).enumerate() {
        let rows = band * banding.rows..(band + 1) * banding.rows;
        for (o, sketch) in out.iter_mut().zip(slots.chunks_exact(k)) {
            *o = lsh::band_key(&sketch[rows.clone()], band);
        }
    }
}

impl Sketches {
    /// The sketches of `n` representatives of `k` slots and their keys for
    /// `banding`, `make(r, out)` writing those of representative `r`, in
    /// parallel; in memory when they take at most `budget` bytes. A
    /// temporary file that cannot be made or written keeps them in memory
    /// after all, and says why. `k` and the bands are at least one (the parameters are
    /// checked before a scan).
    pub(super) fn make(
        n: usize,
        k: usize,
        banding: Banding,
        budget: usize,
        make: impl Fn(usize, &mut [Slot]) + Sync,
    ) -> (Self, Option<io::Error>) {
        assert!(k > 0 && banding.bands > 0 && banding.bands * banding.rows <= k);
        let bands = banding.bands;
        let in_memory = || {
            let (mut slots, mut keys) = (vec![0; n * k], vec![0; n * bands]);
            slots.par_chunks_mut(CHUNK * k).zip(keys.par_chunks_mut(CHUNK * bands)).enumerate().for_each(
                |(c, (slots, keys))| {
                    for (i, out) in slots.chunks_exact_mut(k).enumerate() {
                        make(c * CHUNK + i, out);
                    }
                    chunk_keys(slots, k, banding, keys);
                },
            );
            Sketches::Memory { slots, keys, n, k, banding }
        };
        let bytes = n.saturating_mul(k.saturating_mul(SLOT_BYTES) + bands * KEY_BYTES);
        if bytes <= budget {
            return (in_memory(), None);
        }
        let spill = || -> io::Result<(File, File)> {
            let (file, key_file) = (tempfile::tempfile()?, tempfile::tempfile()?);
            let mut chunk = vec![0 as Slot; CHUNK * k];
            let mut keys = vec![0u32; CHUNK * bands];
            let mut bytes = Vec::with_capacity(CHUNK * k * SLOT_BYTES);
            for start in (0..n).step_by(CHUNK) {
                let len = CHUNK.min(n - start);
                let (chunk, keys) = (&mut chunk[..len * k], &mut keys[..len * bands]);
                chunk.par_chunks_mut(k).enumerate().for_each(|(i, out)| make(start + i, out));
                chunk_keys(chunk, k, banding, keys);
                bytes.clear();
                bytes.extend(chunk.iter().flat_map(|s| s.to_le_bytes()));
                file.write_all_at(&bytes, (start * k * SLOT_BYTES) as u64)?;
                bytes.clear();
                bytes.extend(keys.iter().flat_map(|s| s.to_le_bytes()));
                key_file.write_all_at(&bytes, (start * bands * KEY_BYTES) as u64)?;
            }
            Ok((file, key_file))
        };
        match spill() {
            Ok((file, keys)) => (
                Sketches::File { file, keys, n, k, banding, failed: AtomicBool::new(false), error: Mutex::new(None) },
                None,
            ),
            Err(e) => (in_memory(), Some(e)),
        }
    }

    /// Candidate pairs by banding that `keep` (given both sketches) accepts;
    /// as [`lsh::candidate_pairs_where`].
    pub(super) fn candidate_pairs(&self, keep: impl Fn(&[Slot], &[Slot]) -> bool + Sync) -> Vec<(u32, u32)> {
        match self {
            Sketches::Memory { slots, keys, n, k, banding } => {
                let sketch = |r: u32| &slots[r as usize * k..(r as usize + 1) * k];
                let band_keys = |band: usize| {
                    self.band_keys(band, |at, out| {
                        out.extend_from_slice(&keys[at]);
                        true
                    })
                };
                let touch = |r: u32| crate::prefetch::touch_range(slots, r as usize * k..(r as usize + 1) * k);
                let keep = |a: u32, b: u32| keep(sketch(a), sketch(b));
                lsh::candidate_pairs_by(*n, *k, *banding, band_keys, touch, || keep, false)
            }
            Sketches::File { keys, n, k, banding, .. } => {
                let band_keys = |band: usize| {
                    let mut bytes = vec![0u8; CHUNK * KEY_BYTES];
                    self.band_keys(band, |at, out| {
                        let bytes = &mut bytes[..at.len() * KEY_BYTES];
                        match keys.read_exact_at(bytes, (at.start * KEY_BYTES) as u64) {
                            Ok(()) => {
                                out.extend(
                                    bytes.chunks_exact(KEY_BYTES).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                                );
                                true
                            }
                            Err(e) => {
                                self.fail(e);
                                false
                            }
                        }
                    })
                };
                let keep = &keep;
                let filter = || {
                    let mut recent = Recent::new(*k);
                    move |a: u32, b: u32| {
                        let Some(x) = self.recent(&mut recent, a, None) else { return false };
                        let Some(y) = self.recent(&mut recent, b, Some(x)) else { return false };
                        keep(&recent.slots[x * k..][..*k], &recent.slots[y * k..][..*k])
                    }
                };
                // Sketches are read from the file when asked for: none ahead.
                lsh::candidate_pairs_by(*n, *k, *banding, band_keys, |_| {}, filter, true)
            }
        }
    }

    /// Every representative's key of `band`, [`lsh::packed`] with its
    /// number; `read(range, out)` appends the keys at `range` of the layout
    /// (one chunk's keys of the band) to `out`, false when it cannot, which
    /// ends the band's keys there.
    fn band_keys(&self, band: usize, mut read: impl FnMut(std::ops::Range<usize>, &mut Vec<u32>) -> bool) -> Vec<u64> {
        let (Sketches::Memory { n, banding, .. } | Sketches::File { n, banding, .. }) = self;
        let (mut out, mut chunk) = (Vec::with_capacity(*n), Vec::with_capacity(CHUNK));
        for start in (0..*n).step_by(CHUNK) {
            let len = CHUNK.min(n - start);
            let at = start * banding.bands + band * len;
            chunk.clear();
            if !read(at..at + len, &mut chunk) {
                break;
            }
            out.extend(chunk.iter().zip(start as u32..).map(|(&key, r)| lsh::packed(key, r)));
        }
        out
    }

    /// Where `recent` holds the sketch of representative `r`, read back
    /// into it if need be, never in place of the one at `keep`; none (and
    /// the failure reported) when the file cannot be read.
    fn recent(&self, recent: &mut Recent, r: u32, keep: Option<usize>) -> Option<usize> {
        if let Some(at) = recent.ids.iter().position(|&id| id == r) {
            return Some(at);
        }
        let Sketches::File { k, .. } = self else { unreachable!("only a spilled store is read back") };
        if Some(recent.next) == keep {
            recent.next = (recent.next + 1) % RECENT_SKETCHES;
        }
        let at = recent.next;
        recent.next = (at + 1) % RECENT_SKETCHES;
        recent.ids[at] = u32::MAX;
        if !self.read(r, &mut recent.bytes, &mut recent.slots[at * k..][..*k]) {
            return None;
        }
        recent.ids[at] = r;
        Some(at)
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
        let (memory, e) = Sketches::make(n, 128, banding, usize::MAX, make);
        assert!(e.is_none() && !memory.spilled());
        let (file, e) = Sketches::make(n, 128, banding, 0, make);
        assert!(e.is_none() && file.spilled());
        let keep = |a: &[Slot], b: &[Slot]| a[40] != b[40];
        let (x, y) = (memory.candidate_pairs(keep), file.candidate_pairs(keep));
        assert_eq!(x, y);
        // Each family of three makes its three pairs.
        assert_eq!(x.len(), 3 * (n / 3) + usize::from(n % 3 == 2));
        assert!(x.contains(&(2 * CHUNK as u32 + 13, 2 * CHUNK as u32 + 15)));
        assert_eq!(file.failure(), None);
        // The filter sees the right sketches.
        assert!(file.candidate_pairs(|a, b| a[0] != b[0]).is_empty());
        // The keys made with the sketches are those banding makes of them.
        let mut slots = vec![0; n * 128];
        slots.chunks_exact_mut(128).enumerate().for_each(|(r, out)| make(r, out));
        let direct = lsh::candidate_pairs_where(&slots, 128, banding, |a, b| {
            keep(&slots[a as usize * 128..][..128], &slots[b as usize * 128..][..128])
        });
        assert_eq!(x, direct);
    }

    /// A worker's last sketches read back belong to one store: a second
    /// spilled store of other sketches, read on the same worker, gives its
    /// own pairs.
    #[test]
    fn workers_never_take_another_store_for_this_one() {
        // Three items of one family: every band's bucket holds all three,
        // and one worker reads them first from the one store, then from the
        // other, whose sketches are marked in their last slot.
        let banding = Banding { bands: 16, rows: 8 };
        let marked = |r: usize, out: &mut [Slot]| {
            make(r, out);
            out[127] = 0xbbbb;
        };
        let keep = |x: &[Slot], y: &[Slot]| x[127] == 0xbbbb && y[127] == 0xbbbb;
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        one.install(|| {
            let (a, e) = Sketches::make(3, 128, banding, 0, make);
            assert!(e.is_none() && a.spilled());
            let (b, e) = Sketches::make(3, 128, banding, 0, marked);
            assert!(e.is_none() && b.spilled());
            for _ in 0..2 {
                assert_eq!(a.candidate_pairs(|_, _| true), [(0, 1), (0, 2), (1, 2)]);
                assert_eq!(b.candidate_pairs(keep), [(0, 1), (0, 2), (1, 2)]);
                assert!(a.candidate_pairs(keep).is_empty());
            }
        });
    }

    #[test]
    fn few_sketches_make_few_pairs() {
        let banding = Banding { bands: 16, rows: 8 };
        for budget in [usize::MAX, 0] {
            for n in [0, 1, 3] {
                let (sketches, e) = Sketches::make(n, 128, banding, budget, make);
                assert!(e.is_none());
                let expected: &[(u32, u32)] = if n == 3 { &[(0, 1), (0, 2), (1, 2)] } else { &[] };
                assert_eq!(sketches.candidate_pairs(|_, _| true), expected, "{n} sketches, budget {budget}");
            }
        }
    }
}

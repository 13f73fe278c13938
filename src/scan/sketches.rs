//! The MinHash sketches of the representatives and their band keys: in
//! memory while they fit a budget, otherwise in temporary files.
//!
//! At 256 bytes per distinct paragraph (128 slots of 16 bits) the sketches
//! are the largest array of the candidate stages, 3.6 GB at 14 million
//! distinct paragraphs. Each sketch's band keys ([`lsh::band_key`], 4 bytes
//! a band) are made as soon as it is, while its slots are in the cache, and
//! kept by band, so banding reads each band's keys one after another instead
//! of one line of every sketch per band. Beyond the budget sketches and keys
//! are made a chunk at a time and appended to unlinked temporary files.
//! Where the sketches are kept changes nothing that is found.
//!
//! Spilled, the band collisions (chance collisions of low-similarity pairs
//! grow with the square of the corpus: 366 million at 16.7 million
//! paragraphs) are not judged one by one with two positioned reads each.
//! Every band's collisions go to a third temporary file in runs, each cut
//! by the chunk of a pair's smaller member; then the chunks are taken a
//! block at a time (half the budget of sketches, and as many pairs as the
//! other half holds), the block's sketches are read in one go and its pairs
//! from every run, and the pairs are judged in order of their larger member,
//! a span of the file read at once where its sketches are asked for densely,
//! one sketch at a time where they are not.
//!
//! Keys are laid out by chunk of [`CHUNK`] representatives, each chunk's
//! keys by band: band `b` of the chunk starting at `start` with `len`
//! representatives is at `start * bands + b * len`.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use zerocopy::IntoBytes;

use crate::lsh::{self, Banding};

/// Representatives sketched (and written) at a time, the unit of the
/// keys' layout, and of the cut of spilled band collisions.
const CHUNK: usize = 4 * 1024;

/// Band collisions a band holds before they are written as a run (fewer in
/// tests, so that bands make several).
const RUN_PAIRS: usize = if cfg!(test) { 1 << 8 } else { 1 << 22 };

/// The pairs of a chunk of larger members are judged with the chunk's span
/// of sketches read at once when they are at least one in this many of its
/// sketches (a positioned read costs about what copying 16 sketches does),
/// otherwise with one read per larger member.
const DENSE: usize = 16;

/// How many pairs ahead of its judgement a pair's smaller member is asked
/// of the memory.
const AHEAD: usize = 8;

/// Slots are kept as their low 16 bits (see the sketch stage).
type Slot = u16;
const SLOT_BYTES: usize = std::mem::size_of::<Slot>();
const KEY_BYTES: usize = std::mem::size_of::<u32>();
/// Bytes of a spilled pair, and of a pair in memory while a block's pairs
/// are put in order (they are held twice).
const PAIR_BYTES: usize = std::mem::size_of::<u64>();

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
        /// Bytes for the sketches of a block of chunks whose collisions are
        /// judged together, and as many for its pairs.
        block: usize,
        failed: AtomicBool,
        error: Mutex<Option<String>>,
    },
}

/// One run of spilled band collisions: its pairs (smaller member in the
/// high half of a word, little-endian) start at byte `at` of the file, those
/// whose smaller member is in chunk `c` at `starts[c]..starts[c + 1]`.
struct Run {
    at: u64,
    starts: Vec<u32>,
}

/// A pair in one word, ordered by its smaller member.
fn word(a: u32, b: u32) -> u64 {
    u64::from(a) << 32 | u64::from(b)
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

/// Where each of `items` goes when they are put in order of `key`, a
/// number below `keys`: the start of each key's items, `keys + 1` of them.
fn starts_by<T: Copy>(items: &[T], keys: usize, key: impl Fn(T) -> usize) -> Vec<usize> {
    let mut starts = vec![0; keys + 1];
    for &item in items {
        starts[key(item) + 1] += 1;
    }
    for c in 0..keys {
        starts[c + 1] += starts[c];
    }
    starts
}

/// `items`, each made into `into(item)`, in order of `key` (a counting sort,
/// stable), by [`starts_by`], into `out`.
fn scatter<T: Copy, U: Copy + Default>(
    items: &[T],
    starts: &[usize],
    key: impl Fn(T) -> usize,
    into: impl Fn(T) -> U,
    out: &mut Vec<U>,
) {
    let mut next = starts.to_vec();
    out.clear();
    out.resize(items.len(), U::default());
    for &item in items {
        let at = &mut next[key(item)];
        out[*at] = into(item);
        *at += 1;
    }
}

/// Buffers a worker reuses from band to band, or from block to block:
/// fresh memory costs a page fault per page, and these are the stage's
/// largest arrays.
#[derive(Default)]
struct Buffers {
    keys: Vec<u64>,
    pairs: Vec<(u32, u32)>,
    words: Vec<u64>,
    sorted: Vec<u64>,
    sketches: Vec<Slot>,
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
            Ok((file, keys)) => {
                let block = (budget / 2).max(CHUNK * k * SLOT_BYTES);
                let (failed, error) = (AtomicBool::new(false), Mutex::new(None));
                (Sketches::File { file, keys, n, k, banding, block, failed, error }, None)
            }
            Err(e) => (in_memory(), Some(e)),
        }
    }

    /// Candidate pairs by banding that `keep` (given both sketches) accepts;
    /// as [`lsh::candidate_pairs_where`].
    pub(super) fn candidate_pairs(&self, keep: impl Fn(&[Slot], &[Slot]) -> bool + Sync) -> Vec<(u32, u32)> {
        match self {
            Sketches::Memory { slots, keys, n, k, banding } => {
                let sketch = |r: u32| &slots[r as usize * k..(r as usize + 1) * k];
                let band_keys = |band: usize, out: &mut Vec<u64>| {
                    self.band_keys(band, out, |at, out| {
                        out.extend_from_slice(&keys[at]);
                        true
                    })
                };
                let touch = |r: u32| crate::prefetch::touch_range(slots, r as usize * k..(r as usize + 1) * k);
                let keep = |a: u32, b: u32| keep(sketch(a), sketch(b));
                lsh::candidate_pairs_by(*n, *k, *banding, band_keys, touch, || keep)
            }
            Sketches::File { .. } => {
                match tempfile::tempfile().and_then(|pairs| Ok((self.spill_collisions(&pairs)?, pairs))) {
                    Ok((runs, pairs)) => self.judge_collisions(&pairs, &runs, &keep),
                    Err(e) => {
                        self.fail(e);
                        Vec::new()
                    }
                }
            }
        }
    }

    /// Every band's collisions into `file`, in runs.
    fn spill_collisions(&self, file: &File) -> io::Result<Vec<Run>> {
        let Sketches::File { keys, n, banding, .. } = self else { unreachable!("only a spilled store") };
        let chunks = n.div_ceil(CHUNK);
        let (end, runs) = (AtomicU64::new(0), Mutex::new(Vec::new()));
        let write = |pairs: &mut Vec<(u32, u32)>, words: &mut Vec<u64>| -> io::Result<()> {
            if pairs.is_empty() {
                return Ok(());
            }
            let chunk = |(a, _): (u32, u32)| a as usize / CHUNK;
            let starts = starts_by(pairs, chunks, chunk);
            scatter(pairs, &starts, chunk, |(a, b)| word(a, b).to_le(), words);
            pairs.clear();
            let at = end.fetch_add((words.len() * PAIR_BYTES) as u64, Ordering::Relaxed);
            file.write_all_at(words.as_bytes(), at)?;
            let starts = starts.into_iter().map(|s| s as u32).collect();
            runs.lock().unwrap_or_else(|e| e.into_inner()).push(Run { at, starts });
            Ok(())
        };
        (0..banding.bands).into_par_iter().try_for_each_init(Buffers::default, |buffers, band| {
            let Buffers { keys: band_keys, pairs, words, .. } = buffers;
            let mut bytes = vec![0u8; CHUNK * KEY_BYTES];
            let mut failure = None;
            self.band_keys(band, band_keys, |at, out| {
                let bytes = &mut bytes[..at.len() * KEY_BYTES];
                match keys.read_exact_at(bytes, (at.start * KEY_BYTES) as u64) {
                    Ok(()) => {
                        out.extend(bytes.chunks_exact(KEY_BYTES).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])));
                        true
                    }
                    Err(e) => {
                        failure = Some(e);
                        false
                    }
                }
            });
            if let Some(e) = failure {
                return Err(e);
            }
            band_keys.sort_unstable();
            let mut ids = Vec::new();
            for bucket in band_keys.chunk_by(|a, b| a >> 32 == b >> 32).filter(|b| b.len() > 1) {
                ids.clear();
                ids.extend(bucket.iter().map(|&key| key as u32));
                lsh::pairs_of_bucket(&ids, pairs);
                if pairs.len() >= RUN_PAIRS {
                    write(pairs, words)?;
                }
            }
            write(pairs, words)
        })?;
        Ok(runs.into_inner().unwrap_or_else(|e| e.into_inner()))
    }

    /// The pairs of `runs` in `file` that `keep` accepts, sorted, without
    /// repeats: chunks taken a block at a time. Pairs that cannot be read
    /// are lost, and the failure is reported.
    fn judge_collisions(
        &self,
        file: &File,
        runs: &[Run],
        keep: &(impl Fn(&[Slot], &[Slot]) -> bool + Sync),
    ) -> Vec<(u32, u32)> {
        let Sketches::File { n, k, block, .. } = self else { unreachable!("only a spilled store") };
        let chunks = n.div_ceil(CHUNK);
        let per_chunk: Vec<usize> =
            (0..chunks).map(|c| runs.iter().map(|r| (r.starts[c + 1] - r.starts[c]) as usize).sum()).collect();
        let (chunk_bytes, most_pairs) = (CHUNK * k * SLOT_BYTES, block / (2 * PAIR_BYTES));
        let (mut kept, mut buffers) = (Vec::new(), Buffers::default());
        let mut first = 0;
        while first < chunks {
            let (mut end, mut pairs) = (first + 1, per_chunk[first]);
            while end < chunks && (end + 1 - first) * chunk_bytes <= *block && pairs + per_chunk[end] <= most_pairs {
                pairs += per_chunk[end];
                end += 1;
            }
            if pairs > 0 {
                // A block that cannot be read loses its pairs only.
                match self.judge_block(file, runs, first..end, pairs, keep, &mut buffers) {
                    Ok(mut judged) => kept.append(&mut judged),
                    Err(e) => self.fail(e),
                }
            }
            first = end;
        }
        kept.par_sort_unstable();
        kept.dedup();
        kept.into_iter().map(|w| ((w >> 32) as u32, w as u32)).collect()
    }

    /// The `pairs` of `runs` whose smaller member is in `chunks` that `keep`
    /// accepts, as words.
    fn judge_block(
        &self,
        file: &File,
        runs: &[Run],
        chunks: Range<usize>,
        pairs: usize,
        keep: &(impl Fn(&[Slot], &[Slot]) -> bool + Sync),
        buffers: &mut Buffers,
    ) -> io::Result<Vec<u64>> {
        let Sketches::File { n, k, .. } = self else { unreachable!("only a spilled store") };
        let k = *k;
        let rows = chunks.start * CHUNK..(chunks.end * CHUNK).min(*n);
        let Buffers { sketches, words, sorted, .. } = buffers;
        sketches.clear();
        sketches.resize(rows.len() * k, 0);
        self.read_rows(rows.start, sketches)?;
        words.clear();
        words.resize(pairs, 0);
        let mut at = 0;
        for run in runs {
            let (from, to) = (run.starts[chunks.start] as usize, run.starts[chunks.end] as usize);
            file.read_exact_at(words[at..at + to - from].as_mut_bytes(), run.at + (from * PAIR_BYTES) as u64)?;
            at += to - from;
        }
        words.iter_mut().for_each(|w| *w = u64::from_le(*w));
        // In order of the chunk of the larger member, at or after the block.
        let chunk_of = |w: u64| (w as u32 as usize / CHUNK).saturating_sub(chunks.start);
        let later = n.div_ceil(CHUNK) - chunks.start;
        let starts = starts_by(words, later, chunk_of);
        scatter(words, &starts, chunk_of, |w| w, sorted);
        let (words, sketches) = (&*sorted, &*sketches);
        let smaller_at = |w: u64| ((w >> 32) as usize - rows.start) * k;
        let smaller = |w: u64| &sketches[smaller_at(w)..][..k];
        let judge = |larger: &mut Vec<Slot>, c: usize| -> io::Result<Vec<u64>> {
            let pairs = &words[starts[c]..starts[c + 1]];
            let (lo, hi) = pairs.iter().fold((u32::MAX, 0), |(lo, hi), &w| (lo.min(w as u32), hi.max(w as u32)));
            let span = (hi - lo) as usize + 1;
            if span <= DENSE * pairs.len() {
                larger.resize(span * k, 0);
                self.read_rows(lo as usize, larger)?;
                let at = |w: u64| (w as u32 - lo) as usize * k;
                // The smaller members lie anywhere in the block: each pair's
                // are asked for a few pairs ahead.
                let ahead = |w: u64| crate::prefetch::touch_range(sketches, smaller_at(w)..smaller_at(w) + k);
                pairs.iter().take(AHEAD).for_each(|&w| ahead(w));
                let judged = pairs.iter().enumerate().filter(|&(i, &w)| {
                    if let Some(&next) = pairs.get(i + AHEAD) {
                        ahead(next);
                    }
                    keep(&sketches[smaller_at(w)..][..k], &larger[at(w)..][..k])
                });
                return Ok(judged.map(|(_, &w)| w).collect());
            }
            let mut pairs = pairs.to_vec();
            pairs.sort_unstable_by_key(|&w| w as u32);
            larger.resize(k, 0);
            let mut out = Vec::new();
            for same in pairs.chunk_by(|x, y| *x as u32 == *y as u32) {
                self.read_rows(same[0] as u32 as usize, larger)?;
                out.extend(same.iter().copied().filter(|&w| keep(smaller(w), &larger[..])));
            }
            Ok(out)
        };
        // A span that cannot be read loses its pairs only.
        let judged: Vec<Vec<u64>> = (0..later)
            .into_par_iter()
            .filter(|&c| starts[c] < starts[c + 1])
            .map_init(Vec::new, |larger, c| {
                judge(larger, c).unwrap_or_else(|e| {
                    self.fail(e);
                    Vec::new()
                })
            })
            .collect();
        Ok(judged.concat())
    }

    /// Every representative's key of `band`, [`lsh::packed`] with its
    /// number, into `out`; `read(range, out)` appends the keys at `range` of the layout
    /// (one chunk's keys of the band) to `out`, false when it cannot, which
    /// ends the band's keys there.
    fn band_keys(
        &self,
        band: usize,
        out: &mut Vec<u64>,
        mut read: impl FnMut(std::ops::Range<usize>, &mut Vec<u32>) -> bool,
    ) {
        let (Sketches::Memory { n, banding, .. } | Sketches::File { n, banding, .. }) = self;
        out.clear();
        out.reserve(*n);
        let mut chunk = Vec::with_capacity(CHUNK);
        for start in (0..*n).step_by(CHUNK) {
            let len = CHUNK.min(n - start);
            let at = start * banding.bands + band * len;
            chunk.clear();
            if !read(at..at + len, &mut chunk) {
                break;
            }
            out.extend(chunk.iter().zip(start as u32..).map(|(&key, r)| lsh::packed(key, r)));
        }
    }

    /// Reads the sketches of the representatives from `first` on into `out`.
    fn read_rows(&self, first: usize, out: &mut [Slot]) -> io::Result<()> {
        let Sketches::File { file, k, .. } = self else { unreachable!("only a spilled store is read back") };
        file.read_exact_at(out.as_mut_bytes(), (first * k * SLOT_BYTES) as u64)?;
        out.iter_mut().for_each(|s| *s = Slot::from_le(*s));
        Ok(())
    }

    fn fail(&self, e: io::Error) {
        if let Sketches::File { failed, error, .. } = self {
            if !failed.swap(true, Ordering::Relaxed) {
                *error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
            }
        }
    }

    /// The first failure of the temporary files, which loses candidates.
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

    /// Two spilled stores of other sketches, judged on the same worker, each
    /// give their own pairs.
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

    /// Spilled collisions are judged by blocks of any size, their larger
    /// members read densely or one by one, and give the pairs of the
    /// sketches in memory: those sharing a band that the filter keeps.
    #[test]
    fn spilled_pairs_by_any_block_are_those_in_memory() {
        // Every 512th representative is in one of three families spread over
        // the whole range, whose pairs are few in each chunk (read one by
        // one); the families of three neighbours of `make` are dense.
        let spread = |r: usize, out: &mut [Slot]| {
            make(r, out);
            if r % 512 == 0 {
                for (s, o) in out.iter_mut().enumerate().skip(64).take(32) {
                    *o = mix(((r / 512) % 3 * 1000 + s) as u64) as Slot;
                }
            }
        };
        let n = 6 * CHUNK + 17;
        let banding = Banding { bands: 16, rows: 8 };
        let keep = |a: &[Slot], b: &[Slot]| a[40] != b[40] || a[1] == b[1];
        let (memory, _) = Sketches::make(n, 128, banding, usize::MAX, spread);
        let expected = memory.candidate_pairs(keep);
        let spread_pairs = expected.iter().filter(|(a, b)| a % 512 == 0 && b % 512 == 0 && b - a > 3).count();
        assert!(spread_pairs > 50, "{spread_pairs}");
        let one_chunk = CHUNK * 128 * SLOT_BYTES;
        // Blocks of one chunk, of two, of three.
        for budget in [0, 5 * one_chunk, 7 * one_chunk] {
            let (file, e) = Sketches::make(n, 128, banding, budget, spread);
            assert!(e.is_none() && file.spilled());
            assert_eq!(file.candidate_pairs(keep), expected, "budget {budget}");
            assert_eq!(file.failure(), None);
        }
        // Every sharing pair, against all pairs compared.
        let mut slots = vec![0; n * 128];
        slots.chunks_exact_mut(128).enumerate().for_each(|(r, out)| spread(r, out));
        let sketch = |r: usize| &slots[r * 128..][..128];
        let (file, _) = Sketches::make(n, 128, banding, 0, spread);
        let all = file.candidate_pairs(|_, _| true);
        for &r in &[0usize, 512, 1024, 4096, 5 * CHUNK] {
            for s in r + 1..n {
                let shares = (0..16).any(|b| sketch(r)[b * 8..][..8] == sketch(s)[b * 8..][..8]);
                assert_eq!(all.binary_search(&(r as u32, s as u32)).is_ok(), shares, "({r}, {s})");
            }
        }
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

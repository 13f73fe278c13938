//! One immutable segment file: the files and items of one `add` (or of a
//! compaction), in sorted arrays that are searched where they lie on disk.
//!
//! Layout, all integers little-endian, every record of fixed size so that
//! record `i` is found by arithmetic and no table is built at open:
//!
//! ```text
//! header   64 B   magic "DBLTSEG1", version, bands, sketch slots, files, items, path bytes
//! files    32 B   per file: path offset u64, path length u32, paragraphs u32, size u64, digest u64
//! items    56 B   per item: file, first and last paragraph, page, byte start and end,
//!                 line and column of start and end, content hash
//! exact    20 B   per item, sorted: exact key u128, item u32
//! bands     8 B   per band, per item, sorted: band key u32, item u32
//! sketches  k B   per item: its slots' low 8 bits
//! paths           the files' paths, end to end
//! footer   16 B   xxh3-64 of everything before it, magic "DBLTEND1"
//! ```
//!
//! Keys are hashes, so they are spread evenly: a lookup interpolates its way
//! to the key in a few probes (and falls back to halving when it does not
//! converge), touching a handful of pages of a table of millions.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use memmap2::Mmap;
use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use crate::scan::{FileRecord, ItemRecord};

const MAGIC: &[u8; 8] = b"DBLTSEG1";
const END: &[u8; 8] = b"DBLTEND1";
const VERSION: u32 = 1;
const HEADER: usize = 64;
const FOOTER: usize = 16;
const FILE_BYTES: usize = 32;
const ITEM_BYTES: usize = 56;
const EXACT_BYTES: usize = 20;
const BAND_BYTES: usize = 8;

/// A file as a segment keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub digest: u64,
    pub paragraphs: u32,
}

/// Collects files and items, then writes them as one segment.
pub struct Builder {
    bands: usize,
    slots: usize,
    files: Vec<FileEntry>,
    /// Item and the file (index into `files`) it belongs to.
    items: Vec<(u32, ItemRecord)>,
    band_keys: Vec<u32>,
    sketches: Vec<u8>,
}

impl Builder {
    pub fn new(bands: usize, slots: usize) -> Self {
        Builder { bands, slots, files: Vec::new(), items: Vec::new(), band_keys: Vec::new(), sketches: Vec::new() }
    }

    pub fn items(&self) -> usize {
        self.items.len()
    }

    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// Adds one file made by [`crate::scan::records`].
    pub fn push_record(&mut self, r: FileRecord) {
        let file = self.files.len() as u32;
        self.files.push(FileEntry { path: r.name, bytes: r.bytes, digest: r.digest, paragraphs: r.paragraphs });
        self.items.extend(r.items.into_iter().map(|it| (file, it)));
        self.band_keys.extend_from_slice(&r.band_keys);
        self.sketches.extend_from_slice(&r.sketches);
    }

    /// Adds everything of another segment (for compaction).
    pub fn push_segment(&mut self, s: &Segment) {
        let base = self.files.len() as u32;
        self.files.extend((0..s.files()).map(|f| s.file(f)));
        let first_item = self.items.len();
        self.items.extend((0..s.items()).map(|i| (base + s.item_file(i), s.item(i))));
        self.band_keys.resize(self.band_keys.len() + s.items() * self.bands, 0);
        for b in 0..self.bands {
            for e in 0..s.items() {
                let (key, item) = s.band_entry(b, e);
                self.band_keys[(first_item + item as usize) * self.bands + b] = key;
            }
        }
        for e in 0..s.items() {
            let (key, item) = s.exact_entry(e);
            self.items[first_item + item as usize].1.key = key;
        }
        for i in 0..s.items() {
            self.sketches.extend_from_slice(s.sketch(i));
        }
    }

    /// Writes the segment to `path` (which must not be visible to readers
    /// yet), syncs it, and returns its size and checksum. `halfway` runs once
    /// the first tables are on disk (the crash hook's point).
    pub fn write(&self, path: &Path, halfway: impl FnOnce()) -> io::Result<(u64, u64)> {
        let mut out =
            Hashing { out: BufWriter::with_capacity(1 << 20, File::create(path)?), hash: Xxh3::new(), len: 0 };
        let paths_len: usize = self.files.iter().map(|f| f.path.len()).sum();
        let mut header = [0u8; HEADER];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&VERSION.to_le_bytes());
        header[12..16].copy_from_slice(&(self.bands as u32).to_le_bytes());
        header[16..20].copy_from_slice(&(self.slots as u32).to_le_bytes());
        header[24..32].copy_from_slice(&(self.files.len() as u64).to_le_bytes());
        header[32..40].copy_from_slice(&(self.items.len() as u64).to_le_bytes());
        header[40..48].copy_from_slice(&(paths_len as u64).to_le_bytes());
        out.put(&header)?;
        let mut at = 0u64;
        for f in &self.files {
            let mut r = [0u8; FILE_BYTES];
            r[..8].copy_from_slice(&at.to_le_bytes());
            r[8..12].copy_from_slice(&(f.path.len() as u32).to_le_bytes());
            r[12..16].copy_from_slice(&f.paragraphs.to_le_bytes());
            r[16..24].copy_from_slice(&f.bytes.to_le_bytes());
            r[24..32].copy_from_slice(&f.digest.to_le_bytes());
            out.put(&r)?;
            at += f.path.len() as u64;
        }
        for (file, it) in &self.items {
            let mut r = [0u8; ITEM_BYTES];
            let words = [*file, it.para_first, it.para_last, it.page];
            for (i, w) in words.iter().enumerate() {
                r[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
            }
            r[16..24].copy_from_slice(&it.byte_start.to_le_bytes());
            r[24..32].copy_from_slice(&it.byte_end.to_le_bytes());
            let words = [it.line_start, it.col_start, it.line_end, it.col_end];
            for (i, w) in words.iter().enumerate() {
                r[32 + 4 * i..36 + 4 * i].copy_from_slice(&w.to_le_bytes());
            }
            r[48..56].copy_from_slice(&it.content.to_le_bytes());
            out.put(&r)?;
        }
        out.out.flush()?;
        halfway();
        let mut exact: Vec<(u128, u32)> =
            self.items.iter().enumerate().map(|(i, (_, it))| (it.key, i as u32)).collect();
        exact.par_sort_unstable();
        for (key, item) in exact {
            out.put(&key.to_le_bytes())?;
            out.put(&item.to_le_bytes())?;
        }
        for b in 0..self.bands {
            let mut band: Vec<(u32, u32)> =
                (0..self.items.len()).map(|i| (self.band_keys[i * self.bands + b], i as u32)).collect();
            band.par_sort_unstable();
            for (key, item) in band {
                out.put(&key.to_le_bytes())?;
                out.put(&item.to_le_bytes())?;
            }
        }
        out.put(&self.sketches)?;
        for f in &self.files {
            out.put(f.path.as_bytes())?;
        }
        let checksum = out.hash.digest();
        out.put(&checksum.to_le_bytes())?;
        out.put(END)?;
        let len = out.len;
        let file = out.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok((len, checksum))
    }
}

/// A writer that hashes and counts what passes through it.
struct Hashing {
    out: BufWriter<File>,
    hash: Xxh3,
    len: u64,
}

impl Hashing {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hash.update(bytes);
        self.len += bytes.len() as u64;
        self.out.write_all(bytes)
    }
}

/// An open segment: its file mapped into memory, checked whole.
pub struct Segment {
    map: Mmap,
    bands: usize,
    slots: usize,
    files: usize,
    items: usize,
    files_at: usize,
    items_at: usize,
    exact_at: usize,
    bands_at: usize,
    sketches_at: usize,
    paths_at: usize,
}

impl Segment {
    /// Maps `path` and checks its length and checksum against what the
    /// manifest recorded; the error says what is wrong (the caller names
    /// the file). A missing file is `Err(None)`.
    pub fn open(path: &Path, len: u64, checksum: u64) -> Result<Segment, Option<String>> {
        let file = File::open(path).map_err(|e| {
            (e.kind() != io::ErrorKind::NotFound).then(|| format!("cannot open: {}", crate::source::io_message(&e)))
        })?;
        // SAFETY: segments are never written after they are renamed into
        // place (writers make new files and only ever delete old ones), so
        // the mapped bytes do not change under the reader.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Some(format!("cannot map: {e}")))?;
        let actual = map.len() as u64;
        if actual != len {
            return Err(Some(format!("truncated or damaged segment: {actual} bytes, the manifest says {len}")));
        }
        if map.len() < HEADER + FOOTER || &map[..8] != MAGIC || &map[map.len() - 8..] != END {
            return Err(Some("not a doublet index segment (bad magic number)".into()));
        }
        let body = map.len() - FOOTER;
        let stored = u64_at(&map, body);
        let actual = xxhash_rust::xxh3::xxh3_64(&map[..body]);
        if stored != checksum || actual != checksum {
            return Err(Some(format!("corrupt segment: checksum {actual:016x}, the manifest says {checksum:016x}")));
        }
        let version = u32_at(&map, 8);
        if version != VERSION {
            return Err(Some(format!("segment format {version}, this doublet reads {VERSION}")));
        }
        let bands = u32_at(&map, 12) as usize;
        let slots = u32_at(&map, 16) as usize;
        let files = u64_at(&map, 24) as usize;
        let items = u64_at(&map, 32) as usize;
        let paths = u64_at(&map, 40) as usize;
        let files_at = HEADER;
        let items_at = files_at + files * FILE_BYTES;
        let exact_at = items_at + items * ITEM_BYTES;
        let bands_at = exact_at + items * EXACT_BYTES;
        let sketches_at = bands_at + bands * items * BAND_BYTES;
        let paths_at = sketches_at + items * slots;
        if paths_at + paths != body {
            return Err(Some("damaged segment: its tables do not add up to its length".into()));
        }
        Ok(Segment { map, bands, slots, files, items, files_at, items_at, exact_at, bands_at, sketches_at, paths_at })
    }

    pub fn files(&self) -> usize {
        self.files
    }

    /// Band keys per item and sketch slots per item.
    pub fn shape(&self) -> (usize, usize) {
        (self.bands, self.slots)
    }

    pub fn items(&self) -> usize {
        self.items
    }

    pub fn bytes(&self) -> u64 {
        self.map.len() as u64
    }

    pub fn file(&self, f: usize) -> FileEntry {
        let r = self.files_at + f * FILE_BYTES;
        let (at, len) = (u64_at(&self.map, r) as usize, u32_at(&self.map, r + 8) as usize);
        let start = (self.paths_at + at).min(self.paths_at + self.map.len());
        let bytes = self.map.get(start..start + len).unwrap_or_default();
        FileEntry {
            path: String::from_utf8_lossy(bytes).into_owned(),
            paragraphs: u32_at(&self.map, r + 12),
            bytes: u64_at(&self.map, r + 16),
            digest: u64_at(&self.map, r + 24),
        }
    }

    /// The file (index into the segment's files) item `i` belongs to.
    pub fn item_file(&self, i: usize) -> u32 {
        u32_at(&self.map, self.items_at + i * ITEM_BYTES)
    }

    /// Item `i`, without its exact key (0): the sorted exact table holds
    /// the keys, and a lookup already knows the key it looked up.
    pub fn item(&self, i: usize) -> ItemRecord {
        let r = self.items_at + i * ITEM_BYTES;
        let w = |k: usize| u32_at(&self.map, r + 4 * k);
        ItemRecord {
            key: 0,
            para_first: w(1),
            para_last: w(2),
            page: w(3),
            byte_start: u64_at(&self.map, r + 16),
            byte_end: u64_at(&self.map, r + 24),
            line_start: w(8),
            col_start: w(9),
            line_end: w(10),
            col_end: w(11),
            content: u64_at(&self.map, r + 48),
        }
    }

    /// Entry `e` of the sorted exact table: key and item.
    fn exact_entry(&self, e: usize) -> (u128, u32) {
        let at = self.exact_at + e * EXACT_BYTES;
        (u128_at(&self.map, at), u32_at(&self.map, at + 16))
    }

    /// Items whose exact key is `key`.
    pub fn exact(&self, key: u128) -> Vec<u32> {
        let at = |e: usize| self.exact_at + e * EXACT_BYTES;
        let key_at = |e: usize| u128_at(&self.map, at(e));
        let mut e = lower_bound(self.items, &key_at, key);
        let mut out = Vec::new();
        while e < self.items && key_at(e) == key {
            out.push(self.exact_entry(e).1);
            e += 1;
        }
        out
    }

    /// Items whose key in band `b` is `key`.
    pub fn band(&self, b: usize, key: u32) -> Vec<u32> {
        let mut e = lower_bound(self.items, &|e| (self.band_entry(b, e).0 as u128) << 96, (key as u128) << 96);
        let mut out = Vec::new();
        while e < self.items {
            let (k, item) = self.band_entry(b, e);
            if k != key {
                break;
            }
            out.push(item);
            e += 1;
        }
        out
    }

    /// Entry `e` of band `b`'s sorted table: key and item.
    fn band_entry(&self, b: usize, e: usize) -> (u32, u32) {
        let at = self.bands_at + (b * self.items + e) * BAND_BYTES;
        (u32_at(&self.map, at), u32_at(&self.map, at + 4))
    }

    pub fn sketch(&self, i: usize) -> &[u8] {
        let at = self.sketches_at + i * self.slots;
        &self.map[at..at + self.slots]
    }
}

/// The first entry whose key is at least `target` among `n` sorted keys.
/// Keys are hashes (spread evenly), so interpolating on their top 64 bits
/// lands next to the answer; after a few probes that do not, halving ends it.
fn lower_bound(n: usize, key_at: &dyn Fn(usize) -> u128, target: u128) -> usize {
    let (mut lo, mut hi) = (0usize, n);
    for _ in 0..8 {
        if hi - lo <= 16 {
            break;
        }
        let (first, last) = (key_at(lo), key_at(hi - 1));
        if target <= first {
            return lo;
        }
        if target > last {
            return hi;
        }
        let (t, f, l) = ((target >> 64) as u64, (first >> 64) as u64, (last >> 64) as u64);
        let span = (hi - 1 - lo) as u128;
        let guess = lo + ((t - f) as u128 * span / (l - f).max(1) as u128) as usize;
        let guess = guess.clamp(lo, hi - 1);
        if key_at(guess) < target {
            lo = guess + 1;
        } else {
            hi = guess;
        }
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if key_at(mid) < target {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
}

fn u128_at(b: &[u8], at: usize) -> u128 {
    b.get(at..at + 16).map_or(0, |s| u128::from_le_bytes(s.try_into().unwrap_or([0; 16])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_bound_agrees_with_partition_point() {
        let mut keys: Vec<u128> = (0..5000u64).map(|i| (crate::minhash::mix(i) as u128) << 64).collect();
        keys.extend([keys[7]; 5]);
        keys.sort_unstable();
        let key_at = |i: usize| keys[i];
        for probe in keys.iter().copied().chain([0, u128::MAX, keys[100] + 1, keys[4000] - 1]) {
            assert_eq!(lower_bound(keys.len(), &key_at, probe), keys.partition_point(|&k| k < probe), "{probe}");
        }
        assert_eq!(lower_bound(0, &key_at, 5), 0);
    }
}
